"""`ape run membership join|status|offers|sign|redeem`: memberships earned
with credentials, their perks and offers. Every refusal the chain would make
(an unknown tier, credentials that do not qualify, a used-up allowance, a
full offer, an expired signature) is found first and said in one line, with
nothing sent."""

from __future__ import annotations

import json
from typing import Any

import click

from credstack.cli.common import (
    account_option,
    confirm,
    console,
    credstack_group,
    pass_context,
    yes_option,
)
from credstack.context import Context
from credstack.errors import CredstackError
from credstack.inputs import address_problem
from credstack.membership import (
    RENEW_TENTH,
    Membership,
    Memberships,
    chain_now,
    membership_id,
)
from credstack.units import format_percent, format_time


def _address(option: str, value: str) -> str:
    if problem := address_problem(value):
        raise CredstackError(f"{option} {value!r}: {problem}")
    return value


def tier_id_of(ctx: Context, memberships: Memberships, tier: str) -> int:
    """A tier named by catalog slug (recorded by `catalog apply`), id, or its
    name on chain; a CredstackError listing the known tiers otherwise."""
    known = ctx.deployment.tier_ids
    if tier in known:
        return known[tier]
    if tier.isdigit():
        memberships.rules(int(tier))  # raises for an unknown id
        return int(tier)
    named = [t.tier_id for t in memberships.tiers() if t.name == tier]
    if len(named) == 1:
        return named[0]
    listed = ", ".join(sorted(known)) or "none recorded; run `ape run catalog apply` first"
    raise CredstackError(f"unknown tier '{tier}' (known: {listed})")


def describe(memberships: Memberships, record: Membership, now: int) -> dict[str, Any]:
    """A membership as a document: tier, validity, expiry, when it may be
    renewed, its parts and their status now."""
    rules = memberships.rules(record.tier_id)
    parts = memberships.registry.credentials(list(record.parts))
    renew_from = record.expires_at - rules.period // RENEW_TENTH
    start, end = record.period_bounds(rules.period, now)
    return {
        "membership_id": str(record.membership_id),
        "membership_id_hex": f"{record.membership_id:#x}",
        "tier_id": record.tier_id,
        "tier": memberships.tier_name(record.tier_id),
        "holder": record.holder,
        "valid": record.valid,
        "expired": now >= record.expires_at,
        "joined_at": record.joined_at,
        "expires_at": record.expires_at,
        "expires": format_time(record.expires_at),
        "renewable_from": format_time(renew_from),
        "renewable_now": now >= renew_from,
        "period": {
            "index": record.period_index(rules.period, now),
            "start": format_time(start),
            "end": format_time(end),
        },
        "parts": [
            {
                "token_id": p.token_id,
                "class_id": p.class_id,
                "score": format_percent(p.score),
                "status": p.status.name.lower() if p.holder == record.holder else "not held",
            }
            for p in parts
        ],
    }


def print_membership(doc: dict[str, Any]) -> None:
    out = console()
    state = "valid" if doc["valid"] else ("expired" if doc["expired"] else "not valid")
    out.print(
        f"{doc['tier']} (tier {doc['tier_id']}): {doc['holder']} is a member, {state}; "
        f"expires {doc['expires']}, renewable from {doc['renewable_from']}"
    )
    period = doc["period"]
    out.print(f"  period {period['index']}: {period['start']} to {period['end']}")
    for part in doc["parts"]:
        out.print(
            f"  part: token {part['token_id']} (class {part['class_id']}, {part['score']}%): "
            f"{part['status']}"
        )
    for perk in doc.get("perks", []):
        out.print(
            f"  perk {perk['name']}: {perk['remaining']} of {perk['allowance']} left this period"
        )


@credstack_group()
def cli() -> None:
    """Memberships: join a tier with credentials, its perks and offers."""


@cli.command()
@click.option("--tier", required=True, help="catalog slug, tier id or tier name")
@click.option("--holder", help="join for this learner (the tier's issuer or its delegate)")
@click.option(
    "--token",
    "tokens",
    type=click.IntRange(min=1),
    multiple=True,
    help="a qualifying credential (repeat; default: the wallet's best)",
)
@account_option()
@yes_option()
@pass_context
def join(
    ctx: Context, tier: str, holder: str | None, tokens: tuple[int, ...], account: Any, yes: bool
) -> None:
    """Join a tier (or renew: an expired membership, or one in the last tenth
    of its term) with credentials the learner holds: as the learner, or for
    --holder as the tier's issuer or its delegate, so the learner needs no
    gas."""
    holder = _address("--holder", holder) if holder else account.address
    memberships = ctx.memberships
    tier_id = tier_id_of(ctx, memberships, tier)
    token_ids = list(tokens) or None
    member = membership_id(tier_id, holder)
    existing = memberships.membership(member)
    now = chain_now()
    rules = memberships.rules(tier_id)
    renewing = existing is not None and (
        now >= existing.expires_at - rules.period // RENEW_TENTH and now < existing.expires_at
    )
    if renewing:
        parts = memberships.check_renew(member, token_ids, now)
        verb = "Renew"
    else:
        parts, _ = memberships.check_join(tier_id, holder, token_ids, now)
        verb = "Join" if existing is None else "Renew (expired)"
    if account.address.lower() != holder.lower():
        memberships.check_may_act(tier_id, account.address)
    confirm(
        f"{verb} tier {tier_id} for {holder} with tokens {', '.join(map(str, parts))} "
        f"from {account.address}?",
        yes,
    )
    if renewing:
        memberships.renew(member, account, parts)
    else:
        memberships.join(tier_id, holder, account, parts)
    record = memberships.membership(member)
    assert record is not None
    console().print(
        f"{verb.split()[0].lower()}ed: membership {member:#x} of tier {tier_id} for {holder}, "
        f"valid until {format_time(record.expires_at)}"
    )


@cli.command()
@click.option("--holder", required=True, help="the learner's wallet")
@click.option("--tier", help="catalog slug, tier id or name (default: every tier)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@pass_context
def status(ctx: Context, holder: str, tier: str | None, as_json: bool) -> None:
    """HOLDER's memberships (valid or not, why, when they expire and may be
    renewed, what is left of each perk this period); for a tier they do not
    belong to, whether they qualify."""
    holder = _address("--holder", holder)
    memberships = ctx.memberships
    now = chain_now()
    if tier is not None:
        tier_ids = [tier_id_of(ctx, memberships, tier)]
    else:
        tier_ids = [t.tier_id for t in memberships.tiers()]
    held = ctx.registry.held(holder)
    docs: list[dict[str, Any]] = []
    for tier_id in tier_ids:
        record = memberships.membership(membership_id(tier_id, holder))
        if record is not None:
            doc = describe(memberships, record, now)
            doc["member"] = True
            doc["perks"] = memberships_perks(memberships, record, now)
        else:
            parts = memberships.candidate_parts(tier_id, holder, held)
            missing = memberships.missing(tier_id, parts)
            doc = {
                "tier_id": tier_id,
                "tier": memberships.tier_name(tier_id),
                "holder": holder,
                "member": False,
                "qualifies": not missing,
                "parts": [p.token_id for p in parts],
                "missing": missing,
            }
        docs.append(doc)
    if as_json:
        click.echo(json.dumps(docs if tier is None else docs[0], indent=2))
        return
    out = console()
    if not docs:
        out.print("no tiers on this membership contract")
    for doc in docs:
        if doc["member"]:
            print_membership(doc)
        elif doc["qualifies"]:
            tokens = ", ".join(map(str, doc["parts"]))
            out.print(
                f"{doc['tier']} (tier {doc['tier_id']}): {holder} is not a member; qualifies "
                f"with tokens {tokens} (`ape run membership join`)"
            )
        else:
            out.print(
                f"{doc['tier']} (tier {doc['tier_id']}): {holder} is not a member and does not "
                f"qualify: {'; '.join(doc['missing'])}"
            )


def memberships_perks(
    memberships: Memberships, record: Membership, now: int
) -> list[dict[str, Any]]:
    """Each perk of the membership's tier with its allowance, what is used
    this period and what is left (0 while the membership is not valid)."""
    found = []
    for perk in memberships.perks(record.tier_id):
        used = memberships.used(record, perk, now)
        found.append(
            {
                "perk_id": perk.perk_id,
                "name": perk.name,
                "allowance": perk.allowance,
                "used": used,
                "remaining": max(0, perk.allowance - used) if record.valid else 0,
            }
        )
    return found
