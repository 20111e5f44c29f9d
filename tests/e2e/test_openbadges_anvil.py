"""`ape run export` as separate processes on anvil: an issuer's key and
binding (signed by its ape test account on anvil), a class exported, a
revocation picked up by `--status-lists`, and the files checked by the
independent node verifier."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from credstack.anvil import Anvil
from credstack.openbadges.credential import iso
from tests.e2e.conftest import ROOT, Cli
from tests.tooling.conftest import digest, wallet, write_csv

NORTHWIND = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
SLUG = "data-visualization"
BASE = "http://127.0.0.1:8000"


def node_verify(out: Path, files: list[Path], now: str) -> dict[str, dict[str, object]]:
    packages = ROOT / "node_modules" / "@digitalcredentials" / "vc"
    if not packages.is_dir() or not shutil.which("node"):
        if os.environ.get("CI") == "true":
            pytest.fail("node or the npm verifier packages are missing: run `make setup`")
        pytest.skip("node or the npm verifier packages are missing: run `make setup`")
    script = str(ROOT / "tests/openbadges/node/verify.mjs")
    args = ["--export-dir", str(out), "--base-url", BASE, "--now", now]
    result = subprocess.run(
        ["node", script, *args, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
        cwd=ROOT,
    )
    return {Path(r["file"]).stem: r for r in map(json.loads, result.stdout.splitlines())}


def test_export__separate_processes_on_anvil(deployed: Cli, anvil: Anvil, tmp_path: Path) -> None:
    cli = Cli(
        {
            **deployed.env,
            "CREDSTACK_OB_KEYS": str(tmp_path / "keys"),
            "CREDSTACK_OB_PASSPHRASE": "e2e passphrase",
        },
        deployed.out,
    )
    out = tmp_path / "ob"
    # Fresh wallets: the other end-to-end tests share this chain.
    rows = [[wallet(9_000 + i), "90", digest(f"ob-{i}"), f"OB-{i}"] for i in range(3)]
    csv_path = write_csv(tmp_path / "ob-cohort.csv", rows)
    issued = cli.run("issue", "--class", SLUG, "--csv", csv_path, "--account", "TEST::1", "--yes")
    assert "issued 3 credential(s)" in issued.stdout
    [receipts] = cli.out.rglob(f"{SLUG}-ob-cohort.receipts.json")
    mine = [int(r["token_id"]) for r in json.loads(receipts.read_text())]
    made = cli.run("export", "--new-key", "--issuer", NORTHWIND, "--out", out)
    assert f"binding signed by {NORTHWIND} (EIP-712)" in made.stdout
    assert "e2e passphrase" not in made.stdout + made.stderr

    exported = json.loads(cli.run("export", "--class", SLUG, "--out", out, "--json").stdout)
    tokens = exported["tokens"]
    assert set(mine) <= set(tokens)
    assert len([p for p in exported["written"] if "/credentials/" in p]) == len(tokens) - len(
        exported["burned_not_exported"]
    )

    revoked = mine[0]
    cli.run(
        "revoke", "--token", revoked, "--reason", "exam taken by someone else",
        "--account", "TEST::1", "--yes",
    )  # fmt: skip
    lists = cli.run("export", "--status-lists", "--out", out)
    assert f"status list changed: {out / 'status' / NORTHWIND.lower() / 'revocation.json'}" in (
        lists.stdout
    )
    # Validity is judged at the chain's time (the fixture moved anvil 48 h on).
    head = int(anvil.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    files = [out / "credentials" / f"{t}.json" for t in mine]
    verdicts = node_verify(out, files, iso(head + 60))
    assert verdicts[str(revoked)]["verified"] is False
    assert "revocation" in str(verdicts[str(revoked)]["errors"])
    for token in mine[1:]:
        assert verdicts[str(token)]["verified"] is True, verdicts[str(token)]
