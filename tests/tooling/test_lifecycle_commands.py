"""`ape run revoke|suspend|reinstate|renew`: by token and by CSV, checked on
chain before anything is sent; a re-run skips what is done."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from credstack.cli.lifecycle import make_command
from credstack.registry import Registry, Status
from tests.tooling.conftest import wallet, write_csv

REVOKE, SUSPEND, REINSTATE, RENEW = (
    make_command(a) for a in ("revoke", "suspend", "reinstate", "renew")
)
NORTHWIND, LUMEN = "TEST::1", "TEST::2"
# Lumen applies the catalog first (see conftest): its classes are 1 to 3.
PASS_ID = 3


@pytest.fixture
def tokens(deployed: dict[str, Any], deployed_registry: Any, accounts: Any) -> dict[str, list[int]]:
    """Tokens 1-3: SQL Querying (Northwind, revocable, two years); tokens
    4-5: mentor passes (Lumen, not revocable, 90 days)."""
    sql = deployed["classes"]["sql-querying"].class_id
    passes = deployed["classes"]["mentor-session-pass"].class_id
    deployed_registry.issue_batch(
        sql, [wallet(i) for i in range(3)], [8_000] * 3, [b"\x01" * 32] * 3, sender=accounts[1]
    )
    deployed_registry.issue_batch(
        passes, [wallet(i) for i in (3, 4)], [0] * 2, [b"\x02" * 32] * 2, sender=accounts[2]
    )
    return {"sql": [1, 2, 3], "pass": [4, 5]}


def status(contract: Any, token_id: int) -> Status:
    return Status(int(contract.status_of(token_id)))


def test_revoke__token__revoked_with_reason(
    invoke: Any, deployed_registry: Any, tokens: Any
) -> None:
    result = invoke(
        REVOKE, "--token", "2", "--reason", "plagiarism", "--account", NORTHWIND, "--yes"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "revoke: 1 sent, 0 already done"
    assert status(deployed_registry, 2) == Status.REVOKED
    assert Registry(deployed_registry).revocation_reason(2) == "plagiarism"


def test_revoke__rerun__already_revoked_skipped(
    invoke: Any, deployed_registry: Any, tokens: Any, accounts: Any
) -> None:
    args = ("--token", "2", "--reason", "plagiarism", "--account", NORTHWIND, "--yes")
    assert invoke(REVOKE, *args).exit_code == 0
    nonce = accounts[1].nonce
    result = invoke(REVOKE, *args)
    assert result.exit_code == 0
    assert result.output.splitlines() == ["token 2: already revoked; skipped", "0 to send"]
    assert accounts[1].nonce == nonce


def test_revoke__csv__every_row(
    invoke: Any, deployed_registry: Any, tokens: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [[1, "fraud"], [3, "in error"]], ["token_id", "reason"])
    result = invoke(REVOKE, "--csv", path, "--account", NORTHWIND, "--yes")
    assert result.exit_code == 0, result.output
    assert [status(deployed_registry, t) for t in (1, 2, 3)] == [
        Status.REVOKED,
        Status.ACTIVE,
        Status.REVOKED,
    ]


def test_revoke__csv_bad_rows__all_reported_nothing_sent(
    invoke: Any, deployed_registry: Any, tokens: Any, accounts: Any, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [[1, "fraud"], [99, "fraud"], [4, "fraud"], ["x", "fraud"], [2, ""], [1, "again"]],
        ["token_id", "reason"],
    )
    nonce = accounts[1].nonce
    result = invoke(REVOKE, "--csv", path, "--account", NORTHWIND, "--yes")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {path}: 5 errors; nothing was sent",
        "  row 3: token_id = '99': no such token",
        "  row 4: token_id = '4': 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 may not manage "
        f"class {PASS_ID} (Mentor Session Pass)",
        "  row 5: token_id = 'x': a token id (a positive whole number)",
        "  row 6: reason = '': missing: a revocation needs a reason",
        "  row 7: token_id = '1': duplicate of row 2",
    ]
    assert accounts[1].nonce == nonce
    assert status(deployed_registry, 1) == Status.ACTIVE


def test_revoke__burned_token__revoked_with_reason(
    invoke: Any, deployed: dict[str, Any], deployed_registry: Any, tokens: Any, accounts: Any
) -> None:
    """A holder who burns a credential does not escape its revocation; the
    other lifecycle commands still refuse a burned token."""
    sql = deployed["classes"]["sql-querying"].class_id
    deployed_registry.issue(sql, accounts[6], 8_000, b"\x03" * 32, sender=accounts[1])
    deployed_registry.burn(6, sender=accounts[6])
    result = invoke(SUSPEND, "--token", "6", "--account", NORTHWIND, "--yes")
    assert result.output.splitlines() == ["error: token 6: burned by its holder"]
    result = invoke(
        REVOKE, "--token", "6", "--reason", "plagiarism", "--account", NORTHWIND, "--yes"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "revoke: 1 sent, 0 already done"
    assert status(deployed_registry, 6) == Status.REVOKED
    assert Registry(deployed_registry).revocation_reason(6) == "plagiarism"


def test_revoke__not_revocable_class__refused(invoke: Any, tokens: Any, accounts: Any) -> None:
    result = invoke(REVOKE, "--token", "4", "--reason", "x", "--account", LUMEN, "--yes")
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"error: token 4: class {PASS_ID} is not revocable"]


def test_revoke__missing_reason__one_line(invoke: Any, tokens: Any) -> None:
    result = invoke(REVOKE, "--token", "1", "--account", NORTHWIND, "--yes")
    assert result.output.splitlines() == [
        "error: --reason '': missing: a revocation needs a reason"
    ]
    assert result.exit_code == 1


def test_lifecycle__token_and_csv_together__refused(
    invoke: Any, tokens: Any, tmp_path: Path
) -> None:
    result = invoke(SUSPEND, "--account", NORTHWIND)
    assert result.output.splitlines() == ["error: give one of --token ID or --csv FILE"]
    assert result.exit_code == 1


def test_lifecycle__wrong_header__one_error(invoke: Any, tokens: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [[1]], ["token"])
    result = invoke(SUSPEND, "--csv", path, "--account", NORTHWIND, "--yes")
    assert result.output.splitlines() == [
        f"error: {path}: 1 error; nothing was sent",
        "  row 1: header = 'token': expected the columns token_id",
    ]


def test_suspend_then_reinstate__csv__and_reruns_skip(
    invoke: Any, deployed_registry: Any, tokens: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [[1], [2]], ["token_id"])
    assert invoke(SUSPEND, "--csv", path, "--account", NORTHWIND, "--yes").exit_code == 0
    assert [status(deployed_registry, t) for t in (1, 2)] == [Status.SUSPENDED] * 2
    again = invoke(SUSPEND, "--csv", path, "--account", NORTHWIND, "--yes")
    assert "token 1: already suspended; skipped" in again.output
    assert invoke(REINSTATE, "--csv", path, "--account", NORTHWIND, "--yes").exit_code == 0
    assert [status(deployed_registry, t) for t in (1, 2)] == [Status.ACTIVE] * 2
    again = invoke(REINSTATE, "--token", "1", "--account", NORTHWIND, "--yes")
    assert again.output.splitlines()[0] == "token 1: not suspended; skipped"


def test_suspend__revoked_token__refused(
    invoke: Any, deployed_registry: Any, tokens: Any, accounts: Any
) -> None:
    deployed_registry.revoke(3, "fraud", sender=accounts[1])
    result = invoke(SUSPEND, "--token", "3", "--account", NORTHWIND, "--yes")
    assert result.exit_code == 1
    assert result.output.splitlines() == ["error: token 3: revoked"]


def test_renew__until__sets_expiry(invoke: Any, deployed_registry: Any, tokens: Any) -> None:
    result = invoke(RENEW, "--token", "4", "--until", "2031-06-30", "--account", LUMEN, "--yes")
    assert result.exit_code == 0, result.output
    expected = int(datetime(2031, 6, 30, tzinfo=UTC).timestamp())
    assert deployed_registry.credential(4).expires_at == expected
    again = invoke(RENEW, "--token", "4", "--until", "2031-06-30", "--account", LUMEN, "--yes")
    assert again.output.splitlines()[0] == "token 4: already expires 2031-06-30 00:00 UTC; skipped"


def test_renew__expired_pass__default_is_class_validity_from_today(
    invoke: Any, deployed_registry: Any, tokens: Any, chain: Any, tmp_path: Path
) -> None:
    chain.pending_timestamp += 100 * 86_400
    chain.mine()
    assert status(deployed_registry, 5) == Status.EXPIRED
    path = write_csv(tmp_path / "n.csv", [[5, ""]], ["token_id", "until"])
    result = invoke(RENEW, "--csv", path, "--account", LUMEN, "--yes")
    assert result.exit_code == 0, result.output
    now = int(chain.pending_timestamp)
    assert deployed_registry.credential(5).expires_at == now - now % 86_400 + 90 * 86_400
    assert status(deployed_registry, 5) == Status.ACTIVE


def test_renew__past_date_and_bad_date__reported(invoke: Any, tokens: Any, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "n.csv", [[4, "2020-01-01"], [5, "31/12/2030"]], ["token_id", "until"]
    )
    result = invoke(RENEW, "--csv", path, "--account", LUMEN, "--yes")
    assert result.output.splitlines() == [
        f"error: {path}: 2 errors; nothing was sent",
        "  row 2: token_id = '4': 2020-01-01 00:00 UTC is not in the future",
        "  row 3: until = '31/12/2030': a date as YYYY-MM-DD",
    ]
