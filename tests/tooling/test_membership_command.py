"""Memberships in the tooling: the catalog's memberships section applied
(idempotent, drift reported), `ape run membership join|status|offers|sign|
redeem`, and `verify --holder` showing memberships; every refusal one line
before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from credstack.cli import catalog as catalog_cli
from credstack.cli import membership as membership_cli
from tests.tooling.conftest import CATALOG, wallet

EVIDENCE = b"\x33" * 32
TIER = "analyst-circle"
JDA = "junior-data-analyst"
PROVIDER = "0x71bE63f3384f5fb98995898A86B02Fb2426c5788"  # TEST::11
DAY = 86_400
PERIOD = 90 * DAY

# Deploy before the first test, so ape snapshots the module with it in place.
pytestmark = pytest.mark.usefixtures("deployed")


def example() -> dict[str, Any]:
    return yaml.safe_load(CATALOG.read_text())


def give(deployed: dict[str, Any], registry: Any, accounts: Any, holder: str, slug: str) -> int:
    """Issue one credential of a catalog class (by its issuer), score 80."""
    record = deployed["classes"][slug]
    issuer = next(a for a in accounts if a.address == record.issuer)
    tx = registry.issue(record.class_id, holder, 8_000, EVIDENCE, sender=issuer)
    return int(registry.CredentialIssued.from_receipt(tx)[0].token_id)


def error_line(result: Any) -> str:
    assert result.exit_code == 1, result.output
    return next(x for x in result.output.splitlines() if x.startswith("error:"))


@pytest.fixture
def membership(deployed: dict[str, Any]) -> Any:
    from ape import project

    return project.Membership.at(deployed["deployment"].membership)


@pytest.fixture
def tier_id(deployed: dict[str, Any]) -> int:
    from credstack import deployments

    record = deployments.read(deployed["deployment"].chain_id)
    assert record is not None
    return record.tier_ids[TIER]


@pytest.fixture
def completer(deployed: dict[str, Any], deployed_registry: Any, accounts: Any) -> tuple[str, int]:
    """TEST::10 holds the Junior Data Analyst credential (the tier's one
    requirement): its address and token."""
    holder = accounts[10].address
    return holder, give(deployed, deployed_registry, accounts, holder, JDA)


# The catalog applied


def test_apply__rerun__memberships_in_sync_nothing_sent(invoke: Any, accounts: Any) -> None:
    nonce = accounts[1].nonce
    result = invoke(catalog_cli.cli, "apply", str(CATALOG), "--account", "TEST::1", "--yes")
    assert result.exit_code == 0, result.output
    assert "[ok] tier analyst-circle: tier 1" in result.output
    assert "0 transaction(s) to send" in result.output
    assert accounts[1].nonce == nonce


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_apply__other_issuer__tier_needs_its_issuer(invoke: Any, tmp_path: Path) -> None:
    data = example()
    data["memberships"]["tiers"][0]["name"] = "Analyst Circle II"
    result = invoke(
        catalog_cli.cli, "apply", str(_write(tmp_path, data)), "--account", "TEST::2", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    issuer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert (
        f"[needs] tier analyst-circle: create tier 'Analyst Circle II' (must be sent by {issuer})"
    ) in result.output


def test_join__by_the_learner__wallet_tokens_found(
    deployed: Any, invoke: Any, completer: tuple[str, int], membership: Any, tier_id: int
) -> None:
    holder, token = completer
    result = invoke(membership_cli.cli, "join", "--tier", TIER, "--account", "TEST::10", "--yes")
    assert result.exit_code == 0, result.output
    member = (tier_id << 160) | int(holder, 16)
    assert f"joined: membership {member:#x} of tier {tier_id} for {holder}" in result.output
    info = membership.membership(member)
    assert (info.holder, list(info.parts)) == (holder, [token])
    assert membership.is_valid(member)


def test_join_for__by_the_issuer__learner_needs_no_gas(
    deployed: Any, invoke: Any, deployed_registry: Any, accounts: Any, membership: Any,
    tier_id: int,
) -> None:  # fmt: skip
    holder = wallet(700)
    give(deployed, deployed_registry, accounts, holder, JDA)
    result = invoke(
        membership_cli.cli, "join", "--tier", str(tier_id), "--holder", holder,
        "--account", "TEST::1", "--yes",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert membership.is_valid((tier_id << 160) | int(holder, 16))
    assert membership.balanceOf(holder) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tier", "nope"], "error: unknown tier 'nope' (known: analyst-circle)"),
        (["--tier", "9"], "error: unknown tier 9 (tiers: 1 to 1)"),
        (["--tier", TIER, "--holder", "0xabc"],
         "error: --holder '0xabc': not an address (0x and 40 hex digits)"),
    ],
)  # fmt: skip
def test_join__bad_input__one_line_nothing_sent(
    invoke: Any, accounts: Any, args: list[str], message: str
) -> None:
    nonce = accounts[1].nonce
    result = invoke(membership_cli.cli, "join", *args, "--account", "TEST::1", "--yes")
    assert error_line(result) == message
    assert accounts[1].nonce == nonce


def test_join__not_qualified__refused_before_sending(
    deployed: Any, invoke: Any, deployed_registry: Any, accounts: Any
) -> None:
    holder = wallet(701)
    sql = give(deployed, deployed_registry, accounts, holder, "sql-querying")
    nonce = accounts[1].nonce
    result = invoke(membership_cli.cli, "join", "--tier", TIER, "--holder", holder,
                    "--account", "TEST::1", "--yes")  # fmt: skip
    assert error_line(result) == (
        f"error: {holder} does not qualify for tier 1: group 1 needs 1 more of: Junior Data Analyst"
    )
    result = invoke(membership_cli.cli, "join", "--tier", TIER, "--holder", holder,
                    "--token", str(sql), "--account", "TEST::1", "--yes")  # fmt: skip
    assert error_line(result) == (
        f"error: token {sql} cannot qualify: class "
        f"{deployed['classes']['sql-querying'].class_id} is not an option of tier 1"
    )
    assert accounts[1].nonce == nonce


def test_join__not_the_issuer__refused_before_sending(
    deployed: Any, invoke: Any, deployed_registry: Any, accounts: Any
) -> None:
    holder = wallet(702)
    give(deployed, deployed_registry, accounts, holder, JDA)
    nonce = accounts[2].nonce
    result = invoke(membership_cli.cli, "join", "--tier", TIER, "--holder", holder,
                    "--account", "TEST::2", "--yes")  # fmt: skip
    assert error_line(result) == (
        f"error: {accounts[2].address} is neither the holder nor tier 1's issuer "
        f"({accounts[1].address}) or its delegate"
    )
    assert accounts[2].nonce == nonce


def test_join__already_member__refused_then_renewed_in_last_tenth(
    deployed: Any, invoke: Any, completer: tuple[str, int], membership: Any, tier_id: int,
    chain: Any, accounts: Any,
) -> None:  # fmt: skip
    holder, _ = completer
    args = ("join", "--tier", TIER, "--account", "TEST::10", "--yes")
    assert invoke(membership_cli.cli, *args).exit_code == 0
    member = (tier_id << 160) | int(holder, 16)
    expires = int(membership.expiresAt(member))
    nonce = accounts[10].nonce
    result = invoke(membership_cli.cli, *args)
    assert "is already a member of tier 1" in error_line(result)
    assert accounts[10].nonce == nonce
    chain.pending_timestamp = expires - PERIOD // 10
    result = invoke(membership_cli.cli, *args)
    assert result.exit_code == 0, result.output
    assert "renewed: membership" in result.output
    assert int(membership.expiresAt(member)) == expires + PERIOD


# Status


def test_status__not_member__qualifies_or_what_is_missing(
    deployed: Any, invoke: Any, completer: tuple[str, int]
) -> None:
    holder, token = completer
    result = invoke(membership_cli.cli, "status", "--holder", holder)
    assert result.exit_code == 0, result.output
    assert f"is not a member; qualifies with tokens {token}" in result.output
    other = wallet(703)
    result = invoke(membership_cli.cli, "status", "--holder", other)
    assert "is not a member and does not qualify: group 1 needs 1 more" in result.output


def test_status__member_valid_then_revoked_part_not_valid(
    deployed: Any, invoke: Any, completer: tuple[str, int], deployed_registry: Any,
    accounts: Any,
) -> None:  # fmt: skip
    holder, token = completer
    assert invoke(membership_cli.cli, "join", "--tier", TIER, "--account", "TEST::10",
                  "--yes").exit_code == 0  # fmt: skip
    doc = json.loads(
        invoke(membership_cli.cli, "status", "--holder", holder, "--tier", TIER, "--json").output
    )
    assert (doc["member"], doc["valid"], doc["tier"]) == (True, True, "Analyst Circle")
    assert [p["status"] for p in doc["parts"]] == ["active"]
    deployed_registry.revoke(token, "assessment fraud", sender=accounts[1])
    doc = json.loads(
        invoke(membership_cli.cli, "status", "--holder", holder, "--tier", TIER, "--json").output
    )
    assert (doc["member"], doc["valid"]) == (True, False)
    assert [p["status"] for p in doc["parts"]] == ["revoked"]
    text = invoke(membership_cli.cli, "status", "--holder", holder).output
    assert "Analyst Circle (tier 1): " + holder + " is a member, not valid" in text
