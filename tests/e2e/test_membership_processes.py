"""Memberships as separate processes on one anvil chain: the issuer issues
the pathway credential, the learner joins, signs a redemption, a provider
sends it, and verify reads what is left: each process reads what the last
one left on chain."""

from __future__ import annotations

import json
from pathlib import Path

from credstack.anvil import Anvil
from tests.e2e.conftest import Cli
from tests.tooling.conftest import digest, write_csv

LEARNER = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"  # TEST::7
PROVIDER = "0x71bE63f3384f5fb98995898A86B02Fb2426c5788"  # TEST::11, unfunded on anvil


def test_join_sign_provider_redeems_verify__as_separate_processes(
    deployed: Cli, anvil: Anvil, tmp_path: Path
) -> None:
    rows = [[LEARNER, "85", digest("jda-7"), "JDA-7"]]
    csv_path = write_csv(tmp_path / "jda.csv", rows)
    issued = deployed.run(
        "issue", "--class", "junior-data-analyst", "--csv", csv_path, "--account", "TEST::1",
        "--yes",
    )  # fmt: skip
    assert "issued 1 credential(s)" in issued.stdout
    joined = deployed.run(
        "membership", "join", "--tier", "analyst-circle", "--account", "TEST::7", "--yes"
    )
    assert "joined: membership" in joined.stdout
    signed = json.loads(
        deployed.run(
            "membership", "sign", "--tier", "analyst-circle", "--perk", "mentor-hour",
            "--ref", "session 1", "--provider", PROVIDER, "--account", "TEST::7", "--json",
        ).stdout
    )  # fmt: skip
    anvil.rpc("anvil_setBalance", PROVIDER, hex(10**18))  # the provider pays the gas
    nonce = anvil.rpc("eth_getTransactionCount", LEARNER, "latest")
    redeemed = deployed.run(
        "membership", "redeem", "--tier", "analyst-circle", "--perk", "mentor-hour",
        "--ref", signed["ref"], "--holder", LEARNER, "--deadline", signed["deadline"],
        "--signature", signed["signature"], "--account", "TEST::11", "--yes",
    )  # fmt: skip
    assert "1 of 2 left this period" in redeemed.stdout
    assert anvil.rpc("eth_getTransactionCount", LEARNER, "latest") == nonce  # no gas of hers
    replay = deployed.run(
        "membership", "redeem", "--tier", "analyst-circle", "--perk", "mentor-hour",
        "--ref", signed["ref"], "--holder", LEARNER, "--deadline", signed["deadline"],
        "--signature", signed["signature"], "--account", "TEST::11", "--yes", check=False,
    )  # fmt: skip
    assert replay.returncode == 1
    assert replay.stderr.strip().splitlines()[-1].startswith("error: bad signature")
    records = json.loads(deployed.run("verify", "--holder", LEARNER, "--json").stdout)
    [joined_record] = [r for r in records if r["kind"] == "membership"]
    assert joined_record["valid"] is True
    perks = {p["name"]: p["remaining"] for p in joined_record["perks"]}
    assert perks == {"mentor-hour": 1, "reassessment-discount": 1, "peer-group-seat": 1}
