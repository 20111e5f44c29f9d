"""Every sending command on a chain that mines on its own schedule, as every
testnet and L2 does: an anvil that mines a block every 2 seconds (not one per
transaction). Each command must wait for its receipts before it reads them;
on an automining anvil a command that reads too early still passes, which is
why this module exists. One issuance batch also runs on 12-second blocks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from credstack.anvil import Anvil, plain_anvil
from tests.e2e.conftest import CATALOG, Cli
from tests.tooling.conftest import learner_rows, wallet, write_csv

BLOCK_TIME = 2
COHORT = 40
BATCH = 8  # five batches: several in flight, several per block


@pytest.fixture(scope="module")
def slow_chain(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Anvil, Cli]]:
    """A 2-second-block anvil of its own, and commands pointed at it."""
    base = tmp_path_factory.mktemp("interval")
    with plain_anvil(block_time=BLOCK_TIME) as node:
        env = {
            **cli.env,
            "APE_FOUNDRY_HOST": node.url,
            "CREDSTACK_DEPLOYMENTS_DIR": str(base / "deployments"),
            "CREDSTACK_OUT_DIR": str(base / "out"),
        }
        yield node, Cli(env, base / "out")


def token_ids(run: Cli, slug: str, csv_name: str) -> dict[str, int]:
    [receipts] = (run.out / "issuance").rglob(f"{slug}-{csv_name}.receipts.json")
    return {r["wallet"]: int(r["token_id"]) for r in json.loads(receipts.read_text())}


def test_every_sending_command__on_two_second_blocks(
    slow_chain: tuple[Anvil, Cli], tmp_path: Path
) -> None:
    anvil, run = slow_chain
    assert anvil.rpc("anvil_getAutomine") is False

    # Deploy and onboard under governance: deploy, a member proposes, a
    # second approves, the delay passes, a member executes, issuers apply.
    deployed = run.run("deploy", "--account", "TEST::0", "--catalog", CATALOG, "--yes")
    assert "credstack deployed on chain" in deployed.stdout
    run.run("catalog", "apply", "--account", "TEST::3", "--yes")
    approved = run.run("governance", "approve", "1", "--account", "TEST::4", "--yes")
    assert "approvals 2 of 2" in approved.stdout
    anvil.rpc("evm_increaseTime", 48 * 3_600)
    anvil.rpc("evm_mine")
    run.run("governance", "execute", "1", "--account", "TEST::3", "--yes")
    run.run("catalog", "apply", "--account", "TEST::2", "--yes")  # Lumen's classes first
    applied = run.run("catalog", "apply", "--account", "TEST::1", "--yes")
    # Northwind's classes and the pathway: nothing left; the employers'
    # endorsements are theirs to send.
    needs = [x for x in applied.stdout.splitlines() if x.strip().startswith("[needs]")]
    assert needs and all(x.strip().startswith("[needs] employer ") for x in needs), needs

    # A whole issuance of several batches, pipelined.
    rows = learner_rows(7_000, COHORT)
    cohort = write_csv(tmp_path / "cohort.csv", rows)
    issued = run.run(
        "issue", "--class", "spreadsheet-analysis", "--csv", cohort, "--account", "TEST::1",
        "--batch-size", BATCH, "--yes",
    )  # fmt: skip
    assert f"issued {COHORT} credential(s) in {COHORT // BATCH} transaction(s)" in issued.stdout
    again = run.run(
        "issue", "--class", "spreadsheet-analysis", "--csv", cohort, "--account", "TEST::1",
        "--yes",
    )  # fmt: skip
    assert f"already issued on chain: {COHORT} (skipped)" in again.stdout
    spreadsheet = token_ids(run, "spreadsheet-analysis", "cohort")
    assert sorted(spreadsheet.values()) == list(range(1, COHORT + 1))

    # The learner who completes the pathway: three more of Northwind's classes.
    learner = rows[0][0]
    for slug in ("sql-querying", "data-visualization", "analytics-communication"):
        one = write_csv(tmp_path / f"{slug}.csv", [[learner, "90", rows[0][2], f"{slug}-1"]])
        result = run.run("issue", "--class", slug, "--csv", one, "--account", "TEST::1", "--yes")
        assert "issued 1 credential(s) in 1 transaction(s)" in result.stdout

    # Each lifecycle command.
    a, b = spreadsheet[rows[1][0]], spreadsheet[rows[2][0]]
    for action, extra in (
        ("suspend", ()),
        ("reinstate", ()),
        ("renew", ("--until", "2031-01-01")),
        ("revoke", ("--reason", "plagiarism")),
    ):
        token = b if action == "revoke" else a
        result = run.run(action, "--token", token, *extra, "--account", "TEST::1", "--yes")
        assert f"{action}: 1 sent, 0 already done" in result.stdout
    record = json.loads(run.run("verify", "--token", b, "--json").stdout)
    assert record["status"] == "revoked"
    record = json.loads(run.run("verify", "--token", a, "--json").stdout)
    assert (record["status"], record["expires"][:10]) == ("active", "2031-01-01")

    # Recovery to a new wallet.
    lost, new = rows[3][0], wallet(7_999)
    moved = run.run("recover", "--from", lost, "--to", new, "--account", "TEST::1", "--yes")
    assert "recovered 1 credential(s)" in moved.stdout
    holder = json.loads(run.run("verify", "--holder", new, "--json").stdout)
    assert [r["token_id"] for r in holder] == [spreadsheet[lost]]

    # A governance proposal through execution.
    victim = spreadsheet[rows[4][0]]
    proposed = run.run(
        "governance", "propose", "registry", "force_revoke", victim, "fraud",
        "--account", "TEST::3", "--yes",
    )  # fmt: skip
    assert "proposal 2:" in proposed.stdout
    run.run("governance", "approve", "2", "--account", "TEST::5", "--yes")
    anvil.rpc("evm_increaseTime", 48 * 3_600)
    anvil.rpc("evm_mine")
    run.run("governance", "execute", "2", "--account", "TEST::4", "--yes")
    record = json.loads(run.run("verify", "--token", victim, "--json").stdout)
    assert (record["status"], record["reason"]) == ("revoked", "revoked: fraud")

    # A scheduled proposal one member vetoes: cancelled on the timelock too.
    spared = spreadsheet[rows[5][0]]
    run.run(
        "governance", "propose", "registry", "force_revoke", spared, "fraud",
        "--account", "TEST::3", "--yes",
    )  # fmt: skip
    run.run("governance", "approve", "3", "--account", "TEST::5", "--yes")
    cancelled = run.run("governance", "cancel", "3", "--account", "TEST::4", "--yes")
    assert "cancelled proposal 3 in transaction " in cancelled.stdout
    assert "│ cancelled" in run.run("governance", "status", "3").stdout
    record = json.loads(run.run("verify", "--token", spared, "--json").stdout)
    assert record["status"] == "active"

    # A pathway claim, for the learner by the issuer (no gas for the learner).
    claimed = run.run(
        "pathway", "claim", "--pathway", "junior-data-analyst", "--holder", learner,
        "--account", "TEST::1", "--yes",
    )  # fmt: skip
    assert f"claimed: token {COHORT + 3 + 1} for {learner}" in claimed.stdout

    # Membership: a member with a key of her own joins, a provider redeems
    # her signed perk use, she books a workshop seat and spends a pass.
    # Each command prints what it reads back after its receipt.
    member, provider = "TEST::7", "0x71bE63f3384f5fb98995898A86B02Fb2426c5788"  # TEST::11
    member_address = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"
    jda = write_csv(tmp_path / "jda.csv", [[member_address, "85", rows[0][2], "jda-m"]])
    run.run(
        "issue", "--class", "junior-data-analyst", "--csv", jda, "--account", "TEST::1", "--yes"
    )
    pass_csv = write_csv(tmp_path / "pass.csv", [[member_address, "0", rows[0][2], "pass-m"]])
    run.run(
        "issue", "--class", "mentor-session-pass", "--csv", pass_csv, "--account", "TEST::2",
        "--yes",
    )  # fmt: skip
    pass_token = token_ids(run, "mentor-session-pass", "pass")[member_address]
    joined = run.run("membership", "join", "--tier", "analyst-circle", "--account", member, "--yes")
    assert "joined: membership" in joined.stdout
    signed = json.loads(
        run.run(
            "membership", "sign", "--tier", "analyst-circle", "--perk", "mentor-hour",
            "--ref", "slow session 1", "--provider", provider, "--account", member, "--json",
        ).stdout
    )  # fmt: skip
    anvil.rpc("anvil_setBalance", provider, hex(10**18))
    redeemed = run.run(
        "membership", "redeem", "--tier", "analyst-circle", "--perk", "mentor-hour",
        "--ref", signed["ref"], "--holder", member_address, "--deadline", signed["deadline"],
        "--signature", signed["signature"], "--account", "TEST::11", "--yes",
    )  # fmt: skip
    assert "1 of 2 left this period" in redeemed.stdout
    booked = run.run(
        "membership", "book", "--offer", "dashboard-workshop", "--ref", "seat 1",
        "--account", member, "--yes",
    )  # fmt: skip
    assert "19 of 20 seats left" in booked.stdout
    spent = run.run(
        "membership", "pass", "--offer", "mentor-session", "--token", pass_token,
        "--account", member, "--yes",
    )  # fmt: skip
    assert f"redeemed: pass {pass_token} at offer" in spent.stdout
    assert "39 of 40 seats left" in spent.stdout
    status = json.loads(run.run("verify", "--token", pass_token, "--json").stdout)
    assert status["status"] == "burned"


def test_one_batch__on_twelve_second_blocks(slow_chain: tuple[Anvil, Cli], tmp_path: Path) -> None:
    """The 2-second chain slowed to 12-second blocks: the command waits."""
    anvil, run = slow_chain
    if not list(Path(run.env["CREDSTACK_DEPLOYMENTS_DIR"]).glob("*.json")):
        pytest.skip("needs the deployment of the test above")
    anvil.rpc("evm_setIntervalMining", 12)
    try:
        path = write_csv(tmp_path / "slow.csv", learner_rows(8_000, 5))
        result = run.run(
            "issue", "--class", "applied-statistics", "--csv", path, "--account", "TEST::2",
            "--yes",
        )  # fmt: skip
        assert "issued 5 credential(s) in 1 transaction(s)" in result.stdout
    finally:
        anvil.rpc("evm_setIntervalMining", BLOCK_TIME)
