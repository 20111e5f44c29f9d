"""The one table reader (credstack.inputs.read_table) behind every command
that reads a CSV, and what each of those commands does with a file that is
not UTF-8: one line on stderr, exit code 1, nothing sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from credstack.cli import issue as issue_cli
from credstack.cli.lifecycle import make_command
from credstack.errors import RowError
from credstack.inputs import Record, read_table
from tests.tooling.conftest import wallet

COLUMNS = ("token_id", "reason")


def table(path: Path, columns: tuple[str, ...] = COLUMNS) -> list[str]:
    return [
        str(item) if isinstance(item, RowError) else f"{item.row}: {item.cells}"
        for item in read_table(path, columns)
    ]


def test_read_table__bom_spaces_any_order_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(
        b'\xef\xbb\xbf reason , token_id\r\nfraud, 7 \r\n\r\n,,\r\n"two\nlines",8\r\n9\n'
    )
    assert table(path) == [
        "2: {'token_id': '7', 'reason': 'fraud'}",
        # rows 3 and 4 are blank; the quoted cell spans two lines but is row 5
        "5: {'token_id': '8', 'reason': 'two\\nlines'}",
        "row 6: columns = '9': expected 2 fields, found 1",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", ["row 1: header = '': empty file"]),
        (b"token_id\n1\n", ["row 1: header = 'token_id': expected the columns token_id,reason"]),
        (b"token_id,reason\n", ["row 2: rows = '': no data rows after the header"]),
        (b"token_id,reason\n\n \n", ["row 2: rows = '': no data rows after the header"]),
        (
            b'token_id,reason\n1,a\n2,"b"c\n3,d\n',
            [
                "2: {'token_id': '1', 'reason': 'a'}",
                "row 3: csv = 't.csv': malformed CSV (',' expected after '\"')",
            ],
        ),
        (
            "token_id,reason\n1,a\n2,r\u00e9sum\u00e9\n3,c\n".encode("latin-1"),
            [
                "2: {'token_id': '1', 'reason': 'a'}",
                "row 3: csv = 't.csv': not UTF-8 text: save the file as UTF-8",
            ],
        ),
    ],
)
def test_read_table__whole_file_problems(
    tmp_path: Path, content: bytes, expected: list[str]
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert table(path) == expected


def test_read_table__missing_file(tmp_path: Path) -> None:
    [error] = read_table(tmp_path / "nope.csv", COLUMNS)
    assert isinstance(error, RowError) and error.field == "file"
    assert "cannot read (No such file or directory)" in str(error)


def test_read_table__streams(tmp_path: Path) -> None:
    """Rows come one at a time: the first is there before the file is read."""
    path = tmp_path / "t.csv"
    path.write_text("token_id,reason\n" + "".join(f"{i},r\n" for i in range(1, 1001)))
    rows = read_table(path, COLUMNS)
    first = next(rows)
    assert isinstance(first, Record) and first.row == 2
    assert sum(1 for _ in rows) == 999


# Every command that reads a CSV, with a Latin-1 file

LATIN1 = "Ren\u00e9e Lef\u00e8vre".encode("latin-1")


def latin1_csv(path: Path, header: str, row: bytes) -> Path:
    path.write_bytes(header.encode() + b"\n" + row + b"\n")
    return path


@pytest.mark.parametrize(
    ("command", "header", "row", "args"),
    [
        (
            issue_cli.cli,
            "wallet,score,evidence,external_id",
            f"{wallet(1)},80,0x{'ab' * 32},".encode() + LATIN1,
            ("--class", "sql-querying", "--account", "TEST::1"),
        ),
        (make_command("revoke"), "token_id,reason", b"1," + LATIN1, ("--account", "TEST::1")),
        (make_command("suspend"), "token_id", LATIN1, ("--account", "TEST::1")),
        (make_command("reinstate"), "token_id", LATIN1, ("--account", "TEST::1")),
        (make_command("renew"), "token_id,until", b"1," + LATIN1, ("--account", "TEST::1")),
    ],
    ids=["issue", "revoke", "suspend", "reinstate", "renew"],
)
def test_latin1_csv__one_line_exit_1(
    invoke: Any,
    deployed: dict[str, Any],
    accounts: Any,
    tmp_path: Path,
    command: Any,
    header: str,
    row: bytes,
    args: tuple[str, ...],
) -> None:
    path = latin1_csv(tmp_path / "latin1.csv", header, row)
    nonce = accounts[1].nonce
    result = invoke(command, "--csv", path, *args, "--yes")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {path}: 1 error; nothing was sent",
        "  row 2: csv = 'latin1.csv': not UTF-8 text: save the file as UTF-8",
    ]
    assert accounts[1].nonce == nonce
