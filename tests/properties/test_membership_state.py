"""Stateful property test of memberships: issuers, learners, a delegate,
providers, governance and a stranger drive `Membership.vy` over the
registry whose credentials earn it; a Python model
(``membership_model.py``) predicts every outcome, and the chain must agree
after every step.

Every example starts from a tier of ISSUER_A's with a perk and a provider,
credentials for the three learners, and the first learner a member. Besides
the rules that try anything (right and wrong callers, tokens and
signatures), two aim at the success paths that the state rarely allows by
chance: `join_qualified` (a learner who qualifies joins, or is joined for)
and `use_perk` (a valid membership uses a perk: one unit, what is left, or
one more).

Rules: the registry's side (credentials of three classes issued to
learners, revoked, suspended, reinstated, burned by their holder, renewed;
the pause; an issuer's role removed and given back) and the membership's
(tiers with k-of-n groups and minimum scores, in and out of bounds, by an
issuer or by governance for one; opened and closed; perks with allowances;
providers; join and join_for with qualifying, partial, foreign, unordered,
repeated or unknown credentials; renew before and inside the renewal window
and after expiry; redeem by the member and redeem_for by a provider with the
member's EIP-712 signature, good, replayed, expired, foreign, altered or malleable;
quantities over the allowance; offers with capacity, perk and pass class, in
and out of bounds, and bookings (one per membership, a unit of the perk);
passes (two transferable classes; a pass offer of two seats and a pass for
each learner in the set-up) sold on with `transferFrom` or
`safeTransferFrom`, sent to the contract with `safeTransferFrom` and an
offer id (the pass's offer, any offer, no data, 31 or 33 bytes; `redeem_pass`
aims at the success path) or with plain `transferFrom` (kept, no seat;
governance returns it); transfers and approvals of the soulbound token). Time moves by seconds to
months and lands on (or a second before) expiries, renewal windows and
period boundaries of memberships and credentials.

Checked:
- every call reverts exactly when the model says, with its exact message,
  and a refused call changes nothing;
- never more units redeemed than the allowance in a period (per membership,
  perk and period, over the whole history), and the chain's `used`
  and `period_of` agree with the model;
- no membership is minted or renewed without credentials valid at that
  moment (read from the registry, not the model);
- no perk is redeemed while the membership is expired or any of its
  credentials is revoked, suspended, burned or expired (read from the
  registry);
- `is_valid`, `expiresAt`, `isRenewable`, the membership record, balances
  and nonces match the model; the token is soulbound;
- an offer never has more seats taken than its capacity, nor a membership
  two seats; every offer's `taken` equals the model's after every step, and
  the offer record and `booked` match the model;
- a redeemed pass is burned (status burned, `ownerOf` reverts), held by the
  contract as its last holder, and cannot be sent again; every pass's
  holder and status match the model after every step;
- the events of every join, renewal, redemption and booking, field by field
  (Transfer, Locked and Joined for a mint; Renewed for a renewal or a join
  of an expired membership; SubscriptionUpdate; PerkRedeemed with the
  period index; Transfer, Transfer, CredentialBurned and PassRedeemed for
  a redeemed pass, Transfer alone for one sent with `transferFrom`).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import boa
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from credstack.membership import redeem_typed_data
from credstack.registry import Status
from tests.constants import EVIDENCE, ZERO_ADDRESS
from tests.properties.machine import ChainMachine
from tests.properties.membership_model import (
    ACTOR_COUNT,
    ADMIN,
    CLASS_ISSUER,
    CLASS_VALIDITY,
    CONTRACT,
    DAY,
    DELEGATE,
    GUARDIAN,
    ISSUER_A,
    ISSUER_B,
    LEARNERS,
    MAX_PERIOD,
    PART_CLASSES,
    PASS,
    PROVIDER,
    PYTHON,
    SQL,
    STATS,
    STRANGER,
    TICKET,
    TRANSFERABLE,
    U32,
    ZERO,
    Model,
)

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
REGISTRY = boa.load_partial(str(CONTRACTS / "CredentialRegistry.vy"))
RENDERER = boa.load_partial(str(CONTRACTS / "CredentialRenderer.vy"))
MEMBERSHIP = boa.load_partial(str(CONTRACTS / "Membership.vy"))

actors = st.integers(0, ACTOR_COUNT - 1)
# Hypothesis leans to the first: a month, so that memberships live a while.
PERIODS = [30 * DAY, 7 * DAY, DAY, 90 * DAY]
SCORES = [9_000, 5_000, 4_999, 8_000, 7_999, 0, 10_000]
MIN_SCORES = [0, 5_000, 8_000]
ALLOWANCES = [1, 2, 3, 5]
# Providers a tier may name (anyone may try to send a redemption).
PROVIDERS = [PROVIDER, STRANGER, DELEGATE, LEARNERS[0]]


SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def malleable(signature: bytes) -> bytes:
    """The other valid form of a signature: s -> n - s, v flipped."""
    s = int.from_bytes(signature[32:64], "big")
    v = 27 + 28 - signature[64]
    return signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([v])


class World:
    """The registry (governance as admin, a guardian, two issuers, ISSUER_A's
    delegate), its classes, and the membership contract, deployed once;
    every example rolls the chain back to here. The actors have known keys,
    so that members sign their redemptions."""

    def __init__(self) -> None:
        self.keys = [keccak(f"membership actor {i}".encode()) for i in range(ACTOR_COUNT)]
        self.addresses = [Account.from_key(k).address for k in self.keys]
        a = self.addresses
        renderer = RENDERER.deploy()
        self.registry = REGISTRY.deploy(
            "credstack", "CRED", a[ADMIN], renderer.address, a[GUARDIAN]
        )
        self.issuer_role = self.registry.ISSUER_ROLE()
        with boa.env.prank(a[ADMIN]):
            self.registry.grantRole(self.issuer_role, a[ISSUER_A])
            self.registry.grantRole(self.issuer_role, a[ISSUER_B])
        with boa.env.prank(a[ISSUER_A]):
            self.registry.set_delegate(a[DELEGATE], True)
        for class_id in (SQL, STATS, PYTHON, PASS, TICKET):
            with boa.env.prank(a[CLASS_ISSUER[class_id]]):
                created = self.registry.create_class(
                    f"class {class_id}",
                    "",
                    class_id in TRANSFERABLE,
                    True,
                    CLASS_VALIDITY[class_id],
                    0,
                )
            assert created == class_id
        self.membership = MEMBERSHIP.deploy(self.registry.address)
        self.chain_id = boa.env.evm.patch.chain_id


WORLD = World()


class MembershipMachine(ChainMachine):
    actors = actors

    def __init__(self) -> None:
        super().__init__()
        self.addr = WORLD.addresses
        self.reg = WORLD.registry
        self.mem = WORLD.membership
        self.m = Model()
        # Memberships a step acted on (checked in full after it).
        self.touched: set[tuple[int, int]] = set()
        # A member's last accepted redemption by signature: (args, sig).
        self.last_signed: dict[int, tuple[Any, ...]] = {}

    def address(self, actor: int) -> str:
        if actor == CONTRACT:
            return str(self.mem.address)
        return ZERO_ADDRESS if actor == ZERO else self.addr[actor]

    def mid(self, tier_id: int, holder: int) -> int:
        return tier_id << 160 | int(self.address(holder), 16)

    def digest(self) -> Any:
        """What a refused call must leave alone, besides what `chain_agrees`
        compares with the model after every step."""
        return (
            self.mem.tier_count(),
            self.mem.perk_count(),
            self.mem.offer_count(),
            [tuple(self.mem.offer(i)) for i in self.m.offers],
        )

    def check_at_end(self) -> None:
        self.check_memberships(list(self.m.memberships), full=True)
        for actor in LEARNERS:
            self.check_account(actor)

    # helpers #

    def pick_tier(self, data: st.DataObject) -> int:
        """Mostly a known tier; now and then one never created."""
        if self.m.tiers and data.draw(st.integers(0, 9), label="unknown tier") < 9:
            return data.draw(st.sampled_from(sorted(self.m.tiers)), label="tier")
        return len(self.m.tiers) + 1

    def pick_membership(self, data: st.DataObject) -> tuple[int, int]:
        """Mostly a membership valid now, if any; else any known one, or
        now and then a learner's in any tier (unknown, most often)."""
        now = self.now
        valid = [k for k in sorted(self.m.memberships) if self.m.valid(*k, now)]
        how = data.draw(st.integers(0, 7), label="which membership")
        if valid and how < 5:
            return data.draw(st.sampled_from(valid), label="membership")
        if self.m.memberships and how < 7:
            return data.draw(st.sampled_from(sorted(self.m.memberships)), label="membership")
        return self.pick_tier(data), data.draw(st.sampled_from(LEARNERS), label="holder")

    def pick_tokens(self, data: st.DataObject, tier_id: int, holder: int) -> list[int]:
        """Mostly credentials that qualify now, if the holder has them, or
        all the holder's valid ones of the tier's classes (more than three
        parts are stored in a second word); else some of the holder's (any
        status), any tokens, or a list out of order, with a repeat, with an
        unknown id, or starting with id 0."""
        now = self.now
        how = data.draw(
            st.sampled_from(
                ["qualifying"] * 3 + ["all", "own", "any", "unordered", "repeat", "unknown", "zero"]
            ),
            label="tokens",
        )
        qualifying = self.m.qualifying(tier_id, holder, now)
        if how == "qualifying" and qualifying is not None:
            return qualifying
        own = sorted(i for i, t in self.m.tokens.items() if t.holder == holder)
        tier = self.m.tiers.get(tier_id)
        if how == "all" and tier is not None:
            return self.m.all_parts(tier_id, holder, now)
        pool = own if how == "own" or not self.m.tokens else sorted(self.m.tokens)
        tokens = sorted(
            data.draw(st.lists(st.sampled_from(pool), max_size=3, unique=True), label="some")
            if pool
            else []
        )
        if how == "unordered" and len(tokens) >= 2:
            tokens = tokens[::-1]
        elif how == "repeat" and tokens:
            tokens = [*tokens, tokens[-1]]
        elif how == "unknown":
            tokens = [*tokens, len(self.m.tokens) + 1]
        elif how == "zero":
            # Token ids start at 1: the contract reads a leading 0 as a
            # repeat of the start value ("token used twice").
            tokens = [0, *tokens]
        return tokens

    def operator(self, data: st.DataObject, tier_id: int) -> int:
        return self.pick_actor(data, self.m.operators(tier_id))

    # set-up: every example starts with a tier, a perk, a provider and
    # credentials, so that the steps act on live memberships early.

    @initialize(
        period=st.sampled_from(PERIODS),
        allowance=st.sampled_from(ALLOWANCES),
        cross=st.booleans(),
        scores=st.lists(st.sampled_from(SCORES), min_size=3, max_size=3),
    )
    def seed(self, period: int, allowance: int, cross: bool, scores: list[int]) -> None:
        """ISSUER_A's tier (with a perk, a provider and an offer of two
        seats): one of SQL (at least 50%) or Statistics, and,
        with `cross`, ISSUER_B's Python (at least 80%) too. The learners
        hold credentials of those classes with the given scores."""
        options = [(SQL, 5_000, 0), (STATS, 0, 0)]
        required = [1]
        if cross:
            options.append((PYTHON, 8_000, 1))
            required.append(1)
        tier_id = self.call(ISSUER_A, None, self.mem.create_tier, "seed", period, required, options)
        assert tier_id == self.m.record_tier(ISSUER_A, period, required, options)
        perk_id = self.call(ISSUER_A, None, self.mem.add_perk, tier_id, "sessions", allowance)
        assert perk_id == self.m.record_perk(tier_id, allowance)
        self.call(ISSUER_A, None, self.mem.set_provider, tier_id, self.addr[PROVIDER], True)
        self.m.providers.add((tier_id, PROVIDER))
        # An offer of two seats, each booking a unit of the perk.
        args = (tier_id, perk_id, 0, 2, self.addr[PROVIDER])
        offer_id = self.call(ISSUER_A, None, self.mem.create_offer, *args)
        assert offer_id == self.m.record_offer(tier_id, perk_id, 0, 2, PROVIDER)
        # And an offer of two seats for passes of the PASS class.
        args = (tier_id, 0, PASS, 2, self.addr[PROVIDER])
        offer_id = self.call(ISSUER_A, None, self.mem.create_offer, *args)
        assert offer_id == self.m.record_offer(tier_id, 0, PASS, 2, PROVIDER)
        for learner, class_id, score in zip(LEARNERS, (SQL, PYTHON, SQL), scores, strict=True):
            self.issue_as(class_id, learner, score)
        self.issue_as(PYTHON, LEARNERS[0], 9_000)
        self.issue_as(STATS, LEARNERS[0], 0)
        # Two more of a class: five valid parts for the first learner, so
        # that a join with all of them stores parts beyond the first word.
        self.issue_as(SQL, LEARNERS[0], 9_000)
        self.issue_as(SQL, LEARNERS[0], 8_000)
        self.issue_as(STATS, LEARNERS[1], 0)
        self.issue_as(STATS, LEARNERS[2], 0)
        # A pass each: one more than the pass offer's seats; the first
        # learner's is redeemed at once (one seat left, then the offer full).
        for learner in LEARNERS:
            self.issue_as(PASS, learner, 0)
        self.send(LEARNERS[0], len(self.m.tokens) - 2, LEARNERS[0], offer_id, "redeem")
        # The first learner is a member from the start (joined for them by
        # the issuer); the others join in the steps.
        holder = LEARNERS[0]
        tokens = self.m.qualifying(tier_id, holder, self.now)
        if tokens is not None:
            self.call(ISSUER_A, None, self.mem.join_for, tier_id, self.addr[holder], tokens)
            self.m.record_join(tier_id, holder, tokens, self.now)

    def issue_as(self, class_id: int, holder: int, score: int) -> None:
        token_id = self.call(
            CLASS_ISSUER[class_id],
            None,
            self.reg.issue,
            class_id,
            self.addr[holder],
            score,
            EVIDENCE,
        )
        assert token_id == self.m.issue(class_id, holder, score, self.now)

    # rules: the registry #

    @precondition(lambda self: not self.m.paused and len(self.m.tokens) < 19)
    @rule(
        class_id=st.sampled_from([*PART_CLASSES, PASS, TICKET]),
        holder=st.sampled_from(LEARNERS),
        score=st.sampled_from(SCORES),
    )
    def issue(self, class_id: int, holder: int, score: int) -> None:
        if CLASS_ISSUER[class_id] in self.m.issuers:
            self.issue_as(class_id, holder, score)

    def pick_token(self, data: st.DataObject, stored: tuple[int, ...]) -> int | None:
        """A credential stored in one of `stored`, held by an actor (not the
        membership contract), whose class issuer still holds the role (the
        registry's own machine tests its refusals)."""
        pool = [
            i
            for i, t in self.m.tokens.items()
            if t.stored in stored
            and CLASS_ISSUER[t.class_id] in self.m.issuers
            and t.holder != CONTRACT
        ]
        return data.draw(st.sampled_from(pool), label="token") if pool else None

    @precondition(lambda self: not self.m.paused)
    # Lifting a suspension and renewing first (Hypothesis leans to the
    # first), so that not every membership is soon invalid for good.
    @rule(
        data=st.data(),
        what=st.sampled_from(["reinstate", "renew", "suspend", "reinstate", "revoke", "burn"]),
    )
    def change_credential(self, data: st.DataObject, what: str) -> None:
        """Suspends, reinstates, revokes, burns (its holder) or renews (a new
        expiry, maybe sooner) a credential."""
        stored = {
            "suspend": (Status.ACTIVE,),
            "reinstate": (Status.SUSPENDED,),
            "revoke": (Status.ACTIVE, Status.SUSPENDED, Status.BURNED),
            "burn": (Status.ACTIVE,),
            "renew": (Status.ACTIVE, Status.SUSPENDED),
        }[what]
        token_id = self.pick_token(data, stored)
        if token_id is None:
            return
        token = self.m.tokens[token_id]
        issuer = CLASS_ISSUER[token.class_id]
        if what == "suspend":
            self.call(issuer, None, self.reg.suspend, token_id)
            token.stored = Status.SUSPENDED
        elif what == "reinstate":
            self.call(issuer, None, self.reg.reinstate, token_id)
            token.stored = Status.ACTIVE
        elif what == "revoke":
            self.call(issuer, None, self.reg.revoke, token_id, "why")
            token.stored = Status.REVOKED
        elif what == "burn":
            self.call(token.holder, None, self.reg.burn, token_id)
            token.stored = Status.BURNED
        else:
            ahead = data.draw(st.sampled_from([DAY, 1, 60 * DAY]), label="renew for")
            self.call(issuer, None, self.reg.renew, token_id, self.now + ahead)
            token.expires_at = self.now + ahead

    @rule(data=st.data())
    def pause_or_unpause(self, data: st.DataObject) -> None:
        """The guardian pauses (one time in four, so that most steps run
        unpaused); governance unpauses."""
        # Hypothesis leans to 0: the rare choice is the largest.
        if not self.m.paused and data.draw(st.integers(0, 3), label="pause") != 3:
            return
        if self.m.paused:
            self.call(ADMIN, None, self.reg.unpause)
        else:
            self.call(GUARDIAN, None, self.reg.pause)
        self.m.paused = not self.m.paused

    @rule(data=st.data())
    def toggle_issuer_b(self, data: st.DataObject) -> None:
        """Governance removes ISSUER_B's role (one time in four), or gives
        it back."""
        held = ISSUER_B in self.m.issuers
        if held and data.draw(st.integers(0, 3), label="remove") != 3:
            return
        fn = self.reg.revokeRole if held else self.reg.grantRole
        self.call(ADMIN, None, fn, WORLD.issuer_role, self.addr[ISSUER_B])
        if held:
            self.m.issuers.discard(ISSUER_B)
        else:
            self.m.issuers.add(ISSUER_B)

    # rules: tiers, perks, providers #

    @precondition(lambda self: len(self.m.tiers) < 4)
    @rule(
        data=st.data(),
        period=st.sampled_from([*PERIODS, DAY - 1, MAX_PERIOD, MAX_PERIOD + 1]),
        classes=st.permutations([SQL, STATS, PYTHON]),
        size=st.integers(1, 3),
        groups=st.integers(1, 2),
        bad=st.sampled_from(
            [None] * 5
            + ["no groups", "bad group", "score", "transferable", "twice", "zero", "too many"]
        ),
    )
    def create_tier(
        self,
        data: st.DataObject,
        period: int,
        classes: list[int],
        size: int,
        groups: int,
        bad: str | None,
    ) -> None:
        """k-of-n groups over some of the classes, by an issuer or by
        governance for one; `bad` breaks one rule."""
        groups = min(groups, size)
        options = [
            (c, data.draw(st.sampled_from(MIN_SCORES), label="min"), i % groups)
            for i, c in enumerate(classes[:size])
        ]
        per_group = [sum(1 for o in options if o[2] == g) for g in range(groups)]
        required = [data.draw(st.integers(1, n), label="k") for n in per_group]
        if bad == "no groups":
            required = []
        elif bad == "bad group":
            options[-1] = (options[-1][0], options[-1][1], groups)
        elif bad == "score":
            options[0] = (options[0][0], 10_001, options[0][2])
        elif bad == "transferable":
            options.append((PASS, 0, 0))
        elif bad == "twice":
            options.append(options[0])
        elif bad == "zero":
            required[-1] = 0
        elif bad == "too many":
            required[-1] = per_group[-1] + 1
        by_governance = data.draw(st.booleans(), label="by governance")
        if by_governance:
            actor = self.pick_actor(data, [ADMIN])
            issuer = data.draw(st.sampled_from([ISSUER_A, ISSUER_B, STRANGER]), label="for")
            args: tuple[Any, ...] = (self.address(issuer), "t", period, required, options)
            fn = self.mem.create_tier_for
        else:
            actor = self.pick_actor(data, sorted(self.m.issuers))
            issuer = actor
            args = ("t", period, required, options)
            fn = self.mem.create_tier
        error = self.m.create_tier_error(actor, issuer, by_governance, period, required, options)
        tier_id = self.call(actor, error, fn, *args)
        if error is None:
            assert tier_id == self.m.record_tier(issuer, period, required, options)
            info = self.mem.tier(tier_id)
            assert (info.issuer, info.period, info.active) == (self.addr[issuer], period, True)
            assert list(info.required) == required
            assert [tuple(o) for o in info.options] == options

    @rule(data=st.data(), active=st.sampled_from([True, True, False]))
    def set_tier_active(self, data: st.DataObject, active: bool) -> None:
        tier_id = self.pick_tier(data)
        tier = self.m.tiers.get(tier_id)
        actor = self.pick_actor(data, [tier.issuer, ADMIN] if tier else [ADMIN])
        error = self.m.manager_error(actor, tier_id)
        self.call(actor, error, self.mem.set_tier_active, tier_id, active)
        if error is None:
            self.m.tiers[tier_id].active = active

    @precondition(lambda self: len(self.m.perks) < 6)
    @rule(data=st.data(), allowance=st.sampled_from([*ALLOWANCES, 0, U32, U32 + 1]))
    def add_perk(self, data: st.DataObject, allowance: int) -> None:
        tier_id = self.pick_tier(data)
        tier = self.m.tiers.get(tier_id)
        actor = self.pick_actor(data, [tier.issuer, ADMIN] if tier else [ADMIN])
        error = self.m.add_perk_error(actor, tier_id, allowance)
        perk_id = self.call(actor, error, self.mem.add_perk, tier_id, "p", allowance)
        if error is None:
            assert perk_id == self.m.record_perk(tier_id, allowance)
            assert tuple(self.mem.perk(perk_id)) == (tier_id, allowance, tier.period)

    @rule(data=st.data(), allowed=st.sampled_from([True, True, False]))
    def set_provider(self, data: st.DataObject, allowed: bool) -> None:
        tier_id = self.pick_tier(data)
        tier = self.m.tiers.get(tier_id)
        actor = self.pick_actor(data, [tier.issuer, ADMIN] if tier else [ADMIN])
        provider = data.draw(st.sampled_from([*PROVIDERS, ZERO]), label="provider")
        error = self.m.set_provider_error(actor, tier_id, provider)
        self.call(actor, error, self.mem.set_provider, tier_id, self.address(provider), allowed)
        if error is None:
            if allowed:
                self.m.providers.add((tier_id, provider))
            else:
                self.m.providers.discard((tier_id, provider))
        assert self.mem.is_provider(tier_id, self.address(provider)) == (
            (tier_id, provider) in self.m.providers
        )

    # rules: joins and renewals #

    @rule(data=st.data(), by_operator=st.booleans())
    def join(self, data: st.DataObject, by_operator: bool) -> None:
        """The learner joins, or the tier's issuer or delegate joins for
        them (or someone else tries)."""
        tier_id = self.pick_tier(data)
        holder = data.draw(st.sampled_from(LEARNERS), label="holder")
        tokens = self.pick_tokens(data, tier_id, holder)
        now = self.now
        if by_operator:
            actor = self.operator(data, tier_id)
            if data.draw(st.integers(0, 19), label="zero holder") == 19:
                holder = ZERO
            args: tuple[Any, ...] = (tier_id, self.address(holder), tokens)
            fn = self.mem.join_for
        else:
            actor = holder
            args = (tier_id, tokens)
            fn = self.mem.join
        error = self.m.join_error(actor, tier_id, holder, tokens, now, by_operator)
        membership_id = self.call(actor, error, fn, *args)
        if error is None:
            assert membership_id == self.mid(tier_id, holder)
            self.joined(tier_id, holder, tokens, now)

    def candidates(self) -> list[tuple[int, int]]:
        """(tier, learner) pairs where the learner qualifies now and is no
        member (or an expired one)."""
        now = self.now
        return [
            (tier_id, holder)
            for tier_id in self.m.tiers
            for holder in LEARNERS
            if self.m.qualifying(tier_id, holder, now) is not None
            and now >= getattr(self.m.memberships.get((tier_id, holder)), "expires_at", 0)
        ]

    @precondition(lambda self: not self.m.paused and bool(self.candidates()))
    @rule(data=st.data(), by_operator=st.booleans())
    def join_qualified(self, data: st.DataObject, by_operator: bool) -> None:
        """A learner who qualifies joins (or renews an expired membership so),
        or the tier's issuer or delegate joins for them: the model must
        agree it succeeds."""
        tier_id, holder = data.draw(st.sampled_from(self.candidates()), label="who")
        tokens = self.m.qualifying(tier_id, holder, self.now)
        assert tokens is not None
        if data.draw(st.booleans(), label="all parts"):
            tokens = self.m.all_parts(tier_id, holder, self.now)
        tier = self.m.tiers[tier_id]
        actor = holder
        if by_operator:
            actor = data.draw(st.sampled_from(self.m.operators(tier_id)), label="operator")
        error = self.m.join_error(actor, tier_id, holder, tokens, self.now, by_operator)
        if error is None:
            assert tier.active and tier.issuer in self.m.issuers
        if by_operator:
            args: tuple[Any, ...] = (tier_id, self.addr[holder], tokens)
            self.call(actor, error, self.mem.join_for, *args)
        else:
            self.call(actor, error, self.mem.join, tier_id, tokens)
        if error is None:
            self.joined(tier_id, holder, tokens, self.now)

    @precondition(lambda self: bool(self.m.memberships))
    @rule(data=st.data(), wait=st.sampled_from([None, None, "window", "window - 1", "expiry"]))
    def renew(self, data: st.DataObject, wait: str | None) -> None:
        """The holder, or the tier's issuer or delegate, renews; often after
        moving to the renewal window (or a second before) or the expiry."""
        tier_id, holder = self.pick_membership(data)
        m = self.m.memberships.get((tier_id, holder))
        if m is not None and wait is not None:
            window = m.expires_at - self.m.tiers[tier_id].period // 10
            at = {"window": window, "window - 1": window - 1, "expiry": m.expires_at}[wait]
            if at > self.now:
                boa.env.timestamp = at
        tokens = self.pick_tokens(data, tier_id, holder)
        actor = self.pick_actor(data, [holder, *self.m.operators(tier_id)])
        now = self.now
        error = self.m.renew_error(actor, tier_id, holder, tokens, now)
        self.call(actor, error, self.mem.renew, self.mid(tier_id, holder), tokens)
        if error is None:
            self.joined(tier_id, holder, tokens, now, renew=True)

    def joined(
        self, tier_id: int, holder: int, tokens: list[int], now: int, renew: bool = False
    ) -> None:
        """After a join or renewal: its events (a mint's Transfer, Locked and
        Joined, or Renewed for a renewal or a join of an expired membership;
        SubscriptionUpdate), the credentials valid now, and the model."""
        events = [(type(e).__name__, e) for e in self.mem.get_logs()]
        self.assert_parts_valid(holder, tokens)
        if renew:
            self.m.record_renew(tier_id, holder, tokens, now)
            minted = False
        else:
            minted = self.m.record_join(tier_id, holder, tokens, now)
        membership_id = self.mid(tier_id, holder)
        expires_at = self.m.memberships[(tier_id, holder)].expires_at
        names = ["Transfer", "Locked", "Joined"] if minted else ["Renewed"]
        assert [n for n, _ in events] == [*names, "SubscriptionUpdate"]
        record = events[-2][1]
        assert (record.membership_id, record.tier_id, record.holder) == (
            membership_id,
            tier_id,
            self.addr[holder],
        )
        assert (record.expires_at, list(record.parts)) == (expires_at, tokens)
        update = events[-1][1]
        assert (update.tokenId, update.expiration) == (membership_id, expires_at)
        self.touched.add((tier_id, holder))

    def assert_parts_valid(self, holder: int, tokens: list[int]) -> None:
        """No membership without credentials valid now: asked of the
        registry itself, not the model."""
        assert tokens
        for token_id in tokens:
            assert self.reg.is_valid(token_id)
            assert self.reg.ownerOf(token_id) == self.addr[holder]

    # rules: perks #

    def pick_perk(self, data: st.DataObject, tier_id: int) -> int:
        """Mostly one of the tier's perks; else any, or one never added."""
        own = [p for p, perk in self.m.perks.items() if perk.tier_id == tier_id]
        how = data.draw(st.integers(0, 9), label="which perk")
        if own and how < 8:
            return data.draw(st.sampled_from(own), label="perk")
        if self.m.perks and how < 9:
            return data.draw(st.sampled_from(sorted(self.m.perks)), label="perk")
        return len(self.m.perks) + 1

    def pick_quantity(self, data: st.DataObject, perk_id: int) -> int:
        perk = self.m.perks.get(perk_id)
        allowance = perk.allowance if perk else 1
        return data.draw(
            st.sampled_from([1, 2, 1, allowance, allowance + 1, 1, 0]), label="quantity"
        )

    @precondition(lambda self: bool(self.m.memberships))
    @rule(data=st.data())
    def redeem(self, data: st.DataObject) -> None:
        tier_id, holder = self.pick_membership(data)
        perk_id = self.pick_perk(data, tier_id)
        quantity = self.pick_quantity(data, perk_id)
        actor = self.pick_actor(data, [holder])
        ref = keccak(data.draw(st.binary(max_size=2), label="ref"))
        now = self.now
        error = self.m.redeem_error(actor, tier_id, holder, perk_id, quantity, now)
        self.call(actor, error, self.mem.redeem, self.mid(tier_id, holder), perk_id, quantity, ref)
        if error is None:
            self.redeemed(tier_id, holder, perk_id, quantity, now, ZERO, ref)

    def redeemed(
        self,
        tier_id: int,
        holder: int,
        perk_id: int,
        quantity: int,
        now: int,
        provider: int = ZERO,
        ref: bytes = b"",
    ) -> None:
        """After a redemption: its event, field by field (the period index
        the model computes); the membership was valid (asked of the
        registry); the allowance holds."""
        [event] = self.mem.get_logs()
        m = self.m.memberships[(tier_id, holder)]
        assert now < int(self.mem.expiresAt(self.mid(tier_id, holder)))
        for token_id in m.parts:
            assert self.reg.is_valid(token_id)
        index = self.m.record_use(tier_id, holder, perk_id, quantity, now)
        assert type(event).__name__ == "PerkRedeemed"
        assert (event.membership_id, event.perk_id, event.member, event.tier_id) == (
            self.mid(tier_id, holder),
            perk_id,
            self.addr[holder],
            tier_id,
        )
        assert (event.quantity, event.provider, event.ref, event.period) == (
            quantity,
            self.address(provider),
            ref,
            index,
        )
        assert self.mem.period_of(self.mid(tier_id, holder)) == index
        assert self.m.ledger[(tier_id, holder, perk_id, index)] <= self.m.perks[perk_id].allowance
        self.touched.add((tier_id, holder))

    def usable(self) -> list[tuple[int, int, int]]:
        """(tier, holder, perk) for each valid membership and each perk of
        its tier."""
        now = self.now
        return [
            (tier_id, holder, perk_id)
            for (tier_id, holder) in sorted(self.m.memberships)
            if self.m.valid(tier_id, holder, now)
            for perk_id, perk in self.m.perks.items()
            if perk.tier_id == tier_id
        ]

    @precondition(lambda self: not self.m.paused and bool(self.usable()))
    @rule(data=st.data(), by_signature=st.booleans(), more=st.sampled_from([0, 0, 1]))
    def use_perk(self, data: st.DataObject, by_signature: bool, more: int) -> None:
        """A valid membership uses a perk of its tier: one unit, or what is
        left of the period's allowance, or one more (refused); by the member
        or through a provider with the member's signature."""
        tier_id, holder, perk_id = data.draw(st.sampled_from(self.usable()), label="use")
        now = self.now
        left = self.m.perks[perk_id].allowance - self.m.used(tier_id, holder, perk_id, now)
        quantity = data.draw(st.sampled_from([1, max(left, 1)]), label="quantity") + more
        membership_id = self.mid(tier_id, holder)
        ref = keccak(b"use")
        registered = sorted(p for t, p in self.m.providers if t == tier_id)
        sender = ZERO
        if not by_signature or not registered:
            error = self.m.redeem_error(holder, tier_id, holder, perk_id, quantity, now)
            self.call(holder, error, self.mem.redeem, membership_id, perk_id, quantity, ref)
        else:
            provider = sender = data.draw(st.sampled_from(registered), label="provider")
            nonce, deadline = self.m.nonces.get(holder, 0), now + 60
            signature = self.sign(
                holder, membership_id, perk_id, quantity, ref, provider, nonce, deadline
            )
            signed = (holder, nonce, (tier_id, holder, perk_id, quantity, provider))
            error = self.m.redeem_for_error(
                provider, tier_id, holder, perk_id, quantity, deadline, *signed, now
            )
            args = (membership_id, perk_id, quantity, ref, deadline, signature)
            self.call(provider, error, self.mem.redeem_for, *args)
            if error is None:
                self.m.nonces[holder] = nonce + 1
                self.last_signed[holder] = (
                    tier_id,
                    perk_id,
                    quantity,
                    ref,
                    deadline,
                    provider,
                    signature,
                )
        assert (error is None) == (quantity <= left)
        if error is None:
            self.redeemed(tier_id, holder, perk_id, quantity, now, sender, ref)

    def sign(
        self,
        signer: int,
        membership_id: int,
        perk_id: int,
        quantity: int,
        ref: bytes,
        provider: int,
        nonce: int,
        deadline: int,
    ) -> bytes:
        """`signer`'s EIP-712 signature of a Redeem: the tooling's typed
        data (`redeem_typed_data`) signed by eth_account, not the contract's
        hashing."""
        domain = {
            "name": "credstack Membership",
            "version": "1",
            "chainId": WORLD.chain_id,
            "verifyingContract": str(self.mem.address),
        }
        typed = redeem_typed_data(
            domain, membership_id, perk_id, quantity, ref, self.address(provider), nonce, deadline
        )
        signed = Account.sign_message(encode_typed_data(full_message=typed), WORLD.keys[signer])
        return bytes(signed.signature)

    @precondition(lambda self: bool(self.m.memberships))
    @rule(
        data=st.data(),
        how=st.sampled_from(
            ["good"] * 4
            + ["replay", "expired", "deadline now", "foreign", "altered", "nonce", "malleable"]
        ),
    )
    def redeem_for(self, data: st.DataObject, how: str) -> None:
        """A provider sends a redemption the member signed: good, replayed
        (the last accepted one again), past its deadline (or at it), signed
        by someone else, for other terms, with a spent or future nonce, or
        in the signature's malleable form."""
        now = self.now
        if how == "replay" and self.last_signed:
            holder = data.draw(st.sampled_from(sorted(self.last_signed)), label="member")
            tier_id, perk_id, quantity, ref, deadline, provider, signature = self.last_signed[
                holder
            ]
            actor = provider
            nonce = self.m.nonces.get(holder, 0) - 1
            signed = (holder, nonce, (tier_id, holder, perk_id, quantity, provider))
        else:
            tier_id, holder = self.pick_membership(data)
            perk_id = self.pick_perk(data, tier_id)
            quantity = self.pick_quantity(data, perk_id)
            registered = [p for t, p in self.m.providers if t == tier_id]
            actor = self.pick_actor(data, registered)
            ref = keccak(data.draw(st.binary(max_size=2), label="ref"))
            deadline = {"expired": now - 1, "deadline now": now}.get(how, now + 3_600)
            signer, nonce, provider = holder, self.m.nonces.get(holder, 0), actor
            signed_quantity = quantity
            if how == "foreign":
                signer = data.draw(st.sampled_from([a for a in range(ACTOR_COUNT) if a != holder]))
            elif how == "nonce":
                # A spent nonce (the one before), or the next one.
                nonce += -1 if nonce and data.draw(st.booleans(), label="spent") else 1
            elif how == "altered":
                what = data.draw(st.sampled_from(["quantity", "provider"]), label="altered")
                if what == "quantity":
                    signed_quantity = quantity + 1
                else:
                    provider = data.draw(st.sampled_from([a for a in PROVIDERS if a != actor]))
            signature = self.sign(
                signer,
                self.mid(tier_id, holder),
                perk_id,
                signed_quantity,
                ref,
                provider,
                nonce,
                deadline,
            )
            signed = (signer, nonce, (tier_id, holder, perk_id, signed_quantity, provider))
            if how == "malleable":
                # The signature's other form (s -> n - s, v flipped): the
                # same signer to ecrecover, refused by the contract (EIP-2).
                signature = malleable(signature)
                signed = (ZERO, nonce, signed[2])
        error = self.m.redeem_for_error(
            actor, tier_id, holder, perk_id, quantity, deadline, *signed, now
        )
        args = (self.mid(tier_id, holder), perk_id, quantity, ref, deadline, signature)
        self.call(actor, error, self.mem.redeem_for, *args)
        if error is None:
            self.m.nonces[holder] = self.m.nonces.get(holder, 0) + 1
            self.last_signed[holder] = (tier_id, perk_id, quantity, ref, deadline, actor, signature)
            self.redeemed(tier_id, holder, perk_id, quantity, now, actor, ref)

    # rules: offers #

    @precondition(lambda self: len(self.m.offers) < 4)
    @rule(
        data=st.data(),
        pass_class=st.sampled_from([0, PASS, 0, TICKET, SQL, 99]),
        capacity=st.sampled_from([1, 2, 3, 0, U32 + 1]),
    )
    def create_offer(self, data: st.DataObject, pass_class: int, capacity: int) -> None:
        """An offer of a tier, with or without a perk (of the tier or
        another) and a pass class (transferable or not, or unknown), by the
        tier's issuer or governance, for a provider (registered or not)."""
        tier_id = self.pick_tier(data)
        tier = self.m.tiers.get(tier_id)
        actor = self.pick_actor(data, [tier.issuer, ADMIN] if tier else [ADMIN])
        perk_id = self.pick_perk(data, tier_id) if data.draw(st.booleans(), label="perk") else 0
        registered = sorted(p for t, p in self.m.providers if t == tier_id)
        if registered and data.draw(st.integers(0, 3), label="any provider") < 3:
            provider = data.draw(st.sampled_from(registered), label="provider")
        else:
            provider = data.draw(st.sampled_from(PROVIDERS), label="provider")
        error = self.m.create_offer_error(actor, tier_id, perk_id, pass_class, capacity, provider)
        args = (tier_id, perk_id, pass_class, capacity, self.addr[provider])
        offer_id = self.call(actor, error, self.mem.create_offer, *args)
        if error is None:
            assert offer_id == self.m.record_offer(tier_id, perk_id, pass_class, capacity, provider)
            self.check_offer(offer_id)

    @precondition(lambda self: bool(self.m.offers) and bool(self.m.memberships))
    @rule(data=st.data())
    def book(self, data: st.DataObject) -> None:
        """A member (or someone else) books a seat of an offer, mostly of
        the membership's tier: one per membership, while seats are left,
        with a unit of the offer's perk if it names one."""
        now = self.now
        offer_id = data.draw(st.integers(1, len(self.m.offers) + 1), label="offer")
        offer = self.m.offers.get(offer_id)
        # Mostly a valid membership of the offer's tier, if any.
        valid = [
            k
            for k in sorted(self.m.memberships)
            if offer and k[0] == offer.tier_id and self.m.valid(*k, now)
        ]
        if valid and data.draw(st.integers(0, 3), label="any membership") < 3:
            tier_id, holder = data.draw(st.sampled_from(valid), label="membership")
        else:
            tier_id, holder = self.pick_membership(data)
        actor = self.pick_actor(data, [holder])
        ref = keccak(b"book")
        error = self.m.book_error(actor, offer_id, tier_id, holder, now)
        self.call(actor, error, self.mem.book, offer_id, self.mid(tier_id, holder), ref)
        if error is None:
            events = [(type(e).__name__, e) for e in self.mem.get_logs()]
            offer = self.m.offers[offer_id]
            names = ["PerkRedeemed", "OfferBooked"] if offer.perk_id else ["OfferBooked"]
            assert [n for n, _ in events] == names
            booked = events[-1][1]
            assert (booked.offer_id, booked.membership_id, booked.member, booked.ref) == (
                offer_id,
                self.mid(tier_id, holder),
                self.addr[holder],
                ref,
            )
            assert booked.seats_left == offer.capacity - offer.taken - 1
            offer.taken += 1
            offer.booked.add((tier_id, holder))
            assert offer.taken <= offer.capacity
            if offer.perk_id:
                redeemed = events[0][1]
                index = self.m.record_use(tier_id, holder, offer.perk_id, 1, now)
                assert (redeemed.quantity, redeemed.provider, redeemed.period) == (
                    1,
                    self.addr[offer.provider],
                    index,
                )
                key = (tier_id, holder, offer.perk_id, index)
                assert self.m.ledger[key] <= self.m.perks[offer.perk_id].allowance
            for token_id in self.m.memberships[(tier_id, holder)].parts:
                assert self.reg.is_valid(token_id)
            self.check_offer(offer_id)
            self.touched.add((tier_id, holder))

    def check_offer(self, offer_id: int) -> None:
        offer = self.m.offers[offer_id]
        info = self.mem.offer(offer_id)
        assert tuple(info) == (
            offer.tier_id,
            offer.perk_id,
            offer.pass_class,
            offer.capacity,
            offer.taken,
            self.addr[offer.provider],
        )
        for tier_id, holder in self.m.memberships:
            booked = (tier_id, holder) in offer.booked
            assert self.mem.booked(offer_id, self.mid(tier_id, holder)) == booked

    # rules: passes #

    def pick_pass(self, data: st.DataObject) -> int:
        """Mostly a pass an actor holds, valid now; else any token (soulbound,
        spent, held by the contract) or one never issued."""
        now = self.now
        live = [
            i
            for i, t in sorted(self.m.tokens.items())
            if t.class_id in TRANSFERABLE
            and t.holder != CONTRACT
            and self.m.status(i, now) == Status.ACTIVE
        ]
        if live and data.draw(st.integers(0, 3), label="any token") < 3:
            return int(data.draw(st.sampled_from(live), label="pass"))
        return int(data.draw(st.integers(1, len(self.m.tokens) + 1), label="token"))

    def pass_holder(self, data: st.DataObject, token_id: int) -> tuple[int, int]:
        """The token's holder (a learner for one never issued) and who
        sends it: mostly the holder."""
        token = self.m.tokens.get(token_id)
        holder = token.holder if token else data.draw(st.sampled_from(LEARNERS), label="from")
        return holder, self.pick_actor(data, [holder] if holder >= 0 else [])

    @rule(
        data=st.data(),
        how=st.sampled_from(
            ["plain", "redeem", "any offer", "plain", "no data", "short data", "long data"]
        ),
    )
    def send_pass(self, data: st.DataObject, how: str) -> None:
        """A pass's holder (or someone else) sends it to the membership
        contract with the registry's `safeTransferFrom` and an offer id as
        data: an offer of the pass's class, any offer (one without a pass
        class, of another class, unknown or 0), no data, 31 or 33 bytes;
        or with plain `transferFrom`: no callback, nothing redeemed, the
        pass stays with the contract. Redeemed: the pass burned, a seat
        taken, PassRedeemed; the pass cannot be sent again."""
        token_id = self.pick_pass(data)
        holder, actor = self.pass_holder(data, token_id)
        token = self.m.tokens.get(token_id)
        fitting = [
            i
            for i, offer in sorted(self.m.offers.items())
            if token is not None and offer.pass_class == token.class_id
        ]
        if how == "redeem" and fitting:
            offer_id = data.draw(st.sampled_from(fitting), label="offer")
        else:
            offer_id = data.draw(st.integers(0, len(self.m.offers) + 1), label="offer")
        self.send(actor, token_id, holder, offer_id, how)

    def redeemable(self, open_only: bool) -> list[tuple[int, int]]:
        """(pass, offer) pairs where an actor holds the pass, valid now, and
        the offer names its class (with a seat left, if `open_only`)."""
        now = self.now
        return [
            (token_id, offer_id)
            for token_id, token in sorted(self.m.tokens.items())
            if token.holder >= 0 and self.m.status(token_id, now) == Status.ACTIVE
            for offer_id, offer in sorted(self.m.offers.items())
            if offer.pass_class == token.class_id
            and (offer.taken < offer.capacity or not open_only)
        ]

    @precondition(lambda self: bool(self.redeemable(open_only=False)))
    @rule(data=st.data())
    def redeem_pass(self, data: st.DataObject) -> None:
        """A holder redeems a valid pass for an offer of its class, mostly
        one with a seat left (else a full one): the model must agree it
        succeeds unless paused or the offer is full."""
        pairs = self.redeemable(open_only=True)
        if not pairs or data.draw(st.integers(0, 3), label="any offer") == 3:
            pairs = self.redeemable(open_only=False)
        token_id, offer_id = data.draw(st.sampled_from(pairs), label="pass, offer")
        holder = self.m.tokens[token_id].holder
        offer = self.m.offers[offer_id]
        error = self.m.send_pass_error(holder, token_id, offer_id, 32, True, self.now)
        if self.m.paused:
            assert error == "membership: paused"
        else:
            assert error == (None if offer.taken < offer.capacity else "membership: offer full")
        self.send(holder, token_id, holder, offer_id, "redeem")

    def send(self, actor: int, token_id: int, holder: int, offer_id: int, how: str) -> None:
        """`actor` sends the token from `holder` to the contract, as `how`
        says (see `send_pass`), and the chain must do what the model says."""
        now = self.now
        payload = offer_id.to_bytes(32, "big")
        payload = {"no data": b"", "short data": payload[1:], "long data": payload + b"\0"}.get(
            how, payload
        )
        safe = how != "plain"
        error = self.m.send_pass_error(actor, token_id, offer_id, len(payload), safe, now)
        frm, to = self.address(holder), self.mem.address
        if not safe:
            fn: tuple[Any, ...] = (self.reg.transferFrom, frm, to, token_id)
        elif how == "no data":
            # The three-argument overload: no data.
            fn = (self.reg.safeTransferFrom, frm, to, token_id)
        else:
            fn = (self.reg.safeTransferFrom, frm, to, token_id, payload)
        self.call(actor, error, *fn)
        if error is not None:
            PASS_COUNTS[error] += 1
        elif not safe:
            self.m.tokens[token_id].holder = CONTRACT
            PASS_COUNTS["kept"] += 1
            # No callback: the registry's Transfer alone.
            assert [type(e).__name__ for e in self.reg.get_logs()] == ["Transfer"]
            assert self.reg.ownerOf(token_id) == to
        else:
            offer = self.m.offers[offer_id]
            events = [(type(e).__name__, e) for e in self.reg.get_logs()]
            assert [n for n, _ in events] == [
                "Transfer",
                "Transfer",
                "CredentialBurned",
                "PassRedeemed",
            ]
            redeemed = events[-1][1]
            assert (
                redeemed.offer_id,
                redeemed.token_id,
                redeemed.holder,
                redeemed.class_id,
                redeemed.seats_left,
            ) == (offer_id, token_id, frm, offer.pass_class, offer.capacity - offer.taken - 1)
            self.m.record_pass(token_id, offer_id)
            PASS_COUNTS["redeemed"] += 1
            assert offer.taken <= offer.capacity
            # Burned: held by no one, and it moves no more.
            assert self.reg.status_of(token_id) == Status.BURNED
            with boa.reverts("credential: burned"):
                self.reg.ownerOf(token_id)
            self.call(actor, "credential: burned", *fn)
            self.check_offer(offer_id)

    @rule(data=st.data(), how=st.sampled_from(["transferFrom", "safeTransferFrom", "return"]))
    def move_pass(self, data: st.DataObject, how: str) -> None:
        """A pass changes hands (a sale): its holder (or someone else) sends
        it to an actor with `transferFrom` or `safeTransferFrom` (an account:
        no callback); or governance (or someone else) has the contract
        return one it holds."""
        now = self.now
        to = data.draw(st.sampled_from([*LEARNERS, STRANGER]), label="to")
        if how == "return":
            kept = [i for i, t in sorted(self.m.tokens.items()) if t.holder == CONTRACT]
            if not kept:
                return
            token_id = data.draw(st.sampled_from(kept), label="kept")
            actor = self.pick_actor(data, [ADMIN])
            error = "membership: not governance" if actor != ADMIN else None
            error = error or self.m.transfer_error(CONTRACT, token_id, to, now)
            fn: tuple[Any, ...] = (self.mem.return_token, token_id, self.addr[to])
        else:
            token_id = self.pick_pass(data)
            holder, actor = self.pass_holder(data, token_id)
            error = self.m.transfer_error(actor, token_id, to, now)
            fn = (getattr(self.reg, how), self.address(holder), self.addr[to], token_id)
        self.call(actor, error, *fn)
        if error is None:
            self.m.tokens[token_id].holder = to
            assert self.reg.ownerOf(token_id) == self.addr[to]

    # rules: the soulbound token #

    @precondition(lambda self: bool(self.m.memberships))
    @rule(
        data=st.data(),
        how=st.sampled_from(
            ["transferFrom", "safeTransferFrom", "safe with data", "approve", "all"]
        ),
    )
    def transfer(self, data: st.DataObject, how: str) -> None:
        """Anyone, the holder most often, tries to move or approve a
        membership: always refused."""
        tier_id, holder = self.pick_membership(data)
        actor = self.pick_actor(data, [holder])
        to = self.addr[data.draw(actors, label="to")]
        membership_id = self.mid(tier_id, holder)
        frm = self.addr[holder]
        call = {
            "transferFrom": (self.mem.transferFrom, frm, to, membership_id),
            "safeTransferFrom": (self.mem.safeTransferFrom, frm, to, membership_id),
            "safe with data": (self.mem.safeTransferFrom, frm, to, membership_id, b"\x01"),
            "approve": (self.mem.approve, to, membership_id),
            "all": (self.mem.setApprovalForAll, to, True),
        }[how]
        self.call(actor, "membership: soulbound", *call)
        if (tier_id, holder) in self.m.memberships:
            assert self.mem.ownerOf(membership_id) == frm
            self.touched.add((tier_id, holder))

    # rules: time #

    # Mostly within a term (so that perks run), now and then past one.
    @rule(seconds=st.sampled_from([1, 59, 3_600, DAY, 1, 7 * DAY, 3_600, 30 * DAY, 90 * DAY]))
    def time_travel(self, seconds: int) -> None:
        boa.env.time_travel(seconds=seconds)

    @rule(
        data=st.data(),
        what=st.sampled_from(["window", "period", "window", "credential", "expiry"]),
        offset=st.sampled_from([-1, 0]),
    )
    def travel_to_boundary(self, data: st.DataObject, what: str, offset: int) -> None:
        """Lands on (or one second before) a membership's expiry, renewal
        window or next period boundary, or a credential's expiry."""
        now = self.now
        times: set[int] = set()
        for (tier_id, _), m in self.m.memberships.items():
            period = self.m.tiers[tier_id].period
            if what == "expiry":
                times.add(m.expires_at)
            elif what == "window":
                times.add(m.expires_at - period // 10)
            elif what == "period":
                times.add(m.joined_at + ((now - m.joined_at) // period + 1) * period)
        if what == "credential":
            times = {t.expires_at for t in self.m.tokens.values() if t.expires_at}
        ahead = sorted(t + offset for t in times if t + offset > now)
        if ahead:
            boa.env.timestamp = data.draw(st.sampled_from(ahead), label="when")

    # invariants #

    @invariant()
    def chain_agrees(self) -> None:
        """After every step: the registry's pause flag, the counts, every
        membership's validity, expiry and renewability (time and the
        registry move them with no call here); the whole record, usage and
        accounts of the memberships the step acted on, and of one more in
        turn. The ledger never exceeds an allowance."""
        STEP_COUNT[0] += 1
        assert self.reg.paused() == self.m.paused
        assert (self.mem.tier_count(), self.mem.perk_count(), self.mem.offer_count()) == (
            len(self.m.tiers),
            len(self.m.perks),
            len(self.m.offers),
        )
        keys = sorted(self.m.memberships)
        self.check_memberships(keys, full=False)
        if keys:
            self.touched.add(keys[self.now % len(keys)])
        self.check_memberships(sorted(self.touched), full=True)
        for holder in {h for _, h in self.touched}:
            self.check_account(holder)
        self.touched.clear()
        for (_, _, perk_id, _), used in self.m.ledger.items():
            assert used <= self.m.perks[perk_id].allowance
        # Seats: the model's equal the chain's, never over capacity; the
        # passes' holders and statuses agree.
        for offer_id, offer in self.m.offers.items():
            assert self.mem.offer(offer_id).taken == offer.taken <= offer.capacity
        now = self.now
        for token_id, token in self.m.tokens.items():
            if token.class_id in TRANSFERABLE:
                info = self.reg.credential(token_id)
                assert (info.holder, info.status) == (
                    self.address(token.holder),
                    self.m.status(token_id, now),
                )

    def check_memberships(self, keys: list[tuple[int, int]], full: bool) -> None:
        now = self.now
        for tier_id, holder in keys:
            membership_id = self.mid(tier_id, holder)
            m = self.m.memberships[(tier_id, holder)]
            assert self.mem.is_valid(membership_id) == self.m.valid(tier_id, holder, now)
            assert self.mem.expiresAt(membership_id) == m.expires_at
            assert self.mem.isRenewable(membership_id) == self.m.renewable(tier_id, holder, now)
            if not full:
                continue
            info = self.mem.membership(membership_id)
            assert (info.holder, info.tier_id, info.joined_at, info.expires_at) == (
                self.addr[holder],
                tier_id,
                m.joined_at,
                m.expires_at,
            )
            assert list(info.parts) == m.parts
            assert self.mem.ownerOf(membership_id) == self.addr[holder]
            assert self.mem.locked(membership_id)
            for perk_id, perk in self.m.perks.items():
                if perk.tier_id != tier_id:
                    continue
                used = self.m.used(tier_id, holder, perk_id, now)
                assert self.mem.used(membership_id, perk_id) == used <= perk.allowance

    def check_account(self, holder: int) -> None:
        assert self.mem.balanceOf(self.addr[holder]) == self.m.balance(holder)
        assert self.mem.nonces(self.addr[holder]) == self.m.nonces.get(holder, 0)


# `make test` runs 40 examples of up to 40 steps (examples end early when
# Hypothesis's choice buffer fills: about 1,200 to 1,600 steps, 30 to 60 s
# on two shared cores); `make test-properties` 500. CREDSTACK_PROPERTY_
# EXAMPLES and CREDSTACK_PROPERTY_STEPS set others. Unset settings
# (derandomize, database) come from Hypothesis's profile: its "ci" profile,
# active when CI is set, derandomizes.
MembershipMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("CREDSTACK_PROPERTY_EXAMPLES", "40")),
    stateful_step_count=int(os.environ.get("CREDSTACK_PROPERTY_STEPS", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The steps run: the invariants run after every step (and once after the
# set-up).
STEP_COUNT = [0]
# Tokens sent to the contract: redeemed, kept (plain `transferFrom`), or
# refused, by message.
PASS_COUNTS: Counter[str] = Counter()


class TestMembershipState(MembershipMachine.TestCase):  # type: ignore[misc,valid-type]
    def runTest(self) -> None:
        STEP_COUNT[0] = 0
        PASS_COUNTS.clear()
        super().runTest()
        print(f"\nmembership property test: {STEP_COUNT[0]} steps")
        print(f"tokens sent to the contract: {dict(PASS_COUNTS.most_common())}")
