"""`ape run issue`: plan, dry run, batches, receipts, re-runs, and every bad
input refused with one clear message before anything is sent."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from credstack.cli import issue as issue_cli
from credstack.evidence import salted_hash
from credstack.registry import Registry
from tests.tooling.conftest import learner_rows, wallet, write_csv

NORTHWIND = "TEST::1"
SLUG = "sql-querying"


@pytest.fixture
def class_id(deployed: dict[str, Any]) -> int:
    return int(deployed["classes"][SLUG].class_id)


@pytest.fixture
def run_issue(invoke: Any) -> Any:
    def run(csv_path: Path, *extra: str, slug: str = SLUG, account: str = NORTHWIND) -> Any:
        return invoke(
            issue_cli.cli, "--class", slug, "--csv", csv_path, "--account", account, *extra
        )

    return run


def issued_to(contract: Any, class_id: int) -> list[tuple[int, str, bytes]]:
    """(token id, holder, evidence hash) of every issue in the class, in order."""
    events = list(Registry(contract).issued_events(class_id))
    return [(e.token_id, e.holder, e.evidence_hash) for e in events]


def read_receipts(out: Path) -> list[dict[str, str]]:
    [path] = (out / "issuance").rglob(f"{SLUG}-*.receipts.csv")
    with path.open() as f:
        return list(csv.DictReader(f))


def test_issue__csv__every_row_issued_once_with_receipts(
    run_issue: Any, deployed_registry: Any, class_id: int, tmp_path: Path, tooling_env: Path
) -> None:
    rows = learner_rows(0, 10)
    result = run_issue(write_csv(tmp_path / "cohort.csv", rows), "--yes")
    assert result.exit_code == 0, result.output
    assert "to issue now:            10" in result.output
    assert "issuing" in result.output and "10/10" in result.output
    assert "issued 10 credential(s) in 1 transaction(s)" in result.output
    onchain = issued_to(deployed_registry, class_id)
    assert [holder for _, holder, _ in onchain] == [r[0] for r in rows]
    receipts = read_receipts(tooling_env)
    assert [r["wallet"] for r in receipts] == [r[0] for r in rows]
    assert [r["external_id"] for r in receipts] == [r[3] for r in rows]
    for receipt, (token_id, _, evidence_hash), row in zip(receipts, onchain, rows, strict=True):
        assert int(receipt["token_id"]) == token_id
        assert receipt["document_sha256"] == row[2]
        salt = bytes.fromhex(receipt["salt"][2:])
        assert salted_hash(salt, bytes.fromhex(row[2][2:])) == evidence_hash
        assert deployed_registry.credential(token_id).score == 8_000
    salts = {r["salt"] for r in receipts}
    assert len(salts) == 10  # a fresh salt per credential
    [json_path] = (tooling_env / "issuance").rglob("*.receipts.json")
    assert json.loads(json_path.read_text())[0]["salt"] == receipts[0]["salt"]


def test_issue__rerun__skips_issued_sends_nothing(
    run_issue: Any, deployed_registry: Any, accounts: Any, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "cohort.csv", learner_rows(0, 5))
    assert run_issue(path, "--yes").exit_code == 0
    nonce = accounts[1].nonce
    result = run_issue(path, "--yes")
    assert result.exit_code == 0, result.output
    assert "already issued on chain: 5 (skipped)" in result.output
    assert "to issue now:            0" in result.output
    assert accounts[1].nonce == nonce


def test_issue__extended_csv__only_new_rows_issued(
    run_issue: Any, deployed_registry: Any, class_id: int, tmp_path: Path
) -> None:
    assert run_issue(write_csv(tmp_path / "a.csv", learner_rows(0, 4)), "--yes").exit_code == 0
    result = run_issue(write_csv(tmp_path / "a.csv", learner_rows(0, 7)), "--yes")
    assert "already issued on chain: 4 (skipped)" in result.output
    holders = [h for _, h, _ in issued_to(deployed_registry, class_id)]
    assert holders == [wallet(i) for i in range(7)]


def test_issue__chain_is_the_truth__no_local_files_still_skips(
    run_issue: Any, deployed_registry: Any, class_id: int, tmp_path: Path, tooling_env: Path
) -> None:
    import shutil

    path = write_csv(tmp_path / "a.csv", learner_rows(0, 3))
    assert run_issue(path, "--yes").exit_code == 0
    shutil.rmtree(tooling_env)  # journal and receipts lost
    result = run_issue(path, "--yes")
    assert "already issued on chain: 3 (skipped)" in result.output
    assert len(issued_to(deployed_registry, class_id)) == 3
    assert [r["salt"] for r in read_receipts(tooling_env)] == ["", "", ""]


def test_issue__dry_run__plans_and_sends_nothing(
    run_issue: Any, deployed_registry: Any, accounts: Any, tmp_path: Path, tooling_env: Path
) -> None:
    nonce, issued = accounts[1].nonce, deployed_registry.total_issued()
    result = run_issue(write_csv(tmp_path / "a.csv", learner_rows(0, 6)), "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("  batches:                 1 of up to ") for line in lines)
    assert any(line.startswith("  gas estimate:") for line in lines)
    assert any(line.startswith("  cost at ") and line.endswith(" ETH") for line in lines)
    assert lines[-1] == "dry run: nothing sent"
    assert (accounts[1].nonce, deployed_registry.total_issued()) == (nonce, issued)
    assert not tooling_env.exists()  # no journal, no receipts: nothing written either


def test_issue__batch_size__splits_transactions(
    run_issue: Any, deployed_registry: Any, class_id: int, tmp_path: Path
) -> None:
    result = run_issue(
        write_csv(tmp_path / "a.csv", learner_rows(0, 10)), "--batch-size", "4", "--yes"
    )
    assert "batches:                 3 of up to 4" in result.output
    assert "issued 10 credential(s) in 3 transaction(s)" in result.output
    assert [t for t, _, _ in issued_to(deployed_registry, class_id)] == list(range(1, 11))


def test_issue__batches_sized_under_the_gas_cap(
    deployed: Any, deployed_registry: Any, class_id: int, accounts: Any, tmp_path: Path
) -> None:
    """400 rows: the plan's batch size keeps each transaction under 2**24 gas."""
    from credstack.context import Context
    from credstack.issuance import Issuance, validate

    ctx = Context.connect()
    klass = ctx.klass(SLUG)
    rows, _ = validate(write_csv(tmp_path / "big.csv", learner_rows(0, 400)), klass, False)
    plan = Issuance(ctx.registry, klass, SLUG, accounts[1], ctx.journal(klass)).plan(rows)
    assert 250 < plan.batch_size < 330
    assert len(plan.batches) == 2
    worst = plan.gas_fixed + plan.gas_per_credential * plan.batch_size
    assert worst <= 16_777_216 * 0.95


def test_issue__skip_invalid__issues_good_rows_reports_rest(
    run_issue: Any, deployed_registry: Any, class_id: int, tmp_path: Path
) -> None:
    rows = learner_rows(0, 3)
    rows[1][1] = "50"
    result = run_issue(write_csv(tmp_path / "a.csv", rows), "--skip-invalid", "--yes")
    assert result.exit_code == 0, result.output
    assert "skipped row 3: score = '50': below the class minimum of 75" in result.output
    assert [h for _, h, _ in issued_to(deployed_registry, class_id)] == [rows[0][0], rows[2][0]]


def test_issue__bad_rows__all_reported_nothing_sent(
    run_issue: Any, deployed_registry: Any, accounts: Any, tmp_path: Path
) -> None:
    rows = learner_rows(0, 4)
    rows[0][0] = rows[0][0].lower()
    rows[2][1] = "101"
    rows[3][0] = rows[1][0]
    path = write_csv(tmp_path / "a.csv", rows)
    nonce, issued = accounts[1].nonce, deployed_registry.total_issued()
    result = run_issue(path, "--yes")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {path}: 3 errors; nothing was sent",
        f"  row 2: wallet = {rows[0][0]!r}: no EIP-55 checksum (all one case): "
        "copy the address as the wallet shows it",
        "  row 4: score = '101': out of range: a number from 0 to 100 with at most two decimals",
        f"  row 5: wallet = {rows[1][0]!r}: duplicate of row 3",
    ]
    assert (accounts[1].nonce, deployed_registry.total_issued()) == (nonce, issued)


def one_line_error(result: Any) -> str:
    assert result.exit_code == 1, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: ")
    return str(line)


def test_issue__unknown_slug__one_line(run_issue: Any, tmp_path: Path) -> None:
    result = run_issue(write_csv(tmp_path / "a.csv", learner_rows(0, 1)), slug="sql")
    assert one_line_error(result) == (
        "error: unknown class slug 'sql' (known: analytics-communication, applied-statistics, "
        "data-visualization, junior-data-analyst, mentor-session-pass, python-data-wrangling, "
        "spreadsheet-analysis, sql-querying)"
    )


def test_issue__no_deployment_on_chain__one_line(
    run_issue: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ape import chain

    monkeypatch.setenv("CREDSTACK_DEPLOYMENTS_DIR", str(tmp_path / "none"))
    result = run_issue(write_csv(tmp_path / "a.csv", learner_rows(0, 1)))
    assert one_line_error(result) == (
        f"error: no credstack deployment for chain {chain.chain_id} "
        f"({tmp_path / 'none' / f'{chain.chain_id}.json'} missing): "
        "run `ape run deploy` on this network first"
    )


def test_issue__missing_rpc_variable__one_line(
    invoke: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDSTACK_BASE_SEPOLIA_RPC", raising=False)
    path = write_csv(tmp_path / "a.csv", learner_rows(0, 1))
    result = invoke(
        issue_cli.cli, "--class", SLUG, "--csv", path, "--account", NORTHWIND,
        "--network", "base:sepolia:node",
    )  # fmt: skip
    assert one_line_error(result) == (
        "error: missing variable CREDSTACK_BASE_SEPOLIA_RPC (RPC URL for base:sepolia): "
        "set it in .env, see .env.example"
    )


def test_issue__missing_account_variable__one_line(invoke: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", learner_rows(0, 1))
    result = invoke(issue_cli.cli, "--class", SLUG, "--csv", path)
    assert one_line_error(result) == (
        "error: missing variable CREDSTACK_ACCOUNT (the account alias to sign with; "
        "or pass --account): set it in .env, see .env.example"
    )


def test_issue__account_from_environment(
    invoke: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDSTACK_ACCOUNT", NORTHWIND)
    path = write_csv(tmp_path / "a.csv", learner_rows(0, 1))
    result = invoke(issue_cli.cli, "--class", SLUG, "--csv", path, "--yes")
    assert result.exit_code == 0, result.output


def test_issue__not_the_issuer__one_line_nothing_sent(
    run_issue: Any, accounts: Any, tmp_path: Path
) -> None:
    nonce = accounts[2].nonce
    result = run_issue(write_csv(tmp_path / "a.csv", learner_rows(0, 1)), account="TEST::2")
    assert one_line_error(result) == (
        "error: account 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC may not issue class "
        "'sql-querying': not its issuer (0x70997970C51812dc3A010C7d01b50e0d17dc79C8) or a "
        "delegate of it, or the issuer's role was removed"
    )
    assert accounts[2].nonce == nonce


def test_issue__delegate__may_issue(
    run_issue: Any, deployed_registry: Any, accounts: Any, class_id: int, tmp_path: Path
) -> None:
    deployed_registry.set_delegate(accounts[5], True, sender=accounts[1])
    result = run_issue(
        write_csv(tmp_path / "a.csv", learner_rows(0, 2)), "--yes", account="TEST::5"
    )
    assert result.exit_code == 0, result.output
    assert len(issued_to(deployed_registry, class_id)) == 2


def test_issue__inactive_class__one_line(
    run_issue: Any, deployed_registry: Any, accounts: Any, class_id: int, tmp_path: Path
) -> None:
    deployed_registry.set_class_active(class_id, False, sender=accounts[1])
    result = run_issue(write_csv(tmp_path / "a.csv", learner_rows(0, 1)))
    assert one_line_error(result) == f"error: class 'sql-querying' ({class_id}) is inactive"


def test_issue__paused__one_line(
    run_issue: Any, deployed_registry: Any, accounts: Any, tmp_path: Path
) -> None:
    deployed_registry.pause(sender=accounts[6])  # the guardian
    result = run_issue(write_csv(tmp_path / "a.csv", learner_rows(0, 1)))
    assert one_line_error(result) == (
        "error: the registry is paused: nothing can be issued until unpaused"
    )


def test_issue__declined_confirmation__nothing_sent(
    invoke: Any, deployed_registry: Any, accounts: Any, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    path = write_csv(tmp_path / "a.csv", learner_rows(0, 2))
    nonce = accounts[1].nonce
    result = CliRunner().invoke(
        issue_cli.cli,
        ["--class", SLUG, "--csv", str(path), "--account", NORTHWIND],
        input="n\n",
    )
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "error: stopped at the confirmation; nothing was sent"
    )
    assert accounts[1].nonce == nonce
