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
from credstack.units import format_time
from tests.tooling.conftest import CATALOG, wallet

EVIDENCE = b"\x33" * 32
TIER = "analyst-circle"
JDA = "junior-data-analyst"
PROVIDER = "0x71bE63f3384f5fb98995898A86B02Fb2426c5788"  # TEST::11
HOLDER10 = "0xBcd4042DE499D14e55001CcbB24a551F3b954096"  # TEST::10
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


def logs(event: Any) -> list[Any]:
    """Every log of a contract event, oldest first."""
    from ape import chain

    return list(event.range(0, chain.blocks.height + 1))


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
    assert "[ok] offer mentor-session: offer 1" in result.output
    assert "[ok] offer dashboard-workshop: offer 2" in result.output
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
    """Any module or the pathway credential qualifies; a mentor-session
    pass does not."""
    holder = wallet(701)
    pass_ = give(deployed, deployed_registry, accounts, holder, "mentor-session-pass")
    nonce = accounts[1].nonce
    result = invoke(membership_cli.cli, "join", "--tier", TIER, "--holder", holder,
                    "--account", "TEST::1", "--yes")  # fmt: skip
    line = error_line(result)
    assert line.startswith(
        f"error: {holder} does not qualify for tier 1: group 1 needs 1 more of: "
    ), line
    assert "SQL Querying" in line and "Junior Data Analyst" in line
    result = invoke(membership_cli.cli, "join", "--tier", TIER, "--holder", holder,
                    "--token", str(pass_), "--account", "TEST::1", "--yes")  # fmt: skip
    assert error_line(result) == (
        f"error: token {pass_} cannot qualify: class "
        f"{deployed['classes']['mentor-session-pass'].class_id} is not an option of tier 1"
    )
    assert accounts[1].nonce == nonce


def test_join__two_tokens_of_one_class__refused_before_sending(
    deployed: Any, invoke: Any, deployed_registry: Any, accounts: Any
) -> None:
    """The contract counts a class once and refuses a second token of it."""
    holder = wallet(703)
    first = give(deployed, deployed_registry, accounts, holder, "sql-querying")
    second = give(deployed, deployed_registry, accounts, holder, "sql-querying")
    nonce = accounts[1].nonce
    result = invoke(membership_cli.cli, "join", "--tier", TIER, "--holder", holder,
                    "--token", str(first), "--token", str(second),
                    "--account", "TEST::1", "--yes")  # fmt: skip
    assert error_line(result) == (
        f"error: tokens {first} and {second} are both of class "
        f"{deployed['classes']['sql-querying'].class_id} (SQL Querying): a class counts once"
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


# Perks: status, sign, redeem


@pytest.fixture
def member(deployed: Any, invoke: Any, completer: tuple[str, int], tier_id: int) -> int:
    """TEST::10 has joined the tier: its membership id."""
    result = invoke(membership_cli.cli, "join", "--tier", TIER, "--account", "TEST::10", "--yes")
    assert result.exit_code == 0, result.output
    return (tier_id << 160) | int(completer[0], 16)


def test_status__perks_left_this_period(invoke: Any, member: int, accounts: Any) -> None:
    holder = accounts[10].address
    doc = json.loads(
        invoke(membership_cli.cli, "status", "--holder", holder, "--tier", TIER, "--json").output
    )
    assert [(p["name"], p["allowance"], p["used"], p["remaining"]) for p in doc["perks"]] == [
        ("mentor-hour", 2, 0, 2), ("reassessment-discount", 1, 0, 1), ("peer-group-seat", 1, 0, 1),
    ]  # fmt: skip
    assert doc["period"]["index"] == 0


def test_redeem__by_the_member__until_used_up_then_next_period(
    invoke: Any, member: int, membership: Any, accounts: Any, chain: Any
) -> None:
    redeem = ("redeem", "--tier", TIER, "--perk", "mentor-hour", "--ref", "session 12",
              "--account", "TEST::10", "--yes")  # fmt: skip
    result = invoke(membership_cli.cli, *redeem, "--quantity", "2")
    assert result.exit_code == 0, result.output
    assert "redeemed: 2 x mentor-hour" in result.output
    assert "0 of 2 left this period" in result.output
    [event] = logs(membership.PerkRedeemed)
    from eth_utils import keccak

    args = event.event_arguments
    assert (args["quantity"], args["ref"], args["provider"], args["period"]) == (
        2, keccak(text="session 12"), "0x" + "0" * 40, 0,
    )  # fmt: skip
    nonce = accounts[10].nonce
    result = invoke(membership_cli.cli, *redeem)
    joined = int(membership.membership(member).joined_at)
    assert error_line(result).startswith(
        "error: allowance used up: perk 'mentor-hour' has 0 of 2 left this period (a new period "
        f"starts {format_time(joined + PERIOD)}), asked for 1"
    )
    assert accounts[10].nonce == nonce
    # Renewed in the last tenth of its term; the membership's second
    # period starts to the second a term after the join.
    chain.pending_timestamp = joined + PERIOD - PERIOD // 10
    renew = ("join", "--tier", TIER, "--account", "TEST::10", "--yes")
    assert "renewed" in invoke(membership_cli.cli, *renew).output
    chain.pending_timestamp = joined + PERIOD - 1
    assert "allowance used up" in error_line(invoke(membership_cli.cli, *redeem))
    chain.pending_timestamp = joined + PERIOD
    result = invoke(membership_cli.cli, *redeem)
    assert result.exit_code == 0, result.output
    assert "1 of 2 left this period" in result.output


def test_redeem__revoked_part__no_perks_refused_before_sending(
    invoke: Any, member: int, deployed_registry: Any, accounts: Any, completer: tuple[str, int]
) -> None:
    deployed_registry.revoke(completer[1], "fraud", sender=accounts[1])
    nonce = accounts[10].nonce
    result = invoke(membership_cli.cli, "redeem", "--tier", TIER, "--perk", "mentor-hour",
                    "--ref", "x", "--account", "TEST::10", "--yes")  # fmt: skip
    assert error_line(result) == (
        f"error: membership {member:#x} grants no perks now: its credentials are not all valid "
        f"(token {completer[1]} revoked)"
    )
    assert accounts[10].nonce == nonce


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--perk", "massage"], "error: tier 1 has no perk 'massage' (its perks: mentor-hour, "
                                "reassessment-discount, peer-group-seat)"),
        (["--perk", "mentor-hour", "--quantity", "0"], "error: --quantity 0: at least 1"),
        (["--perk", "mentor-hour", "--holder", PROVIDER],
         "error: --holder, --signature and --deadline go together (a provider's run)"),
        (["--perk", "mentor-hour", "--tier", "nope"],
         "error: unknown tier 'nope' (known: analyst-circle)"),
        (["--perk", "mentor-hour", "--holder", HOLDER10, "--deadline", "1", "--signature", "0x12"],
         "error: --signature '0x12': expected 0x + 130 hex digits (65 bytes)"),
        (["--perk", "mentor-hour", "--holder", "0xnope", "--deadline", "1", "--signature", "0x1"],
         "error: --holder '0xnope': not an address (0x and 40 hex digits)"),
    ],
)  # fmt: skip
def test_redeem__bad_input__one_line(
    invoke: Any, member: int, accounts: Any, args: list[str], message: str
) -> None:
    nonce = accounts[10].nonce
    result = invoke(membership_cli.cli, "redeem", "--tier", TIER, *args, "--ref", "x",
                    "--account", "TEST::10", "--yes")  # fmt: skip
    assert error_line(result) == message
    assert accounts[10].nonce == nonce


def _sign(invoke: Any, *extra: str) -> dict[str, Any]:
    result = invoke(membership_cli.cli, "sign", "--tier", TIER, "--perk", "mentor-hour",
                    "--ref", "session 7", "--provider", PROVIDER, "--account", "TEST::10",
                    "--json", *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.output)
    return doc


def _provider_redeem(invoke: Any, doc: dict[str, Any], account: str = "TEST::11") -> Any:
    return invoke(
        membership_cli.cli, "redeem", "--tier", TIER, "--perk", str(doc["perk_id"]),
        "--quantity", str(doc["quantity"]), "--ref", doc["ref"], "--holder", HOLDER10,
        "--deadline", str(doc["deadline"]), "--signature", doc["signature"],
        "--account", account, "--yes",
    )  # fmt: skip


def test_sign_then_provider_redeems__member_pays_no_gas_replay_refused(
    invoke: Any, member: int, membership: Any, accounts: Any
) -> None:
    member_nonce = accounts[10].nonce
    doc = _sign(invoke)
    assert accounts[10].nonce == member_nonce  # signing sends nothing
    assert doc["nonce"] == 0 and doc["provider"] == PROVIDER
    result = _provider_redeem(invoke, doc)
    assert result.exit_code == 0, result.output
    assert "1 of 2 left this period" in result.output
    [event] = logs(membership.PerkRedeemed)
    assert (event.event_arguments["provider"], event.member) == (PROVIDER, HOLDER10)
    assert accounts[10].nonce == member_nonce
    provider_nonce = accounts[11].nonce
    again = _provider_redeem(invoke, doc)
    assert error_line(again) == (
        f"error: bad signature: not {HOLDER10}'s for these terms (perk, quantity, ref, provider, "
        "deadline) with nonce 1: a signature already used, made for other terms, or by another "
        "account"
    )
    assert accounts[11].nonce == provider_nonce


def test_provider_redeem__expired_or_foreign_signature_refused_before_sending(
    invoke: Any, member: int, accounts: Any, chain: Any
) -> None:
    doc = _sign(invoke, "--valid", "1h")
    # Another provider (the issuer) is not registered for the tier.
    result = _provider_redeem(invoke, doc, "TEST::1")
    assert error_line(result) == (
        f"error: {accounts[1].address} is not a registered provider of tier 1"
    )
    forged = dict(doc, quantity=2)  # terms the member did not sign
    assert "error: bad signature" in error_line(_provider_redeem(invoke, forged))
    chain.pending_timestamp = doc["deadline"] + 1
    nonce = accounts[11].nonce
    assert error_line(_provider_redeem(invoke, doc)) == (
        f"error: signature expired: its deadline was {format_time(doc['deadline'])}"
    )
    assert accounts[11].nonce == nonce


def test_signature__domain_and_digest_are_the_contracts(
    deployed: Any, member: int, membership: Any
) -> None:
    """The helper's EIP-712 domain separator is the contract's, and a
    signature by the member recovers to the member."""
    from eth_account.messages import encode_typed_data

    from credstack.context import Context
    from credstack.membership import sign_typed_data, typed_data_signer

    memberships = Context(deployed["deployment"]).memberships
    [perk] = [p for p in memberships.perks() if p.name == "mentor-hour"]
    typed = memberships.redeem_message(member, perk, 1, b"\x01" * 32, PROVIDER, 10**10)
    assert encode_typed_data(full_message=typed).header == bytes(membership.DOMAIN_SEPARATOR())
    assert typed["message"]["nonce"] == 0
    from ape import accounts

    signature = sign_typed_data(accounts.test_accounts[10], typed)
    assert len(signature) == 65
    assert typed_data_signer(typed, signature) == HOLDER10


# verify --holder


def test_verify_holder__memberships_and_allowances_left(
    invoke: Any, member: int, completer: tuple[str, int], accounts: Any, deployed_registry: Any
) -> None:
    from credstack.cli import verify as verify_cli

    holder, token = completer
    assert invoke(membership_cli.cli, "redeem", "--tier", TIER, "--perk", "mentor-hour",
                  "--ref", "s1", "--account", "TEST::10", "--yes").exit_code == 0  # fmt: skip
    records = json.loads(invoke(verify_cli.cli, "--holder", holder, "--json").output)
    assert [(r["kind"], r.get("token_id")) for r in records] == [
        ("credential", token), ("membership", None),
    ]  # fmt: skip
    joined = records[1]
    assert (joined["membership_id"], joined["tier"], joined["valid"]) == (
        str(member), "Analyst Circle", True,
    )  # fmt: skip
    assert [(p["name"], p["used"], p["remaining"]) for p in joined["perks"]] == [
        ("mentor-hour", 1, 1), ("reassessment-discount", 0, 1), ("peer-group-seat", 0, 1),
    ]  # fmt: skip
    text = invoke(verify_cli.cli, "--holder", holder).output
    assert "memberships" in text and "Analyst Circle" in text
    assert "perk mentor-hour" in text and "1 of 2 left" in text
    deployed_registry.suspend(token, sender=accounts[1])
    joined = json.loads(invoke(verify_cli.cli, "--holder", holder, "--json").output)[1]
    assert (joined["valid"], joined["reason"]) == (
        False, f"credentials no longer valid: token {token} suspended",
    )  # fmt: skip
    assert [p["remaining"] for p in joined["perks"]] == [0, 0, 0]


def test_show__tier_beside_the_chain(invoke: Any) -> None:
    result = invoke(catalog_cli.cli, "show", str(CATALOG))
    assert result.exit_code == 0, result.output
    assert "membership tiers" in result.output
    row = next(line for line in result.output.splitlines() if "analyst-circle" in line)
    assert "northwind" in row and "90 d" in row and "in sync" in row


# Offers: bookings and passes


def test_offers__listed_with_seats(invoke: Any, deployed: Any) -> None:
    docs = json.loads(invoke(membership_cli.cli, "offers", "--json").output)
    assert [(d["slug"], d["perk"], d["pass"], d["capacity"], d["seats_left"], d["provider"])
            for d in docs] == [
        ("mentor-session", "mentor-hour", "Mentor Session Pass", 40, 40, PROVIDER),
        ("dashboard-workshop", None, None, 20, 20, PROVIDER),
    ]  # fmt: skip
    text = invoke(membership_cli.cli, "offers", "--tier", TIER).output
    assert "offer 1 mentor-session (Analyst Circle, tier 1): 40 of 40 seats left" in text


def test_book__uses_a_seat_and_the_perk_once_each(
    invoke: Any, member: int, accounts: Any, membership: Any
) -> None:
    book = ("book", "--offer", "mentor-session", "--ref", "slot 3", "--account", "TEST::10",
            "--yes")  # fmt: skip
    result = invoke(membership_cli.cli, *book)
    assert result.exit_code == 0, result.output
    assert "booked: offer 1" in result.output and "39 of 40 seats left" in result.output
    doc = json.loads(invoke(membership_cli.cli, "status", "--holder", HOLDER10, "--tier", TIER,
                            "--json").output)  # fmt: skip
    assert doc["perks"][0]["remaining"] == 1
    nonce = accounts[10].nonce
    assert error_line(invoke(membership_cli.cli, *book)) == (
        f"error: {HOLDER10} has booked offer 1 already (one seat each)"
    )
    assert accounts[10].nonce == nonce


def test_book__not_a_member_or_unknown_offer__one_line(invoke: Any, accounts: Any) -> None:
    result = invoke(membership_cli.cli, "book", "--offer", "dashboard-workshop", "--ref", "x",
                    "--account", "TEST::10", "--yes")  # fmt: skip
    assert error_line(result) == f"error: {HOLDER10} is not a member of tier 1"
    result = invoke(membership_cli.cli, "book", "--offer", "77", "--ref", "x",
                    "--account", "TEST::10", "--yes")  # fmt: skip
    assert error_line(result) == "error: unknown offer 77 (offers: 1, 2)"
    result = invoke(membership_cli.cli, "book", "--offer", "nope", "--ref", "x",
                    "--account", "TEST::10", "--yes")  # fmt: skip
    assert error_line(result) == (
        "error: unknown offer 'nope' (known: dashboard-workshop, mentor-session)"
    )


def test_pass__redeemed_burned_seat_taken_then_offer_full(
    invoke: Any, deployed: Any, deployed_registry: Any, accounts: Any, membership: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    """A pass that changed hands is redeemed by its holder (no membership
    needed); an offer with one seat is full after it."""
    passes = deployed["classes"]["mentor-session-pass"].class_id
    tx = deployed_registry.issue(passes, accounts[9].address, 0, EVIDENCE, sender=accounts[2])
    token = int(deployed_registry.CredentialIssued.from_receipt(tx)[0].token_id)
    deployed_registry.transferFrom(accounts[9].address, accounts[8].address, token,
                                   sender=accounts[9])  # fmt: skip
    result = invoke(membership_cli.cli, "pass", "--offer", "mentor-session", "--token", str(token),
                    "--account", "TEST::9", "--yes")  # fmt: skip
    assert error_line(result) == (
        f"error: token {token} is held by {accounts[8].address}, not {accounts[9].address}"
    )
    result = invoke(membership_cli.cli, "pass", "--offer", "dashboard-workshop", "--token",
                    str(token), "--account", "TEST::8", "--yes")  # fmt: skip
    assert error_line(result) == "error: offer 2 takes no passes"
    result = invoke(membership_cli.cli, "pass", "--offer", "mentor-session", "--token", str(token),
                    "--account", "TEST::8", "--yes")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"redeemed: pass {token} at offer 1; 39 of 40 seats left" in result.output
    assert deployed_registry.status_of(token) == 5  # burned
    [event] = logs(membership.PassRedeemed)
    assert (event.token_id, event.holder, event.seats_left) == (token, accounts[8].address, 39)
    # An offer with one seat: full after one pass.
    data = example()
    data["memberships"]["tiers"][0]["offers"].append(
        {"slug": "one-seat", "pass": "mentor-session-pass", "capacity": 1,
         "provider": "northwind-mentors"}
    )  # fmt: skip
    path = _write(tmp_path, data)
    assert invoke(catalog_cli.cli, "apply", str(path), "--account", "TEST::1",
                  "--yes").exit_code == 0  # fmt: skip
    tokens = []
    for _ in range(2):
        tx = deployed_registry.issue(passes, accounts[8].address, 0, EVIDENCE, sender=accounts[2])
        tokens.append(int(deployed_registry.CredentialIssued.from_receipt(tx)[0].token_id))
    args = ("pass", "--offer", "one-seat", "--account", "TEST::8", "--yes")
    assert invoke(membership_cli.cli, *args, "--token", str(tokens[0])).exit_code == 0
    nonce = accounts[8].nonce
    result = invoke(membership_cli.cli, *args, "--token", str(tokens[1]))
    assert error_line(result) == "error: offer 3 is full (capacity 1)"
    assert accounts[8].nonce == nonce


def test_pass__restricted_class__needs_the_contract_allowlisted(
    invoke: Any, deployed: Any, deployed_registry: Any, accounts: Any, membership: Any,
    chain: Any,
) -> None:  # fmt: skip
    """A closed-pilot pass class goes only to its allowlist: redeeming needs
    the membership contract on it (governance's call), said before sending."""
    from credstack.cli import governance as gov_cli
    from tests.tooling.conftest import COUNCIL, DELAY

    passes = deployed["classes"]["mentor-session-pass"].class_id
    tx = deployed_registry.issue(passes, accounts[8].address, 0, EVIDENCE, sender=accounts[2])
    token = int(deployed_registry.CredentialIssued.from_receipt(tx)[0].token_id)

    def govern(*call: str) -> None:
        result = invoke(gov_cli.cli, "propose", *call, "--account", COUNCIL[0], "--yes")
        assert result.exit_code == 0, result.output
        proposal = int(result.output.split("proposal ")[1].split()[0].strip(":,"))
        invoke(gov_cli.cli, "approve", str(proposal), "--account", COUNCIL[1], "--yes")
        chain.pending_timestamp += DELAY
        result = invoke(gov_cli.cli, "execute", str(proposal), "--account", COUNCIL[0], "--yes")
        assert result.exit_code == 0, result.output

    govern("registry", "set_class_rules", str(passes), "true", "0")
    pass_args = ("pass", "--offer", "mentor-session", "--token", str(token),
                 "--account", "TEST::8", "--yes")  # fmt: skip
    nonce = accounts[8].nonce
    assert error_line(invoke(membership_cli.cli, *pass_args)) == (
        f"error: class {passes} is restricted to its allowlist, which does not hold the "
        f"membership contract {membership.address}: governance must allowlist it first"
    )
    assert accounts[8].nonce == nonce
    govern("registry", "set_allowlist", str(passes), membership.address, "yes")
    result = invoke(membership_cli.cli, *pass_args)
    assert result.exit_code == 0, result.output
    assert deployed_registry.status_of(token) == 5  # burned


def test_apply__offer_of_a_pass_not_yet_created__waits_for_its_issuer(
    invoke: Any, tmp_path: Path, accounts: Any
) -> None:
    """A new offer takes a pass class another issuer has not created yet:
    the tier stays in sync, the offer waits for that issuer, then the
    tier's issuer creates it."""
    data = example()
    data["classes"].append(dict(data["classes"][6], slug="workshop-pass",
                                name="Workshop Pass"))  # fmt: skip
    data["memberships"]["tiers"][0]["offers"].append(
        {"slug": "pass-workshop", "pass": "workshop-pass", "capacity": 5,
         "provider": "northwind-mentors"}
    )  # fmt: skip
    path = str(_write(tmp_path, data))
    result = invoke(catalog_cli.cli, "apply", path, "--account", "TEST::1", "--yes")
    assert result.exit_code == 0, result.output
    assert "[ok] tier analyst-circle: tier 1" in result.output
    flat = " ".join(result.output.split())  # the line wraps at 140 columns
    assert (
        "[needs] offer pass-workshop: create offer 'pass-workshop' (5 seats): first the class "
        f"workshop-pass (must be sent by {accounts[2].address})"
    ) in flat
    assert invoke(catalog_cli.cli, "apply", path, "--account", "TEST::2", "--yes").exit_code == 0
    result = invoke(catalog_cli.cli, "apply", path, "--account", "TEST::1", "--yes")
    assert "[done] offer pass-workshop: create offer 'pass-workshop' (5 seats)" in result.output
