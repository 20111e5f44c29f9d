"""CSV validation for `issue`: every bad row reported at once, with row
number, field and value; pure Python, no chain."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from credstack.errors import InputError
from credstack.inputs import address_problem
from credstack.issuance import read_rows, validate
from credstack.registry import ClassInfo
from tests.tooling.conftest import digest, wallet, write_csv

KLASS = ClassInfo(
    class_id=3,
    issuer="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    name="SQL Querying",
    uri="ipfs://x",
    transferable=False,
    revocable=True,
    validity=0,
    min_score=7_500,
    active=True,
)
GOOD = wallet(1)


def errors_of(tmp_path: Path, rows: list[list[str]], header: list[str] | None = None) -> list[str]:
    path = write_csv(tmp_path / "in.csv", rows, header)
    return [str(e) for e in read_rows(path, KLASS)[1]]


def test_valid_rows__parsed(tmp_path: Path) -> None:
    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "doc.txt").write_bytes(b"graded work")
    path = write_csv(
        tmp_path / "in.csv",
        [[GOOD, "91.5", "ev/doc.txt", "A-1"], [wallet(2), "75", digest("x"), "A-2"]],
    )
    rows, errors = read_rows(path, KLASS)
    assert errors == []
    assert [(r.row, r.wallet, r.score, r.external_id) for r in rows] == [
        (2, GOOD, 9_150, "A-1"),
        (3, wallet(2), 7_500, "A-2"),
    ]
    assert rows[0].digest == hashlib.sha256(b"graded work").digest()
    assert rows[1].digest == bytes.fromhex(digest("x")[2:])


def test_columns_in_any_order__accepted(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "in.csv",
        [["A-1", digest("x"), "80", GOOD]],
        header=["external_id", "evidence", "score", "wallet"],
    )
    rows, errors = read_rows(path, KLASS)
    assert errors == [] and rows[0].wallet == GOOD and rows[0].score == 8_000


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "missing"),
        ("0x123", "not an address (0x and 40 hex digits)"),
        ("0x0000000000000000000000000000000000000000", "zero address"),
        (GOOD.lower(),
         "no EIP-55 checksum (all one case): copy the address as the wallet shows it"),
        (GOOD[:-1] + GOOD[-1].swapcase() if GOOD[-1].isalpha() else "0x" + GOOD[2:].swapcase(),
         "bad EIP-55 checksum (a mistyped character?)"),
    ],
    ids=["missing", "not-address", "zero", "lowercase", "bad-checksum"],
)  # fmt: skip
def test_wallet__bad__reported(tmp_path: Path, value: str, reason: str) -> None:
    assert errors_of(tmp_path, [[value, "80", digest("x"), "A-1"]]) == [
        f"row 2: wallet = {value!r}: {reason}"
    ]


def test_wallet__duplicate__names_first_row(tmp_path: Path) -> None:
    rows = [[GOOD, "80", digest("a"), "A-1"], [GOOD, "90", digest("b"), "A-2"]]
    assert errors_of(tmp_path, rows) == [f"row 3: wallet = {GOOD!r}: duplicate of row 2"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("101", "out of range: a number from 0 to 100 with at most two decimals"),
        ("-5", "out of range: a number from 0 to 100 with at most two decimals"),
        ("80.125", "out of range: a number from 0 to 100 with at most two decimals"),
        ("high", "out of range: a number from 0 to 100 with at most two decimals"),
        ("74.99", "below the class minimum of 75"),
        ("0", "below the class minimum of 75"),
    ],
)
def test_score__bad__reported(tmp_path: Path, value: str, reason: str) -> None:
    assert errors_of(tmp_path, [[GOOD, value, digest("x"), "A-1"]]) == [
        f"row 2: score = {value!r}: {reason}"
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "missing: a file path or 0x + 64 hex digits"),
        ("0xabc", "not a SHA-256 hash (0x + 64 hex digits)"),
        ("missing.pdf", "unreadable evidence file (No such file or directory)"),
        (".", "unreadable evidence file (Is a directory)"),
    ],
)
def test_evidence__bad__reported(tmp_path: Path, value: str, reason: str) -> None:
    assert errors_of(tmp_path, [[GOOD, "80", value, "A-1"]]) == [
        f"row 2: evidence = {value!r}: {reason}"
    ]


def test_external_id__missing_or_duplicate__reported(tmp_path: Path) -> None:
    rows = [
        [GOOD, "80", digest("a"), ""],
        [wallet(2), "80", digest("b"), "A-7"],
        [wallet(3), "80", digest("c"), "A-7"],
    ]
    assert errors_of(tmp_path, rows) == [
        "row 2: external_id = '': missing",
        "row 4: external_id = 'A-7': duplicate of row 3",
    ]


def test_header__wrong__one_error(tmp_path: Path) -> None:
    assert errors_of(tmp_path, [[GOOD, "80"]], header=["address", "grade"]) == [
        "row 1: header = 'address,grade': expected the columns wallet,score,evidence,external_id"
    ]


def test_row__wrong_field_count__reported(tmp_path: Path) -> None:
    assert errors_of(tmp_path, [[GOOD, "80", digest("a")]]) == [
        f"row 2: columns = '{GOOD},80,{digest('a')}': expected 4 fields, found 3"
    ]


def test_malformed_csv__reported(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(f'wallet,score,evidence,external_id\n{GOOD},80,"{digest("a")}"x,A-1\n')
    assert [str(e) for e in read_rows(path, KLASS)[1]] == [
        "row 2: csv = 'in.csv': malformed CSV (',' expected after '\"')"
    ]


def test_empty_and_header_only__reported(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    assert [str(e) for e in read_rows(tmp_path / "empty.csv", KLASS)[1]] == [
        "row 1: header = '': empty file"
    ]
    assert errors_of(tmp_path, []) == ["row 2: rows = '': no data rows after the header"]


def test_not_utf8__reported(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"wallet,score,evidence,external_id\n\xff\xfe,80,x,y\n")
    assert [str(e) for e in read_rows(path, KLASS)[1]] == [
        "row 2: csv = 'in.csv': not UTF-8 text: save the file as UTF-8"
    ]


def test_every_error_at_once__in_row_order(tmp_path: Path) -> None:
    rows = [
        [GOOD, "80", digest("a"), "A-1"],
        [GOOD.lower(), "80", digest("b"), "A-2"],
        [wallet(3), "50", "nope.pdf", "A-3"],
        [wallet(4), "88", digest("d"), "A-4"],
    ]
    path = write_csv(tmp_path / "in.csv", rows)
    with pytest.raises(InputError) as info:
        validate(path, KLASS, skip_invalid=False)
    message = str(info.value).splitlines()
    assert message[0] == f"{path}: 3 errors; nothing was sent"
    assert [line.split(":")[0].strip() for line in message[1:]] == ["row 3", "row 4", "row 4"]


def test_skip_invalid__returns_good_rows_and_errors(tmp_path: Path) -> None:
    rows = [[GOOD, "80", digest("a"), "A-1"], [wallet(2), "10", digest("b"), "A-2"]]
    good, skipped = validate(write_csv(tmp_path / "in.csv", rows), KLASS, skip_invalid=True)
    assert [r.wallet for r in good] == [GOOD]
    assert [str(e) for e in skipped] == ["row 3: score = '10': below the class minimum of 75"]


def test_skip_invalid__bad_header_still_fails(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [[GOOD]], header=["wallet"])
    with pytest.raises(InputError):
        validate(path, KLASS, skip_invalid=True)


@pytest.mark.parametrize(
    "address",
    [
        GOOD,
        # Checksums that happen to be all upper case, and all digits.
        "0xF3C7300C0F2483119379595E69446DDBBCA85564",
        "0x1234567890123456789012345678901234567890",
    ],
)
def test_wallet_problem__checksummed__none(address: str) -> None:
    assert address_problem(address) is None


def test_checksummed__agrees_with_eth_utils() -> None:
    from eth_utils import keccak, to_checksum_address

    from credstack.inputs import checksummed

    for i in range(500):
        address = to_checksum_address(keccak(text=f"addr-{i}")[:20])
        assert "0x" + checksummed(address[2:].lower()) == address
