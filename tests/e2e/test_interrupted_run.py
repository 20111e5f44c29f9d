"""The interrupted-run proof: `ape run issue` is killed (SIGKILL) in the
middle of a run on anvil, in several states, and started again with the same
command. Afterwards every wallet of the CSV holds exactly one credential of
the class (no duplicates, no gaps), and the receipts' salts reproduce the
hashes on chain."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak

from credstack.anvil import Anvil
from tests.e2e.conftest import Cli
from tests.tooling.conftest import learner_rows, write_csv

ROWS = 60
BATCH = 10
ISSUED_TOPIC = (
    "0x" + keccak(text="CredentialIssued(uint256,uint256,address,uint256,uint256,bytes32)").hex()
)


def class_id(cli: Cli, slug: str) -> int:
    [path] = Path(cli.env["CREDSTACK_DEPLOYMENTS_DIR"]).glob("*.json")
    return int(json.loads(path.read_text())["classes"][slug]["class_id"])


def journal_records(cli: Cli, cid: int, kind: str) -> list[dict[str, Any]]:
    paths = list((cli.out / "issuance").rglob(f"*-class{cid}.journal.jsonl"))
    if not paths:
        return []
    lines = paths[0].read_text().splitlines()
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # a line being written right now
    return [r for r in records if r["t"] == kind]


def start_issue(cli: Cli, slug: str, path: Path, account: str) -> subprocess.Popen[str]:
    return cli.start(
        "issue", "--class", slug, "--csv", path, "--account", account,
        "--batch-size", BATCH, "--yes",
    )  # fmt: skip


def run_issue(cli: Cli, slug: str, path: Path, account: str) -> str:
    result = cli.run(
        "issue", "--class", slug, "--csv", path, "--account", account,
        "--batch-size", BATCH, "--yes",
    )  # fmt: skip
    return result.stdout


def kill_after(
    process: subprocess.Popen[str], cli: Cli, cid: int, sent: int, pool: Anvil | None = None
) -> None:
    """SIGKILL the process group once the journal holds `sent` sent records
    (the journal has a transaction before the node does); with `pool`, only
    once the node has the last one in its pool."""
    deadline = time.monotonic() + 120

    def ready() -> bool:
        records = journal_records(cli, cid, "sent")
        if len(records) < sent:
            return False
        return pool is None or pool.rpc("eth_getTransactionByHash", records[-1]["tx"]) is not None

    while not ready():
        if process.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted:\n{process.stdout}")
        if time.monotonic() > deadline:
            pytest.fail("the run never reached the point to interrupt it")
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def assert_exactly_once(anvil: Anvil, cli: Cli, cid: int, rows: list[list[Any]]) -> None:
    logs = anvil.rpc(
        "eth_getLogs",
        {"fromBlock": "0x0", "toBlock": "latest", "topics": [ISSUED_TOPIC, None, f"0x{cid:064x}"]},
    )
    holders = ["0x" + log["topics"][3][-40:] for log in logs]
    wanted = sorted(r[0].lower() for r in rows)
    assert sorted(holders) == wanted  # every wallet once: no duplicates, no gaps
    hashes = {"0x" + log["topics"][3][-40:]: log["data"][-64:] for log in logs}
    [receipts] = (cli.out / "issuance").rglob(f"*-interrupt{cid}.receipts.json")
    records = json.loads(receipts.read_text())
    assert sorted(r["wallet"].lower() for r in records) == wanted
    for record in records:
        salt = bytes.fromhex(record["salt"][2:])
        digest = bytes.fromhex(record["document_sha256"][2:])
        assert keccak(salt + digest).hex() == hashes[record["wallet"].lower()]


CASES = {
    # slug, account, how the run is interrupted
    "killed-mid-run": ("spreadsheet-analysis", "TEST::1"),
    "killed-waiting-then-dropped": ("data-visualization", "TEST::1"),
    "killed-waiting-then-mined": ("analytics-communication", "TEST::1"),
    "killed-waiting-still-pending-at-restart": ("python-data-wrangling", "TEST::2"),
    "killed-four-in-flight-two-mined-two-dropped": ("applied-statistics", "TEST::2"),
}
IN_FLIGHT = 4  # two blocks' worth of batches on anvil's 30M blocks


@pytest.mark.parametrize("case", list(CASES))
def test_killed_run__same_command_again__every_credential_exactly_once(
    anvil: Anvil, deployed: Cli, tmp_path: Path, case: str
) -> None:
    slug, account = CASES[case]
    cid = class_id(deployed, slug)
    rows = learner_rows(1_000 * (list(CASES).index(case) + 1), ROWS)
    path = write_csv(tmp_path / f"interrupt{cid}.csv", rows)

    if case == "killed-four-in-flight-two-mined-two-dropped":
        # No block until the run has four batches in the pool with
        # consecutive nonces; killed there; two are mined, the last two
        # dropped (a nonce gap would strand anything after them).
        anvil.rpc("evm_setAutomine", False)
        try:
            process = start_issue(deployed, slug, path, account)
            kill_after(process, deployed, cid, sent=IN_FLIGHT, pool=anvil)
            sent = journal_records(deployed, cid, "sent")
            assert len(sent) == IN_FLIGHT and not journal_records(deployed, cid, "mined")
            assert [r["nonce"] for r in sent] == list(range(sent[0]["nonce"], sent[0]["nonce"] + 4))
            for record in sent[2:]:
                anvil.rpc("anvil_dropTransaction", record["tx"])
            anvil.rpc("evm_mine")
        finally:
            anvil.rpc("evm_setAutomine", True)
        output = run_issue(deployed, slug, path, account)
        resumed = [line for line in output.splitlines() if line.startswith("resumed: ")]
        assert resumed == [
            f"resumed: {r['tx']}: mined before the interruption ({BATCH} credentials)"
            for r in sent[:2]
        ] + [
            f"resumed: {r['tx']}: never mined (dropped); its credentials are re-planned"
            for r in sent[2:]
        ]
        assert f"already issued on chain: {2 * BATCH} (skipped)" in output
    elif case == "killed-mid-run":
        process = start_issue(deployed, slug, path, account)
        kill_after(process, deployed, cid, sent=4)
        assert len(journal_records(deployed, cid, "mined")) < ROWS // BATCH
        output = run_issue(deployed, slug, path, account)
        [skipped] = [line for line in output.splitlines() if "already issued on chain" in line]
        assert 0 < int(skipped.split(": ")[1].split()[0]) < ROWS  # it did stop part-way
    else:
        anvil.rpc("evm_setAutomine", False)
        try:
            process = start_issue(deployed, slug, path, account)
            kill_after(process, deployed, cid, sent=1, pool=anvil)
            [pending] = journal_records(deployed, cid, "sent")
            if case == "killed-waiting-then-dropped":
                anvil.rpc("anvil_dropTransaction", pending["tx"])
            elif case == "killed-waiting-then-mined":
                anvil.rpc("evm_mine")
            else:
                # The re-run finds the transaction still in the pool and waits
                # for it; the block comes three seconds later.
                def mine_later() -> None:
                    time.sleep(3)
                    anvil.rpc("evm_mine")
                    anvil.rpc("evm_setAutomine", True)

                threading.Thread(target=mine_later, daemon=True).start()
        finally:
            if case != "killed-waiting-still-pending-at-restart":
                anvil.rpc("evm_setAutomine", True)
        output = run_issue(deployed, slug, path, account)
        assert_exactly_once(anvil, deployed, cid, rows)
        resumed = [line for line in output.splitlines() if line.startswith("resumed: ")]
        expected = {
            "killed-waiting-then-dropped": "never mined (dropped); its credentials are re-planned",
            "killed-waiting-then-mined": f"mined before the interruption ({BATCH} credentials)",
            "killed-waiting-still-pending-at-restart": (
                f"mined before the interruption ({BATCH} credentials)"
            ),
        }[case]
        assert resumed == [f"resumed: {pending['tx']}: {expected}"]

    assert "issued " in output
    assert_exactly_once(anvil, deployed, cid, rows)
    if case == "killed-mid-run":  # and a third run has nothing left to do
        again = run_issue(deployed, slug, path, account)
        assert f"already issued on chain: {ROWS} (skipped)" in again
