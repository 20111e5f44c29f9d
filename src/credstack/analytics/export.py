"""Parquet files of an index: every event table, the views ``credentials``
and ``learners``, and the bookkeeping tables ``_meta``, ``_blocks`` and
``_events``, one file each (``<name>.parquet``), readable by pandas,
pyarrow, DuckDB, Spark and ClickHouse without credstack.

Types are kept exact and portable:

- UHUGEINT / HUGEINT (uint256/int256 values of up to 128 bits): DuckDB
  would write them as DOUBLE, losing digits past 2**53. They become
  DECIMAL(38,0) (Parquet's decimal, read as decimal128(38, 0)) when every
  value of the column has at most 38 digits, else VARCHAR of the decimal
  digits; inside a LIST or STRUCT the same rule applies to the nested
  values, per column.
- TIMESTAMP (UTC in the index) becomes TIMESTAMP WITH TIME ZONE, so the
  Parquet column says it is UTC (isAdjustedToUTC) and readers do not take
  it for local time; nested timestamps too.
- Everything else as DuckDB writes it (UBIGINT as UINT64, UINTEGER as
  UINT32, VARCHAR as UTF-8 strings, BOOLEAN, LIST, STRUCT).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from credstack.index.schema import quote

BOOKKEEPING = ("_meta", "_blocks", "_events")
VIEWS = ("credentials", "learners")
DECIMAL = "DECIMAL(38,0)"
_HUGE = re.compile(r"\b(?:UHUGEINT|HUGEINT)\b")
_TIMESTAMP = re.compile(r"\bTIMESTAMP\b(?! WITH)")


@dataclass(frozen=True)
class Column:
    """A relation's column as it goes into the Parquet file."""

    name: str
    duck: str  # its type in the index
    written: str  # its type in the file

    @property
    def select(self) -> str:
        """The SELECT item writing the column: a cast where the type changes."""
        if self.written == self.duck:
            return quote(self.name)
        return f"CAST({quote(self.name)} AS {self.written}) AS {quote(self.name)}"


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What is exported: the event tables (as ``_events`` lists them), the
    views ``credentials`` and ``learners`` where they exist, and the
    bookkeeping tables, in that order."""
    tables = [str(r[0]) for r in con.execute('SELECT "table" FROM _events ORDER BY 1').fetchall()]
    present = {
        str(r[0])
        for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
        ).fetchall()
    }
    return [*tables, *(v for v in VIEWS if v in present), *BOOKKEEPING]


def described(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column of ``relation``."""
    return [
        (str(name), str(duck))
        for name, duck, *_ in con.execute(f"DESCRIBE SELECT * FROM {quote(relation)}").fetchall()
    ]


def too_wide(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    """The 128-bit columns of ``relation`` holding a value of more than 38
    digits (one scan): TRY_CAST to DECIMAL(38,0) makes such a value NULL
    (or a NULL inside a list or struct), so its round trip differs."""
    huge = [(name, duck) for name, duck in described(con, relation) if _HUGE.search(duck)]
    if not huge:
        return set()
    checks = ", ".join(
        f"coalesce(bool_or(CAST(TRY_CAST({quote(name)} AS {_HUGE.sub(DECIMAL, duck)}) "
        f"AS {duck}) IS DISTINCT FROM {quote(name)}), false)"
        for name, duck in huge
    )
    row = con.execute(f"SELECT {checks} FROM {quote(relation)}").fetchone()
    assert row is not None
    return {name for (name, _), wide in zip(huge, row, strict=True) if wide}


def columns(
    con: duckdb.DuckDBPyConnection, relation: str, wide: set[str] | None = None
) -> list[Column]:
    """The columns of ``relation`` and their types in the file (see the
    module docstring); ``wide``: the 128-bit columns written as VARCHAR
    (default: found by ``too_wide``)."""
    if wide is None:
        wide = too_wide(con, relation)
    found = []
    for name, duck in described(con, relation):
        written = _HUGE.sub("VARCHAR" if name in wide else DECIMAL, duck)
        written = _TIMESTAMP.sub("TIMESTAMP WITH TIME ZONE", written)
        found.append(Column(name, duck, written))
    return found


def write_relation(con: duckdb.DuckDBPyConnection, relation: str, path: Path) -> None:
    """One relation into one file, beside ``path`` and renamed. 128-bit
    columns are first written as DECIMAL(38,0), in one pass; only where a
    value does not fit (the cast fails) are the columns checked and the
    file written again with those as VARCHAR."""

    def copy(cols: list[Column]) -> None:
        names = {c.name for c in cols}
        chained = {"block_number", "log_index"} <= names
        order = " ORDER BY block_number, log_index" if chained else ""
        items = ", ".join(c.select for c in cols)
        target = str(partial).replace("'", "''")
        con.execute(
            f"COPY (SELECT {items} FROM {quote(relation)}{order}) TO '{target}' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )

    partial = path.with_name(path.name + ".partial")
    try:
        copy(columns(con, relation, wide=set()))
    except duckdb.ConversionException:
        copy(columns(con, relation))
    os.replace(partial, path)


def export_parquet(con: duckdb.DuckDBPyConnection, directory: str | Path) -> list[Path]:
    """Write ``<relation>.parquet`` into ``directory`` (made if missing) for
    every relation of ``relations`` (event tables in chain order); each
    file is written beside its final name and renamed, so a reader never
    sees half a file. Returns the paths in the order written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    row = con.execute("SELECT current_setting('TimeZone')").fetchone()
    zone = str(row[0]) if row else "UTC"
    # TIMESTAMP -> TIMESTAMPTZ reads the naive time in the session's zone:
    # the index's times are UTC.
    con.execute("SET TimeZone = 'UTC'")
    written = []
    try:
        for relation in relations(con):
            path = directory / f"{relation}.parquet"
            write_relation(con, relation, path)
            written.append(path)
    finally:
        con.execute(f"SET TimeZone = '{zone.replace(chr(39), chr(39) * 2)}'")
    return written


__all__ = ["Column", "columns", "export_parquet", "relations", "too_wide", "write_relation"]
