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


def _signature(text: str) -> bytes:
    body = text.removeprefix("0x")
    if len(body) != 130:
        raise CredstackError(f"--signature {text!r}: expected 0x + 130 hex digits (65 bytes)")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise CredstackError(f"--signature {text!r}: not hex") from None


def _quantity(value: int) -> int:
    if value < 1:
        raise CredstackError(f"--quantity {value}: at least 1")
    return value


@cli.command()
@click.option("--tier", required=True, help="catalog slug, tier id or tier name")
@click.option("--perk", required=True, help="the perk's name or id")
@click.option("--quantity", type=int, default=1, show_default=True, help="units to redeem")
@click.option("--ref", required=True, help="a reference (a booking number: it is hashed)")
@click.option(
    "--provider",
    "provider_address",
    required=True,
    help="the provider who will send the redemption",
)
@click.option(
    "--valid", default="24h", show_default=True, help="how long the signature is accepted (48h, 2d)"
)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@account_option()
@pass_context
def sign(
    ctx: Context,
    tier: str,
    perk: str,
    quantity: int,
    ref: str,
    provider_address: str,
    valid: str,
    as_json: bool,
    account: Any,
) -> None:
    """As the member, sign a redemption for a provider to send (EIP-712): the
    member pays no gas. Prints the signature and its deadline to hand over;
    sends nothing."""
    from credstack.membership import parse_ref, sign_typed_data
    from credstack.units import parse_duration

    # (ape's connected command hands a parameter named `provider` the
    # network's provider.)
    provider = _address("--provider", provider_address)
    quantity = _quantity(quantity)
    try:
        seconds = parse_duration(valid)
    except ValueError as err:
        raise CredstackError(f"--valid {valid!r}: {err}") from None
    ref_hash = parse_ref(ref)
    memberships = ctx.memberships
    tier_id = tier_id_of(ctx, memberships, tier)
    the_perk = memberships.perk_of(tier_id, perk)
    member = membership_id(tier_id, account.address)
    memberships.check_redeem(member, the_perk, quantity)
    if not memberships.contract.is_provider(tier_id, provider):
        raise CredstackError(f"{provider} is not a registered provider of tier {tier_id}")
    deadline = chain_now() + seconds
    typed = memberships.redeem_message(member, the_perk, quantity, ref_hash, provider, deadline)
    signature = sign_typed_data(account, typed)
    doc = {
        "membership_id": str(member),
        "tier_id": tier_id,
        "perk": the_perk.name,
        "perk_id": the_perk.perk_id,
        "quantity": quantity,
        "ref": "0x" + ref_hash.hex(),
        "provider": provider,
        "nonce": typed["message"]["nonce"],
        "deadline": deadline,
        "signature": "0x" + signature.hex(),
    }
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    out = console()
    out.print(
        f"signed for {provider}: {quantity} x {the_perk.name} (tier {tier_id}), valid until "
        f"{format_time(deadline)}, nonce {doc['nonce']}"
    )
    out.print(f"signature {doc['signature']}")
    out.print(
        f"the provider runs: ape run membership redeem --tier {tier_id} --perk {the_perk.perk_id} "
        f"--quantity {quantity} --ref {doc['ref']} --holder {account.address} "
        f"--deadline {deadline} --signature {doc['signature']}"
    )


@cli.command()
@click.option("--tier", required=True, help="catalog slug, tier id or tier name")
@click.option("--perk", required=True, help="the perk's name or id")
@click.option("--quantity", type=int, default=1, show_default=True, help="units to redeem")
@click.option("--ref", required=True, help="a reference (hashed; or 0x + 64 hex as signed)")
@click.option("--holder", help="as a provider: the member (with --signature and --deadline)")
@click.option("--signature", help="the member's signature (`ape run membership sign`)")
@click.option("--deadline", type=click.IntRange(min=0), help="the signature's deadline")
@account_option()
@yes_option()
@pass_context
def redeem(
    ctx: Context,
    tier: str,
    perk: str,
    quantity: int,
    ref: str,
    holder: str | None,
    signature: str | None,
    deadline: int | None,
    account: Any,
    yes: bool,
) -> None:
    """Redeem units of a perk: as the member, or as a registered provider
    with the member's signature (--holder, --signature, --deadline)."""
    from credstack.membership import parse_ref

    by_provider = holder is not None or signature is not None or deadline is not None
    if by_provider and (holder is None or signature is None or deadline is None):
        raise CredstackError("--holder, --signature and --deadline go together (a provider's run)")
    quantity = _quantity(quantity)
    member_address = _address("--holder", holder) if holder else account.address
    signed = _signature(signature) if signature else None
    ref_hash = parse_ref(ref)
    memberships = ctx.memberships
    tier_id = tier_id_of(ctx, memberships, tier)
    the_perk = memberships.perk_of(tier_id, perk)
    member = membership_id(tier_id, member_address)
    record = memberships.check_redeem(member, the_perk, quantity)
    if signed is not None:
        assert deadline is not None
        memberships.check_signature(
            member, the_perk, quantity, ref_hash, account.address, deadline, signed
        )
    elif account.address.lower() != record.holder.lower():
        raise CredstackError(
            f"{account.address} is not the member of tier {tier_id}: a provider redeems with "
            "--holder, --signature and --deadline (`ape run membership sign`)"
        )
    confirm(
        f"Redeem {quantity} x {the_perk.name} for {member_address} from {account.address}?", yes
    )
    memberships.redeem(member, the_perk, quantity, ref_hash, account, deadline, signed)
    left = the_perk.allowance - memberships.used(record, the_perk, chain_now())
    console().print(
        f"redeemed: {quantity} x {the_perk.name} for {member_address} (tier {tier_id}); "
        f"{left} of {the_perk.allowance} left this period"
    )


def offer_id_of(ctx: Context, memberships: Memberships, offer: str) -> int:
    """An offer named by catalog slug (recorded by `catalog apply`) or id."""
    known = ctx.deployment.offer_ids
    if offer in known:
        return known[offer]
    if offer.isdigit():
        return int(offer)
    listed = ", ".join(sorted(known)) or "none recorded; run `ape run catalog apply` first"
    raise CredstackError(f"unknown offer '{offer}' (known: {listed})")


@cli.command()
@click.option("--tier", help="catalog slug, tier id or name (default: every tier)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@pass_context
def offers(ctx: Context, tier: str | None, as_json: bool) -> None:
    """The offers: tier, perk a booking uses, pass class accepted, provider,
    seats taken and left."""
    memberships = ctx.memberships
    tier_id = tier_id_of(ctx, memberships, tier) if tier is not None else None
    slugs = {v: k for k, v in ctx.deployment.offer_ids.items()}
    perks = {p.perk_id: p.name for p in memberships.perks()}
    docs: list[dict[str, Any]] = []
    for offer in memberships.offers(tier_id):
        taken = int(memberships.contract.offer(offer.offer_id).taken)
        pass_name = ctx.registry.class_info(offer.pass_class).name if offer.pass_class else None
        docs.append(
            {
                "offer_id": offer.offer_id,
                "slug": slugs.get(offer.offer_id),
                "tier_id": offer.tier_id,
                "tier": memberships.tier_name(offer.tier_id),
                "perk_id": offer.perk_id or None,
                "perk": perks.get(offer.perk_id),
                "pass_class": offer.pass_class or None,
                "pass": pass_name,
                "provider": offer.provider,
                "capacity": offer.capacity,
                "taken": taken,
                "seats_left": offer.capacity - taken,
            }
        )
    if as_json:
        click.echo(json.dumps(docs, indent=2))
        return
    out = console()
    if not docs:
        out.print("no offers")
    for doc in docs:
        takes = [f"a booking uses 1 {doc['perk']}" if doc["perk"] else "a booking"]
        if doc["pass"]:
            takes.append(f"a {doc['pass']} pass (class {doc['pass_class']}) is redeemed")
        name = f" {doc['slug']}" if doc["slug"] else ""
        out.print(
            f"offer {doc['offer_id']}{name} "
            f"({doc['tier']}, tier {doc['tier_id']}): {doc['seats_left']} of {doc['capacity']} "
            f"seats left; {' or '.join(takes)}; provider {doc['provider']}"
        )


@cli.command()
@click.option("--offer", required=True, help="catalog slug or offer id")
@click.option("--ref", required=True, help="a reference (hashed; or 0x + 64 hex)")
@account_option()
@yes_option()
@pass_context
def book(ctx: Context, offer: str, ref: str, account: Any, yes: bool) -> None:
    """Book a seat at an offer as a member (one seat each; a unit of the
    offer's perk if it names one)."""
    from credstack.membership import parse_ref

    ref_hash = parse_ref(ref)
    memberships = ctx.memberships
    offer_id = offer_id_of(ctx, memberships, offer)
    memberships.check_book(offer_id, account.address)
    confirm(f"Book a seat at offer {offer_id} for {account.address}?", yes)
    memberships.book(offer_id, ref_hash, account)
    found, taken = memberships.offer_taken(offer_id)
    console().print(
        f"booked: offer {offer_id} for {account.address}; {found.capacity - taken} of "
        f"{found.capacity} seats left"
    )


@cli.command("pass")
@click.option("--offer", required=True, help="catalog slug or offer id")
@click.option("--token", "token_id", required=True, type=click.IntRange(min=1), help="the pass")
@account_option()
@yes_option()
@pass_context
def pass_(ctx: Context, offer: str, token_id: int, account: Any, yes: bool) -> None:
    """Redeem a pass at an offer: it is sent to the membership contract
    (safeTransferFrom, the offer id as data), takes a seat and is burned."""
    memberships = ctx.memberships
    offer_id = offer_id_of(ctx, memberships, offer)
    memberships.check_pass(offer_id, token_id, account.address)
    confirm(f"Redeem pass {token_id} at offer {offer_id} (it is burned)?", yes)
    memberships.redeem_pass(offer_id, token_id, account)
    found, taken = memberships.offer_taken(offer_id)
    console().print(
        f"redeemed: pass {token_id} at offer {offer_id}; {found.capacity - taken} of "
        f"{found.capacity} seats left"
    )
