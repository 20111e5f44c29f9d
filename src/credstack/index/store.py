"""The index file and its sync: see the package docstring for the schema."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import duckdb
import pandas as pd
from cchecksum import to_checksum_address

from credstack.config import out_dir
from credstack.deployments import Deployment
from credstack.errors import CredstackError
from credstack.index.rpc import Log, NodeError, Refused, Rpc, TimedOut
from credstack.index.schema import (
    LEADING,
    SCHEMA_VERSION,
    Decoder,
    EventTable,
    event_tables,
    quote,
)
from credstack.index.views import create_views

log = logging.getLogger("credstack.index")

# Chains whose every block counts as final (ape's embedded chain, anvil,
# hardhat): nothing there reorganises unless a test makes it.
LOCAL_CHAIN_IDS = frozenset({1337, 31337})
# Confirmations on a chain whose node has no `finalized` block.
DEFAULT_CONFIRMATIONS = 12
# eth_getLogs: the first range, the widest, and the logs one answer aims at
# (the range halves above it and doubles under a quarter of it).
FIRST_SPAN = 16
MAX_SPAN = 10_000
LOGS_PER_CHUNK = 20_000
# A chunk whose logs and block headers disagree (the chain moved under the
# sync) is fetched again this many times before the sync gives up.
CHUNK_TRIES = 3


class IndexFileError(CredstackError):
    """The index file is not this deployment's, or cannot be opened."""


class ChainMoved(CredstackError):
    """A chunk's logs and headers disagree: the chain reorganised mid-fetch."""


@dataclass
class SyncResult:
    start: int  # first block scanned this run
    head: int  # the chain's head: everything up to it is in the index
    final_block: int  # blocks up to here are final; rows above are the tail
    events: int  # rows written this run (the tail's included)
    tail_events: int  # of which in the unconfirmed tail
    blocks: int  # blocks scanned this run
    chunks: int  # transactions committed
    seconds: float
    reorg: int | None = None  # the fork point rolled back to, if any

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def default_path(deployment: Deployment) -> Path:
    """out/index/<chain id>-<registry>.duckdb"""
    return out_dir() / "index" / f"{deployment.chain_id}-{deployment.registry.lower()}.duckdb"


def project_abis(contract_types: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Contract type -> its events, from the project's compiled ABIs."""
    from ape import project

    return {
        name: [
            e.model_dump(mode="json", by_alias=True)
            for e in getattr(project, name).contract_type.events
        ]
        for name in contract_types
    }


class Progress:
    """One line on a stream, rewritten: blocks done of total, events, events a second."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.started = time.perf_counter()
        self.shown = 0.0

    def update(self, blocks: int, events: int, done: bool = False) -> None:
        now = time.perf_counter()
        if not done and now - self.shown < 0.2:
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-9)
        width = 24
        filled = int(width * min(blocks, self.total) / self.total)
        self.stream.write(
            f"\rindex [{'#' * filled}{'.' * (width - filled)}] {blocks:,} of {self.total:,} "
            f"blocks, {events:,} events, {events / elapsed:,.0f} events/s" + ("\n" if done else "")
        )
        self.stream.flush()


class Index:
    """A deployment's events in a DuckDB file. ``Index.open`` makes or
    checks the file; ``sync`` brings it up to the chain's head."""

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        path: Path,
        deployment: Deployment,
        tables: list[EventTable],
        contracts: Mapping[str, str],
    ) -> None:
        self.connection = connection
        self.path = path
        self.deployment = deployment
        self._tables = tables
        self.contracts = dict(contracts)  # checksummed address -> contract type
        # (address lower, topic0) -> (checksummed address, contract type, decoder)
        self._decoders: dict[tuple[str, str], tuple[str, str, Decoder]] = {}
        for address, contract in self.contracts.items():
            for table in tables:
                if contract in table.contracts:
                    key = (address.lower(), table.topic0)
                    self._decoders[key] = (address, contract, Decoder(table))
        self.warnings = 0
        self._warned: set[tuple[str, str]] = set()

    # OPENING #

    @classmethod
    def open(
        cls,
        deployment: Deployment,
        path: str | Path | None = None,
        abis: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    ) -> Index:
        """The index file of ``deployment`` (default: ``default_path``),
        made if missing. A file of another chain or registry is refused; a
        file of an older schema, or of another set of contracts or events,
        is emptied and synced again from the deployment block."""
        path = Path(path) if path is not None else default_path(deployment)
        contracts = {str(to_checksum_address(a)): t for a, t in deployment.contracts().items()}
        if abis is None:
            abis = project_abis(sorted(set(contracts.values())))
        tables = event_tables({t: abis.get(t, []) for t in set(contracts.values())})
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = duckdb.connect(str(path))
        except duckdb.Error as err:
            raise IndexFileError(f"{path}: cannot open the index ({one_line(err)})") from None
        index = cls(connection, path, deployment, tables, contracts)
        try:
            index._prepare()
            create_views(connection)
        except BaseException:
            connection.close()
            raise
        return index

    def _meta(self) -> dict[str, Any] | None:
        exists = self.connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND table_name = '_meta'"
        ).fetchone()
        if not exists or not exists[0]:
            return None
        cursor = self.connection.execute("SELECT * FROM _meta")
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def _identity(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "contracts": json.dumps(dict(sorted(self.contracts.items()))),
            "events": json.dumps([t.describe() for t in self._tables]),
        }

    def _prepare(self) -> None:
        deployment = self.deployment
        meta = self._meta()
        if meta is not None:
            theirs = (int(meta["chain_id"]), str(meta["registry"]))
            ours = (deployment.chain_id, to_checksum_address(deployment.registry))
            if theirs != ours:
                raise IndexFileError(
                    f"{self.path} is the index of chain {theirs[0]} registry {theirs[1]}, not of "
                    f"this deployment (chain {ours[0]} registry {ours[1]}): give another "
                    "index file"
                )
            identity = self._identity()
            if all(meta.get(k) == v for k, v in identity.items()):
                return
            log.warning(
                "%s: the schema, contracts or events changed since it was written: "
                "rebuilding it from the chain",
                self.path,
            )
        self._create()

    def _create(self) -> None:
        c = self.connection
        c.begin()
        try:
            for schema, name, kind in c.execute(
                "SELECT schema_name, view_name, 'VIEW' FROM duckdb_views() WHERE NOT internal "
                "UNION ALL SELECT schema_name, table_name, 'TABLE' FROM duckdb_tables()"
            ).fetchall():
                c.execute(f"DROP {kind} IF EXISTS {quote(schema)}.{quote(name)}")
            c.execute(
                "CREATE TABLE _meta (schema_version INTEGER, chain_id UBIGINT, registry VARCHAR, "
                "deployment_block UBIGINT, deployment_block_hash VARCHAR, contracts VARCHAR, "
                "events VARCHAR, final_block BIGINT, synced_block BIGINT)"
            )
            d = self.deployment
            identity = self._identity()
            c.execute(
                "INSERT INTO _meta VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    identity["schema_version"],
                    d.chain_id,
                    to_checksum_address(d.registry),
                    d.block_number,
                    d.block_hash,
                    identity["contracts"],
                    identity["events"],
                    d.block_number - 1,
                    d.block_number - 1,
                ],
            )
            c.execute(
                "CREATE TABLE _blocks (number UBIGINT PRIMARY KEY, hash VARCHAR NOT NULL, "
                "time TIMESTAMP NOT NULL)"
            )
            c.execute(
                'CREATE TABLE _events ("table" VARCHAR, event VARCHAR, signature VARCHAR, '
                "topic0 VARCHAR, contracts VARCHAR[], columns VARCHAR)"
            )
            c.execute("CREATE SCHEMA IF NOT EXISTS final")
            for table in self._tables:
                c.execute(table.create_sql())
                c.execute(
                    f"CREATE VIEW final.{quote(table.table)} AS SELECT * FROM "
                    f"main.{quote(table.table)} WHERE block_number <= "
                    "(SELECT final_block FROM main._meta)"
                )
                c.execute(
                    "INSERT INTO _events VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        table.table,
                        table.event,
                        table.signature,
                        table.topic0,
                        sorted(table.contracts),
                        json.dumps([[col.name, col.duck] for col in table.columns]),
                    ],
                )
            c.commit()
        except BaseException:
            c.rollback()
            raise

    # READING #

    def tables(self) -> list[str]:
        """The event tables, by name."""
        return [t.table for t in self._tables]

    def table(self, name: str) -> EventTable:
        return next(t for t in self._tables if t.table == name)

    @property
    def final_block(self) -> int:
        return int(self._state()[0])

    @property
    def synced_block(self) -> int:
        return int(self._state()[1])

    def _state(self) -> tuple[int, int]:
        row = self.connection.execute("SELECT final_block, synced_block FROM _meta").fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # SYNC #

    def sync(
        self,
        rpc: Rpc,
        *,
        confirmations: int | None = None,
        progress: bool | IO[str] | None = None,
        to_block: int | None = None,
        max_span: int = MAX_SPAN,
        first_span: int = FIRST_SPAN,
        on_chunk: Callable[[int, int], None] | None = None,
    ) -> SyncResult:
        """Fetch every event since the last run, up to the head (or
        ``to_block``). Final blocks: the node's ``finalized`` block, else
        the head less ``confirmations`` (default 12; 0 on local chains).
        ``progress``: a stream, True for stderr, None for stderr only when
        it is a terminal. ``on_chunk(last_block, events)`` runs after each
        chunk is committed."""
        started = time.perf_counter()
        chain_id = int(rpc.call("eth_chainId", []), 16)
        if chain_id != self.deployment.chain_id:
            raise IndexFileError(
                f"the node is chain {chain_id}, but {self.path} indexes chain "
                f"{self.deployment.chain_id} (registry {self.deployment.registry})"
            )
        head = int(rpc.call("eth_blockNumber", []), 16)
        if to_block is not None:
            head = min(head, to_block)
        final_head = self._final_head(rpc, chain_id, head, confirmations)
        reorg = self._check_fork(rpc)
        self._drop_tail()
        final_block, _ = self._state()
        start = final_block + 1
        total = max(head - final_block, 0)
        stream: IO[str] | None
        if progress is None:
            stream = sys.stderr if sys.stderr.isatty() and total > 0 else None
        elif progress is True:
            stream = sys.stderr
        else:
            stream = progress or None
        bar = Progress(total, stream) if stream is not None else None
        counts = {"events": 0, "tail": 0, "chunks": 0}
        span = max(1, min(first_span, max_span))

        def fetch_range(at: int, last: int) -> tuple[int, list[Log], dict[int, tuple[str, int]]]:
            """One range from ``at``: narrowed while the node refuses it; the
            span for the next one follows the number of logs."""
            nonlocal span
            while True:
                stop = min(last, at + span - 1)
                try:
                    logs, headers = self._fetch(rpc, at, stop, halve=span > 1)
                except (Refused, TimedOut) as err:
                    if span > 1:
                        span = max(1, span // 2)
                        log.info("blocks %d-%d: %s; narrowing to %d blocks", at, stop, err, span)
                        continue
                    raise NodeError(one_line(err)) from None
                if len(logs) > LOGS_PER_CHUNK:
                    span = max(1, span // 2)
                elif len(logs) < LOGS_PER_CHUNK // 4:
                    span = min(max_span, span * 2)
                return stop, logs, headers

        def ranges(first: int, last: int, final: bool) -> None:
            """Chunks first..last, each committed on its own; the next
            range is fetched (one thread) while a chunk is written."""
            if first > last:
                return
            with ThreadPoolExecutor(1, thread_name_prefix="index-fetch") as pool:
                future: Future[Any] | None = pool.submit(fetch_range, first, last)
                try:
                    while future is not None:
                        stop, logs, headers = future.result()
                        future = pool.submit(fetch_range, stop + 1, last) if stop < last else None
                        written = self._write(logs, headers, stop, final)
                        counts["events"] += written
                        counts["chunks"] += 1
                        if not final:
                            counts["tail"] += written
                        if on_chunk is not None:
                            on_chunk(stop, written)
                        if bar is not None:
                            bar.update(stop - final_block, counts["events"])
                finally:
                    if future is not None:
                        future.cancel()

        try:
            ranges(start, final_head, final=True)
            ranges(max(start, final_head + 1), head, final=False)
        finally:
            if bar is not None:
                bar.update(max(self.synced_block - final_block, 0), counts["events"], done=True)
        return SyncResult(
            start=start,
            head=head,
            final_block=self.final_block,
            events=counts["events"],
            tail_events=counts["tail"],
            blocks=total,
            chunks=counts["chunks"],
            seconds=time.perf_counter() - started,
            reorg=reorg,
        )

    def _final_head(self, rpc: Rpc, chain_id: int, head: int, confirmations: int | None) -> int:
        if confirmations is not None:
            return head - confirmations
        if chain_id in LOCAL_CHAIN_IDS:
            return head
        try:
            block = rpc.call("eth_getBlockByNumber", ["finalized", False])
        except Refused:
            block = None
        if block:
            return min(int(block["number"], 16), head)
        return head - DEFAULT_CONFIRMATIONS

    def _fetch(
        self, rpc: Rpc, first: int, last: int, halve: bool
    ) -> tuple[list[Log], dict[int, tuple[str, int]]]:
        """The logs of blocks first..last and the headers (hash, time) of
        the blocks they are in and of ``last``, checked against each other."""
        query = {
            "address": list(self.contracts),
            "fromBlock": hex(first),
            "toBlock": hex(last),
        }
        for _ in range(CHUNK_TRIES):
            logs = rpc.get_logs(query, give_up_on_timeout=halve)
            numbers = sorted({int(entry.blockNumber, 16) for entry in logs} | {last})
            found = rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
            headers: dict[int, tuple[str, int]] = {}
            for n, header in zip(numbers, found, strict=True):
                if header is not None:
                    headers[n] = (str(header["hash"]).lower(), int(header["timestamp"], 16))
            if len(headers) == len(numbers) and all(
                not entry.removed
                and entry.blockHash.lower() == headers[int(entry.blockNumber, 16)][0]
                for entry in logs
            ):
                return logs, headers
            log.info("blocks %d-%d changed while read: reading them again", first, last)
        raise ChainMoved(f"blocks {first}-{last} kept changing while read ({CHUNK_TRIES} tries)")

    def _warn(self, event: str, block: int, field: str) -> None:
        """A value that does not fit its column (stored NULL): logged the
        first time for each event and field (a membership id, tier << 160
        | holder, never fits 128 bits: one line, not one per event)."""
        self.warnings += 1
        if (event, field) in self._warned:
            return
        self._warned.add((event, field))
        log.warning(
            "%s in block %d: field %s does not fit its column (stored NULL; later ones of this "
            "field are counted, not logged)",
            event,
            block,
            field,
        )

    def _write(
        self,
        logs: list[Log],
        headers: dict[int, tuple[str, int]],
        last: int,
        final: bool,
    ) -> int:
        """One chunk in one transaction: its rows, its blocks, the new state."""
        groups: dict[tuple[str, str], list[Log]] = {}
        for entry in logs:
            if entry.topics:
                key = (entry.address.lower(), entry.topics[0].lower())
                groups.setdefault(key, []).append(entry)
        c = self.connection
        written = 0
        c.begin()
        try:
            for key, entries in groups.items():
                known = self._decoders.get(key)
                if known is None:
                    continue  # an event no ABI of the deployment declares (anonymous, foreign)
                address, contract, decoder = known
                blocks = [int(e.blockNumber, 16) for e in entries]
                frame: dict[str, Any] = {
                    "block_number": blocks,
                    "block_time": [headers[b][1] for b in blocks],
                    "tx_hash": [e.transactionHash.lower() for e in entries],
                    "log_index": [int(e.logIndex, 16) for e in entries],
                    "address": [address] * len(entries),
                    "contract": [contract] * len(entries),
                }
                for name, values in decoder.decode(entries, blocks, self._warn).items():
                    frame[name] = pd.Series(values, dtype=object)
                staging = pd.DataFrame(frame)
                c.register("_staging", staging)
                try:
                    c.execute(decoder.table.insert_sql("_staging"))
                finally:
                    c.unregister("_staging")
                written += len(entries)
            numbers = sorted(headers)
            blocks_frame = pd.DataFrame(
                {
                    "number": numbers,
                    "hash": [headers[n][0] for n in numbers],
                    "time": [headers[n][1] for n in numbers],
                }
            )
            c.register("_staging", blocks_frame)
            try:
                c.execute(
                    "INSERT OR REPLACE INTO _blocks SELECT number, hash, "
                    "epoch_ms(CAST(time AS BIGINT) * 1000) FROM _staging"
                )
            finally:
                c.unregister("_staging")
            if final:
                c.execute("UPDATE _meta SET final_block = ?, synced_block = ?", [last, last])
            else:
                c.execute("UPDATE _meta SET synced_block = ?", [last])
            c.commit()
        except BaseException:
            c.rollback()
            raise
        return written

    def _drop_tail(self) -> None:
        """Rows above the last final block: replaced on every run."""
        final_block, synced = self._state()
        if synced > final_block:
            self._truncate(final_block)

    def _truncate(self, block: int) -> None:
        """Everything above ``block`` goes, in one transaction."""
        c = self.connection
        c.begin()
        try:
            for table in self._tables:
                c.execute(f"DELETE FROM {quote(table.table)} WHERE block_number > ?", [block])
            c.execute("DELETE FROM _blocks WHERE number > ?", [block])
            c.execute(
                "UPDATE _meta SET final_block = least(final_block, ?), synced_block = ?",
                [block, block],
            )
            c.commit()
        except BaseException:
            c.rollback()
            raise

    def _check_fork(self, rpc: Rpc) -> int | None:
        """The last final block's stored hash against the chain; on a
        mismatch, the highest stored block the chain still has (binary
        search: below a block that matches, all match) is the fork point,
        and everything above it goes. Returns the fork point, or None."""
        final_block, _ = self._state()
        stored = [
            (int(n), str(h))
            for n, h in self.connection.execute(
                "SELECT number, hash FROM _blocks WHERE number <= ? ORDER BY number", [final_block]
            ).fetchall()
        ]
        if not stored or self._matches(rpc, *stored[-1]):
            return None
        low, high = 0, len(stored) - 1  # the first that does not match is in low..high
        while low < high:
            middle = (low + high) // 2
            if self._matches(rpc, *stored[middle]):
                low = middle + 1
            else:
                high = middle
        fork = stored[low - 1][0] if low > 0 else self.deployment.block_number - 1
        log.warning(
            "%s: block %d is no longer on the chain: rolling back to block %d and syncing again",
            self.path,
            stored[-1][0],
            fork,
        )
        self._truncate(fork)
        return fork

    def _matches(self, rpc: Rpc, number: int, stored_hash: str) -> bool:
        header = rpc.call("eth_getBlockByNumber", [hex(number), False])
        return header is not None and str(header["hash"]).lower() == stored_hash


def one_line(err: BaseException | str) -> str:
    return " ".join(str(err).split())


__all__ = ["LEADING", "Index", "IndexFileError", "SyncResult", "default_path"]
