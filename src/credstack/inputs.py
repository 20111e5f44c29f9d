"""What users type or hand over, checked before anything reaches the chain:
addresses (one rule and one set of messages everywhere), and tables read
from CSV files (see ``read_table``)."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from Crypto.Hash import keccak as keccak_256

from credstack.errors import RowError

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HIGH = frozenset("89abcdef")


def checksummed(body: str) -> str:
    """EIP-55 of 40 hex digits: a letter is upper case where the keccak of
    the lower-case address has a nibble of 8 or more. Written out because
    eth_utils spends most of a 100,000-row validation here."""
    lower = body.lower()
    nibbles = keccak_256.new(digest_bits=256, data=lower.encode()).digest().hex()
    return "".join(c.upper() if n in _HIGH else c for c, n in zip(lower, nibbles[:40], strict=True))


def address_problem(text: str) -> str | None:
    """Why ``text`` is not an address to act on, or None. An address must
    carry its EIP-55 checksum: an all-lower-case one has no protection
    against a typo, so it is refused."""
    if not text:
        return "missing"
    if not _ADDRESS.match(text):
        return "not an address (0x and 40 hex digits)"
    if text.lower() == ZERO_ADDRESS:
        return "zero address"
    body = text[2:]
    if checksummed(body) == body:
        return None  # some checksummed addresses are all one case
    if body == body.lower() or body == body.upper():
        return "no EIP-55 checksum (all one case): copy the address as the wallet shows it"
    return "bad EIP-55 checksum (a mistyped character?)"


# Tables


@dataclass(frozen=True)
class Record:
    """One data row of a table: its number as a spreadsheet shows it (the
    header is row 1) and its cells by column name, stripped."""

    row: int
    cells: dict[str, str]


# RowError fields that mean the file as a whole cannot be read: nothing of
# it is used, whatever --skip-invalid says.
FATAL_FIELDS = frozenset({"file", "header", "csv"})


def read_table(path: Path, columns: Sequence[str]) -> Iterator[Record | RowError]:
    """The data rows of a CSV file with exactly ``columns`` (any order), one
    at a time, and a RowError wherever something is wrong: the file cannot
    be opened, the header is missing or has other columns, a row has the
    wrong number of fields, the CSV is malformed, or the text is not UTF-8
    (after each of these last two, reading stops). A UTF-8 byte-order mark
    is allowed; blank rows are skipped (they keep their row numbers); rows
    are numbered as a spreadsheet numbers them, whatever line breaks sit
    inside quoted cells."""
    try:
        f = path.open("rb")
    except OSError as err:
        yield RowError(0, "file", str(path), f"cannot read ({err.strerror or err})")
        return
    with f:
        # Decoded line by line (not in blocks), so a bad byte is reported
        # at its own row, after every good row before it.
        reader = csv.reader(_text_lines(f), strict=True)
        row = 1
        try:
            header = next(reader, None)
            if header is None:
                yield RowError(1, "header", "", "empty file")
                return
            names = [h.strip() for h in header]
            if sorted(names) != sorted(columns):
                expected = ",".join(columns)
                yield RowError(1, "header", ",".join(header), f"expected the columns {expected}")
                return
            index = {name: names.index(name) for name in columns}
            data = False
            for values in reader:
                row += 1
                if not any(v.strip() for v in values):
                    continue
                data = True
                if len(values) != len(columns):
                    yield RowError(
                        row,
                        "columns",
                        ",".join(values),
                        f"expected {len(columns)} fields, found {len(values)}",
                    )
                    continue
                yield Record(row, {name: values[i].strip() for name, i in index.items()})
        except csv.Error as err:
            yield RowError(row + 1, "csv", path.name, f"malformed CSV ({err})")
            return
        except UnicodeDecodeError:
            yield RowError(row + 1, "csv", path.name, "not UTF-8 text: save the file as UTF-8")
            return
    if not data:
        yield RowError(2, "rows", "", "no data rows after the header")


def _text_lines(f: BinaryIO) -> Iterator[str]:
    """The lines of a binary file as UTF-8 text, a leading byte-order mark
    dropped; UnicodeDecodeError at the first line that is not UTF-8."""
    first = True
    for raw in f:
        if first:
            raw, first = raw.removeprefix(codecs.BOM_UTF8), False
        yield raw.decode("utf-8")
