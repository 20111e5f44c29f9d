"""From compiled ABIs to DuckDB tables, and from raw logs to their rows.

Everything here works on plain ABI dicts (``{"name", "inputs": [{"name",
"type", "indexed", "components"}], "anonymous"}``), so the tables follow
the contracts: no event is listed by hand. The naming and type rules are in
the package docstring (credstack.index)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cchecksum import to_checksum_address
from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

# Bumped whenever the layout of the tables changes: an index file of another
# version is rebuilt from the chain.
SCHEMA_VERSION = 1

LEADING = (
    ("block_number", "UBIGINT"),
    ("block_time", "TIMESTAMP"),
    ("tx_hash", "VARCHAR"),
    ("log_index", "UINTEGER"),
    ("address", "VARCHAR"),
    ("contract", "VARCHAR"),
)
LEADING_NAMES = {name for name, _ in LEADING}

U64 = 1 << 64
U128 = 1 << 128
I64 = 1 << 63
I128 = 1 << 127


def snake(name: str) -> str:
    """``previousAdminRole`` -> ``previous_admin_role``, ``CredentialIssued``
    -> ``credential_issued``, ``_tokenId`` -> ``token_id``; leading and
    trailing underscores go."""
    name = name.strip("_")
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"_+", "_", name).lower()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def canonical(abi_input: Mapping[str, Any]) -> str:
    """The ABI type as it goes into a signature: tuples spelled out."""
    kind = str(abi_input["type"])
    if kind.startswith("tuple"):
        inner = ",".join(canonical(c) for c in abi_input.get("components") or [])
        return f"({inner}){kind[5:]}"
    return kind


def signature(event: Mapping[str, Any]) -> str:
    return f"{event['name']}({','.join(canonical(i) for i in event.get('inputs', []))})"


def _array(kind: str) -> tuple[str, str] | None:
    """``uint256[3]`` -> (``uint256``, ``[3]``); None when not an array."""
    match = re.fullmatch(r"(.*)(\[\d*\])", kind)
    return (match.group(1), match.group(2)) if match else None


def _bits(kind: str, prefix: str) -> int:
    return int(kind[len(prefix) :] or 256)


def duck_type(abi_input: Mapping[str, Any]) -> str:
    """The DuckDB type of a (non-indexed, or static indexed) ABI value."""
    kind = str(abi_input["type"])
    if (array := _array(kind)) is not None:
        return duck_type({**abi_input, "type": array[0]}) + "[]"
    if kind == "tuple":
        fields = ", ".join(
            f"{quote(name)} {duck_type(c)}"
            for name, c in zip(
                member_names(abi_input.get("components") or []),
                abi_input.get("components") or [],
                strict=True,
            )
        )
        return f"STRUCT({fields})"
    if kind == "bool":
        return "BOOLEAN"
    if kind.startswith("uint"):
        return "UBIGINT" if _bits(kind, "uint") <= 64 else "UHUGEINT"
    if kind.startswith("int"):
        return "BIGINT" if _bits(kind, "int") <= 64 else "HUGEINT"
    return "VARCHAR"  # address, bytes, bytesN, string


def is_static_word(kind: str) -> bool:
    """One 32-byte word, in data or in a topic."""
    return kind in ("address", "bool") or bool(re.fullmatch(r"u?int\d*|bytes\d+", kind))


def member_names(inputs: Sequence[Mapping[str, Any]], reserved: Iterable[str] = ()) -> list[str]:
    """Column (or struct field) names: snake_case, ``arg<i>`` when unnamed;
    a name taken by a leading column gets ``arg_`` in front; a repeat gets
    ``_<i>`` after it."""
    taken = set(reserved)
    names = []
    for i, abi_input in enumerate(inputs):
        name = snake(str(abi_input.get("name") or "")) or f"arg{i}"
        if name in taken:
            name = f"arg_{name}"
        if name in taken:
            name = f"{name}_{i}"
        taken.add(name)
        names.append(name)
    return names


def from_json_structure(abi_input: Mapping[str, Any]) -> Any:
    """The structure DuckDB's from_json takes for a list or struct value."""
    kind = str(abi_input["type"])
    if (array := _array(kind)) is not None:
        return [from_json_structure({**abi_input, "type": array[0]})]
    if kind == "tuple":
        components = abi_input.get("components") or []
        return {
            name: from_json_structure(c)
            for name, c in zip(member_names(components), components, strict=True)
        }
    return duck_type(abi_input)


@dataclass(frozen=True)
class Column:
    name: str
    duck: str
    abi: Mapping[str, Any]
    indexed: bool
    # How the staged text becomes the column's value in SQL.
    sql: str


@dataclass
class EventTable:
    """One DuckDB table: an event as one or more contract types declare it."""

    table: str
    event: str
    signature: str
    topic0: str
    inputs: list[dict[str, Any]]
    contracts: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[Column]:
        names = member_names(self.inputs, LEADING_NAMES)
        columns = []
        for name, abi_input in zip(names, self.inputs, strict=True):
            kind = str(abi_input["type"])
            indexed = bool(abi_input.get("indexed"))
            hashed = indexed and not is_static_word(kind)  # the topic is the value's hash
            duck = "VARCHAR" if hashed else duck_type(abi_input)
            staged = f"CAST({quote(name)} AS VARCHAR)"
            if duck == "VARCHAR":
                sql = staged
            elif duck.endswith("]") or duck.startswith("STRUCT"):
                sql = f"from_json({staged}, '{json.dumps(from_json_structure(abi_input))}')"
            else:
                sql = f"CAST({staged} AS {duck})"
            columns.append(Column(name, duck, abi_input, indexed, sql))
        return columns

    def create_sql(self) -> str:
        columns = [f"{name} {duck} NOT NULL" for name, duck in LEADING]
        columns += [f"{quote(c.name)} {c.duck}" for c in self.columns]
        return f"CREATE TABLE {quote(self.table)} ({', '.join(columns)})"

    def insert_sql(self, staging: str) -> str:
        values = [
            "block_number",
            "epoch_ms(CAST(block_time AS BIGINT) * 1000)",
            "tx_hash",
            "log_index",
            "address",
            "contract",
        ] + [c.sql for c in self.columns]
        return f"INSERT INTO {quote(self.table)} SELECT {', '.join(values)} FROM {staging}"

    def describe(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "event": self.event,
            "signature": self.signature,
            "topic0": self.topic0,
            "contracts": sorted(self.contracts),
            "columns": [[c.name, c.duck] for c in self.columns],
        }


def _same_inputs(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> bool:
    def key(inputs: Sequence[Mapping[str, Any]]) -> str:
        return json.dumps(
            [{k: i.get(k) for k in ("name", "type", "indexed", "components")} for i in inputs],
            sort_keys=True,
        )

    return key(a) == key(b)


def event_tables(abis: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[EventTable]:
    """The tables for contract types (name -> ABI events). One table per
    event name; where two types declare a name with different inputs, each
    variant's table is prefixed with its contract type (``council_x``).
    Anonymous events have no topic to find them by and are left out."""
    variants: dict[str, list[EventTable]] = {}
    for contract in sorted(abis):
        for event in abis[contract]:
            if event.get("type", "event") != "event" or event.get("anonymous"):
                continue
            inputs = [dict(i) for i in event.get("inputs", [])]
            same = next(
                (t for t in variants.get(event["name"], []) if _same_inputs(t.inputs, inputs)),
                None,
            )
            if same is not None:
                same.contracts.append(contract)
                continue
            sig = signature(event)
            table = EventTable(
                snake(event["name"]),
                event["name"],
                sig,
                "0x" + keccak(text=sig).hex(),
                inputs,
                [contract],
            )
            variants.setdefault(event["name"], []).append(table)
    tables = []
    for found in variants.values():
        for table in found:
            if len(found) > 1:
                table.table = "_".join(snake(c) for c in table.contracts) + "_" + table.table
            tables.append(table)
    return sorted(tables, key=lambda t: t.table)


# DECODING #

Warn = Callable[[str, int, str], None]  # (event, block, field)


def _python_value(abi_input: Mapping[str, Any], value: Any, overflow: Callable[[], None]) -> Any:
    """An eth_abi value as the JSON the staging column carries: integers as
    text (bounded to the column type, else None), bytes as 0x hex, strings
    (decoded from bytes here) with invalid UTF-8 replaced."""
    kind = str(abi_input["type"])
    if (array := _array(kind)) is not None:
        element = {**abi_input, "type": array[0]}
        return [_python_value(element, v, overflow) for v in value]
    if kind == "tuple":
        components = abi_input.get("components") or []
        return {
            name: _python_value(c, v, overflow)
            for name, c, v in zip(member_names(components), components, value, strict=True)
        }
    if kind == "bool":
        return bool(value)
    if kind.startswith("uint"):
        limit = U64 if _bits(kind, "uint") <= 64 else U128
        if not 0 <= value < limit:
            overflow()
            return None
        return str(value)
    if kind.startswith("int"):
        limit = I64 if _bits(kind, "int") <= 64 else I128
        if not -limit <= value < limit:
            overflow()
            return None
        return str(value)
    if kind == "address":
        return to_checksum_address(value)
    if kind == "string":
        return bytes(value).decode("utf-8", errors="replace")
    return "0x" + bytes(value).hex()


def _abi_type(abi_input: Mapping[str, Any]) -> str:
    """The type eth_abi decodes, with string read as bytes (same encoding)
    so that invalid UTF-8 is ours to replace."""
    kind = str(abi_input["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in abi_input.get("components") or [])
        return f"({inner}){kind[5:]}"
    if kind.startswith("string"):
        return "bytes" + kind[6:]
    return kind


def _word_converter(kind: str) -> Callable[[str], Any]:
    """A staged value from one 64-hex-digit word (no 0x); None for a value
    the column cannot hold (the caller warns)."""
    if kind == "address":
        return lambda w: to_checksum_address("0x" + w[24:])
    if kind == "bool":
        return lambda w: "false" if int(w, 16) == 0 else "true"
    if kind.startswith("bytes"):
        size = int(kind[5:])
        return lambda w: "0x" + w[: 2 * size]
    if kind.startswith("uint"):
        if _bits(kind, "uint") <= 64:
            return lambda w: str(int(w, 16)) if w[:48].strip("0") == "" else None
        return lambda w: str(int(w, 16)) if w[:32].strip("0") == "" else None
    limit = I64 if _bits(kind, "int") <= 64 else I128

    def signed(w: str) -> str | None:
        value = int(w, 16)
        if value >= 1 << 255:
            value -= 1 << 256
        return str(value) if -limit <= value < limit else None

    return signed


class Decoder:
    """Turns the raw logs of one event of one contract type into staged
    columns (text, decoded by EventTable.insert_sql): per event type, not
    per log. Static data (every non-indexed input one word) is sliced; the
    rest goes through eth_abi."""

    def __init__(self, table: EventTable) -> None:
        self.table = table
        self.columns = table.columns
        topic_positions = {}
        data_inputs = []
        position = 1
        for column in self.columns:
            if column.indexed:
                topic_positions[column.name] = position
                position += 1
            else:
                data_inputs.append(column)
        self.topic_positions = topic_positions
        self.data_columns = data_inputs
        self.fast = all(is_static_word(str(c.abi["type"])) for c in data_inputs)
        self.data_types = [_abi_type(c.abi) for c in data_inputs]

    def decode(
        self, logs: Sequence[Any], blocks: Sequence[int], warn: Warn
    ) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        event = self.table.event
        for column in self.columns:
            if column.indexed:
                k = self.topic_positions[column.name]
                kind = str(column.abi["type"])
                if not is_static_word(kind):
                    out[column.name] = [
                        log.topics[k].lower() if len(log.topics) > k else None for log in logs
                    ]
                    continue
                convert = _word_converter(kind)
                words = [log.topics[k][2:] if len(log.topics) > k else None for log in logs]
                out[column.name] = self._convert(words, convert, column.name, blocks, warn)
        if self.fast:
            for i, column in enumerate(self.data_columns):
                convert = _word_converter(str(column.abi["type"]))
                start, stop = 2 + 64 * i, 2 + 64 * (i + 1)
                words = [w if len(w := log.data[start:stop]) == 64 else None for log in logs]
                out[column.name] = self._convert(words, convert, column.name, blocks, warn)
            return out
        staged: list[list[Any]] = [[] for _ in self.data_columns]
        for log, block in zip(logs, blocks, strict=True):
            values: Sequence[Any]
            try:
                values = abi_decode(self.data_types, bytes.fromhex(log.data[2:]))
            except Exception as err:
                warn(event, block, f"data ({type(err).__name__}: {err})")
                values = [None] * len(self.data_columns)
            for j, (column, value) in enumerate(zip(self.data_columns, values, strict=True)):
                if value is None:
                    staged[j].append(None)
                    continue

                def overflow(name: str = column.name, block: int = block) -> None:
                    warn(event, block, name)

                converted = _python_value(column.abi, value, overflow)
                if isinstance(converted, list | dict):
                    converted = json.dumps(converted)
                elif isinstance(converted, bool):
                    converted = "true" if converted else "false"
                staged[j].append(converted)
        for column, values in zip(self.data_columns, staged, strict=True):
            out[column.name] = values
        return out

    def _convert(
        self,
        words: list[str | None],
        convert: Callable[[str], Any],
        name: str,
        blocks: Sequence[int],
        warn: Warn,
    ) -> list[Any]:
        values = [None if w is None else convert(w) for w in words]
        if None not in values:
            return values
        for word, value, block in zip(words, values, blocks, strict=True):
            if value is None:
                warn(self.table.event, block, name if word is not None else f"{name} (missing)")
        return values
