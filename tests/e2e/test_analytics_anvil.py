"""`ape run analytics` on anvil as a separate process: credentials issued
(one of them a transferable pass, which then changes hands), one revoked;
metrics.json counts exactly that; a second run reads only the new blocks.
The chain is left as it was found (a snapshot taken first is restored)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from eth_abi.abi import encode
from eth_utils import keccak

from credstack.anvil import Anvil
from tests.e2e.conftest import Cli

NORTHWIND, LUMEN = "TEST::1", "TEST::2"
# anvil's unlocked accounts 7, 8, 9 (the test mnemonic): learners.
ANNA = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"
BEN = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"
CARA = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"


@pytest.fixture
def restored(deployed: Cli, anvil: Anvil) -> Iterator[Cli]:
    snapshot = anvil.rpc("evm_snapshot")
    try:
        yield deployed
    finally:
        anvil.rpc("evm_revert", snapshot)


def csv_of(path: Path, wallets: list[str], score: str) -> Path:
    rows = [
        f"{w},{score},0x{hashlib.sha256(w.encode()).hexdigest()},E2E-{i}"
        for i, w in enumerate(wallets)
    ]
    path.write_text("wallet,score,evidence,external_id\n" + "\n".join(rows) + "\n")
    return path


def tokens(cli: Cli, holder: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(
        cli.run("verify", "--holder", holder, "--json").stdout
    )
    return records


def send(anvil: Anvil, sender: str, to: str, data: bytes) -> None:
    tx_hash = anvil.rpc(
        "eth_sendTransaction", {"from": sender, "to": to, "data": "0x" + data.hex()}
    )
    deadline = time.monotonic() + 10
    while (receipt := anvil.rpc("eth_getTransactionReceipt", tx_hash)) is None:
        assert time.monotonic() < deadline, f"{tx_hash} not mined"
        time.sleep(0.02)
    assert receipt["status"] == "0x1", receipt


def test_analytics_counts_what_happened(restored: Cli, anvil: Anvil, tmp_path: Path) -> None:
    cli = restored
    deployment = json.loads((Path(cli.env["CREDSTACK_DEPLOYMENTS_DIR"]) / "31337.json").read_text())
    registry = deployment["registry"]
    before = json.loads(cli.run("analytics", "--json", "--out", tmp_path / "before").stdout)
    issued_before = before["issuance"]["totals"]["issued"]

    sql = csv_of(tmp_path / "sql.csv", [ANNA, BEN, CARA], "85")
    cli.run("issue", "--class", "sql-querying", "--csv", sql, "--account", NORTHWIND, "--yes")
    passes = csv_of(tmp_path / "pass.csv", [ANNA], "100")
    cli.run("issue", "--class", "mentor-session-pass", "--csv", passes, "--account", LUMEN, "--yes")
    [sql_of_ben] = tokens(cli, BEN)
    cli.run(
        "revoke", "--token", sql_of_ben["token_id"], "--reason", "fraud", "--account", NORTHWIND,
        "--yes",
    )  # fmt: skip
    [anna_pass] = [t for t in tokens(cli, ANNA) if t["class_name"] == "Mentor Session Pass"]
    selector = keccak(text="transferFrom(address,address,uint256)")[:4]
    payload = encode(["address", "address", "uint256"], [ANNA, CARA, anna_pass["token_id"]])
    send(anvil, ANNA, registry, selector + payload)

    out = tmp_path / "analytics"
    first = cli.run("analytics", "--out", out)
    metrics = json.loads((out / "metrics.json").read_text())
    totals = metrics["issuance"]["totals"]
    assert totals["issued"] == issued_before + 4
    assert totals["revoked"] == before["issuance"]["totals"]["revoked"] + 1
    fraud_before = before["issuance"]["revoked_by_reason"].get("fraud", 0)
    assert metrics["issuance"]["revoked_by_reason"].get("fraud") == fraud_before + 1
    assert metrics["market"]["transfers"] == before["market"]["transfers"] + 1
    assert metrics["market"]["tokens_traded"] >= 1
    assert metrics["retention"]["learners"] == before["retention"]["learners"] + 3
    assert metrics["chain_id"] == 31337 and metrics["registry"] == registry
    by_class = {c["name"]: c for c in metrics["issuance"]["by_class"]}
    assert by_class["Mentor Session Pass"]["transferable"] is True
    # Other files' tests may have revoked on this shared chain before.
    sql_before = {c["name"]: c for c in before["issuance"]["by_class"]}
    revoked_before = sql_before["SQL Querying"]["revoked"] if "SQL Querying" in sql_before else 0
    assert by_class["SQL Querying"]["revoked"] == revoked_before + 1
    assert f"report: {out / 'report.html'}" in first.stdout
    assert "learners " in first.stdout and "market: " in first.stdout
    html = (out / "report.html").read_text()
    assert 'src="http' not in html and "data:image/png;base64," in html
    transfers = pq.read_table(out / "parquet" / "transfer.parquet").to_pylist()
    assert any(t["sender"] == ANNA and t["receiver"] == CARA for t in transfers)
    credentials = pq.read_table(out / "parquet" / "credentials.parquet").to_pylist()
    assert {c["status_now"] for c in credentials if c["issued_to"] == BEN} == {"revoked"}

    # The second run reads only the blocks since the first.
    read = re.search(r"new events in blocks ([\d,]+) to ([\d,]+)", first.stdout)
    assert read, first.stdout
    head = int(read.group(2).replace(",", ""))
    cli.run("issue", "--class", "sql-querying", "--csv", csv_of(tmp_path / "one.csv",
            ["0x976EA74026E726554dB657fA54763abd0C3a0aa9"], "90"), "--account", NORTHWIND,
            "--yes")  # fmt: skip
    second = cli.run("analytics", "--out", out)
    again = re.search(r"(\d[\d,]*) new events in blocks ([\d,]+) to ([\d,]+)", second.stdout)
    assert again, second.stdout
    assert int(again.group(2).replace(",", "")) == head + 1
    assert 0 < int(again.group(1).replace(",", "")) < 10
    assert json.loads((out / "metrics.json").read_text())["issuance"]["totals"]["issued"] == (
        issued_before + 5
    )
