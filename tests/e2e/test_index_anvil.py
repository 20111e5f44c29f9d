"""The event index on anvil, over HTTP JSON-RPC: every event of the
deployment, a reorg (evm_snapshot, evm_revert, other blocks), and a sync
killed with SIGKILL mid-way and run again. The chain is left as it was
found (a snapshot taken first is restored)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils import keccak, to_checksum_address

from credstack.anvil import Anvil
from credstack.deployments import Deployment
from credstack.index import HttpRpc, Index
from credstack.index.store import project_abis
from tests.e2e.conftest import Cli

CHILD = """
import json, sys, time
from credstack.deployments import Deployment
from credstack.index import HttpRpc, Index

deployment = Deployment.from_json(json.loads(open(sys.argv[1]).read()))
abis = json.loads(open(sys.argv[2]).read())

def chunk(last, events):
    print(last, flush=True)
    time.sleep(0.05)

with Index.open(deployment, sys.argv[3], abis=abis) as index:
    index.sync(HttpRpc(sys.argv[4]), first_span=1, max_span=1, on_chunk=chunk)
print("done", flush=True)
"""


@pytest.fixture
def setting(deployed: Cli, anvil: Anvil) -> Iterator[tuple[Deployment, dict[str, Any]]]:
    path = Path(deployed.env["CREDSTACK_DEPLOYMENTS_DIR"]) / "31337.json"
    deployment = Deployment.from_json(json.loads(path.read_text()))
    abis = project_abis(sorted(set(deployment.contracts().values())))
    snapshot = anvil.rpc("evm_snapshot")
    try:
        yield deployment, abis
    finally:
        anvil.rpc("evm_revert", snapshot)


def everything(index: Index) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: index.connection.execute(
            f'SELECT * FROM "{t}" ORDER BY block_number, log_index'
        ).fetchall()
        for t in index.tables()
    }


def issue(anvil: Anvil, deployment: Deployment, wallets: list[str]) -> None:
    record = deployment.classes["sql-querying"]
    selector = keccak(text="issue(uint256,address,uint256,bytes32)")[:4]
    for wallet in wallets:
        data = selector + encode(
            ["uint256", "address", "uint256", "bytes32"],
            [record.class_id, wallet, 9_000, keccak(text=wallet)],
        )
        tx = {"from": record.issuer, "to": deployment.registry, "data": "0x" + data.hex()}
        tx_hash = anvil.rpc("eth_sendTransaction", tx)
        deadline = time.monotonic() + 10  # anvil mines just after it answers
        while (receipt := anvil.rpc("eth_getTransactionReceipt", tx_hash)) is None:
            assert time.monotonic() < deadline, f"{tx_hash} not mined"
            time.sleep(0.02)
        assert receipt["status"] == "0x1"


def wallets(tag: str, count: int) -> list[str]:
    return [to_checksum_address(keccak(text=f"index-{tag}-{i}")[:20]) for i in range(count)]


def test_every_event_then_a_reorg(
    setting: tuple[Deployment, dict[str, Any]], anvil: Anvil, tmp_path: Path
) -> None:
    deployment, abis = setting
    rpc = HttpRpc(anvil.url)
    with Index.open(deployment, tmp_path / "i.duckdb", abis=abis) as index:
        first = index.sync(rpc)
        raw = anvil.rpc(
            "eth_getLogs",
            {
                "address": list(deployment.contracts()),
                "fromBlock": hex(deployment.block_number),
                "toBlock": "latest",
            },
        )
        assert first.events == len(raw) > 0
        c = index.connection
        names = {r[0] for r in c.execute("SELECT name FROM class_created").fetchall()}
        assert len(names) == len(deployment.classes)
        # RoleGranted: the registry's and the timelock's, one table.
        assert {r[0] for r in c.execute("SELECT contract FROM role_granted").fetchall()} == {
            "CredentialRegistry",
            "Timelock",
        }
        proposal = c.execute("SELECT targets, proposer FROM proposal_created").fetchone()
        # The onboarding proposal: issuer grants and employer onboardings.
        assert proposal is not None
        assert set(proposal[0]) == {deployment.registry, deployment.employers}

        snapshot = anvil.rpc("evm_snapshot")
        issue(anvil, deployment, wallets("lost", 3))
        assert index.sync(rpc).events == 9  # Transfer, Locked, CredentialIssued each
        lost_from = first.head + 1
        anvil.rpc("evm_revert", snapshot)
        issue(anvil, deployment, wallets("kept", 1))
        anvil.rpc("anvil_mine", "0x4")
        again = index.sync(rpc)
        assert again.reorg is not None and again.reorg < lost_from
        holders = {r[0] for r in c.execute("SELECT holder FROM credential_issued").fetchall()}
        assert holders.isdisjoint(wallets("lost", 3)) and wallets("kept", 1)[0] in holders
        with Index.open(deployment, tmp_path / "fresh.duckdb", abis=abis) as fresh:
            fresh.sync(rpc)
            assert everything(index) == everything(fresh)


def test_a_sync_killed_mid_way_loses_and_repeats_nothing(
    setting: tuple[Deployment, dict[str, Any]], anvil: Anvil, tmp_path: Path
) -> None:
    deployment, abis = setting
    (tmp_path / "deployment.json").write_text(json.dumps(deployment.to_json()))
    (tmp_path / "abis.json").write_text(json.dumps(abis))
    path = tmp_path / "i.duckdb"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "deployment.json"),
         str(tmp_path / "abis.json"), str(path), anvil.url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip
    assert child.stdout is not None
    committed = [int(child.stdout.readline()) for _ in range(5)]
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    rpc = HttpRpc(anvil.url)
    with Index.open(deployment, path, abis=abis) as index:
        assert committed[-1] <= index.final_block < int(anvil.rpc("eth_blockNumber"), 16)
        kept = index.final_block
        for table in index.tables():
            top = index.connection.execute(f'SELECT max(block_number) FROM "{table}"').fetchone()
            assert top is not None and (top[0] or 0) <= kept
        assert index.sync(rpc).start == kept + 1
        with Index.open(deployment, tmp_path / "fresh.duckdb", abis=abis) as fresh:
            fresh.sync(rpc)
            assert everything(index) == everything(fresh)
