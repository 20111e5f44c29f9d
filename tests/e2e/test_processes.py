"""Separate processes on one anvil chain: deploy, catalog apply, issue,
verify; and the state each leaves is what the next one reads."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.e2e.conftest import CATALOG, ROOT, Cli

LEARNERS = ROOT / "examples" / "learners.csv"


def test_deploy_catalog_issue_verify__as_separate_processes(deployed: Cli) -> None:
    again = deployed.run("deploy", "--account", "TEST::0", "--catalog", CATALOG)  # no --yes
    assert "already deployed; nothing sent" in again.stdout

    shown = deployed.run("catalog", "show")
    assert shown.stdout.count("in sync") == 10  # eight classes, the pathway and the tier

    issued = deployed.run(
        "issue", "--class", "sql-querying", "--csv", LEARNERS, "--account", "TEST::1", "--yes"
    )
    assert "issued 12 credential(s) in 1 transaction(s)" in issued.stdout

    rerun = deployed.run(
        "issue", "--class", "sql-querying", "--csv", LEARNERS, "--account", "TEST::1", "--yes"
    )
    assert "already issued on chain: 12 (skipped)" in rerun.stdout

    [receipts] = (deployed.out / "issuance").rglob("sql-querying-learners.receipts.csv")
    with receipts.open() as f:
        first = next(csv.DictReader(f))
    verified = deployed.run(
        "verify", "--token", first["token_id"], "--json",
        "--evidence", ROOT / "examples" / "evidence" / "sql-exam-0001.txt",
        "--salt", first["salt"],
    )  # fmt: skip
    record = json.loads(verified.stdout)
    assert record["valid"] is True
    assert record["holder"] == first["wallet"]
    assert record["evidence_matches"] is True

    progress = json.loads(
        deployed.run(
            "pathway", "progress", "--holder", first["wallet"], "--pathway",
            "junior-data-analyst", "--json",
        ).stdout
    )  # fmt: skip
    assert (progress["parts_held"], progress["parts_required"]) == (1, 4)
    assert [t["reason"] for t in progress["tokens"]] == ["counts"]

    revoked = deployed.run(
        "revoke", "--token", first["token_id"], "--reason", "identity check failed",
        "--account", "TEST::1", "--yes",
    )  # fmt: skip
    assert "revoke: 1 sent" in revoked.stdout
    record = json.loads(deployed.run("verify", "--token", first["token_id"], "--json").stdout)
    assert (record["status"], record["reason"]) == ("revoked", "revoked: identity check failed")


def test_bad_csv__process_exits_nonzero_with_rows(deployed: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("wallet,score,evidence,external_id\n0x0000000000000000000000000000000000000000,80,0x"
                    + "11" * 32 + ",X-1\n")  # fmt: skip
    result = deployed.run(
        "issue", "--class", "sql-querying", "--csv", path, "--account", "TEST::1", "--yes",
        check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines()[-2:] == [
        f"error: {path}: 1 error; nothing was sent",
        "  row 2: wallet = '0x0000000000000000000000000000000000000000': zero address",
    ]
