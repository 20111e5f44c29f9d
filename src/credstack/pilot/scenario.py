"""The pilot's weeks: what learners, issuers, the guardian and the council
do, as functions of the world (the chain and its actors), the ledger (what
the simulation expects), the random source and the week.

Every act goes through the engine its command uses: assessment windows
through the issuance engine (`ape run issue`), suspensions, reinstatements,
revocations and renewals through `credstack.lifecycle` (`ape run revoke`...),
key recovery through `credstack.recovery`, pathway claims through
`Pathways.claim` (`ape run pathway claim`), council decisions through
`Governance`. The simulation only predicts; the engines check against the
chain, and a wrong prediction fails the run."""

from __future__ import annotations

import csv
import hashlib
import random
import time
from collections.abc import Callable
from typing import Any

from eth_account import Account

from credstack import lifecycle, recovery
from credstack.issuance import Issuance, validate
from credstack.journal import Journal
from credstack.membership import Perk, holder_of, parse_ref, redeem_typed_data, sign_typed_data
from credstack.pilot.experiment import EXPERIMENT_WEEK, TIER
from credstack.pilot.hiring import Hiring, hiring_acts, seed_of
from credstack.pilot.learning import CURRICULUM, meets, settle, sit
from credstack.pilot.ledger import Learner, Ledger
from credstack.pilot.world import PASS, PATHWAY, WEEK, World
from credstack.registry import Status
from credstack.units import DAY

WORKSHOP_WEEKS = (6, 14, 22)
REVOCATION_REASONS = (
    "plagiarism found in the submitted project",
    "exam taken by someone else (identity check failed)",
    "issued in error: learner was not in this cohort",
)
WINDOW = 2  # weeks between assessment windows
# Governance events: learners who lose their keys, the guardian's pause, a
# forced revocation.
RECOVERY_WEEKS = (8, 18)
PAUSE_WEEK = 12
FRAUD_WEEK = 10
RENEWAL_FROM_WEEK = 16
# The share of completers who claim the pathway themselves (a sponsor pays
# their gas); the issuer claims for the others, who then need no gas at all.
SELF_CLAIM = 0.25

Week = Callable[[World, Ledger, random.Random, int], Any]


def run_weeks(
    world: World, ledger: Ledger, rng: random.Random, report: Callable[[int, tuple[int, ...]], None]
) -> None:
    """Every assessment window from week 0 to the last; ``report(week,
    changes)`` hears each window's (issued, rejected, revoked, traded,
    renewed, claimed)."""
    hiring_rng = seed_of(world.config.seed)
    hiring: dict[int, Hiring] = {}
    for week in range(0, world.config.weeks + 1, WINDOW):
        world.advance_to(world.start + week * WEEK)
        before = ledger.counters()
        assess(world, ledger, rng, week)
        if week in WORKSHOP_WEEKS:
            workshop(world, ledger, rng, week)
        trade_passes(world, ledger, rng, week)
        investigate(world, ledger, rng, week)
        govern(world, ledger, rng, week)
        claimed = claim_pathways(world, ledger, rng, week)
        hiring_acts(world, ledger, hiring_rng, week, hiring)
        if week >= EXPERIMENT_WEEK:
            membership_acts(world, ledger, rng, week)
            book_workshops(world, ledger, rng, week)
            redeem_passes(world, ledger, rng, week)
        if week >= RENEWAL_FROM_WEEK:
            renew_passes(world, ledger, rng, week)
        changes = tuple(a - b for a, b in zip(ledger.counters(), before, strict=True))
        report(week, (*changes, claimed))


# Learning


def assess(world: World, ledger: Ledger, rng: random.Random, week: int) -> None:
    """Learners due for a module sit its assessment (credstack.pilot.learning
    decides who sits, drops out and scores what); one CSV per class."""
    rows: dict[str, list[tuple[Learner, float]]] = {}
    for learner in ledger.learners:
        score = sit(learner, week, rng, world.config.perks_effect)
        if score is not None:
            rows.setdefault(CURRICULUM[learner.next_module], []).append((learner, score))
    for slug, attempts in rows.items():
        issued = issue(world, ledger, week, slug, attempts)
        for learner, _ in attempts:
            if learner.address in issued:
                learner.tokens[slug] = issued[learner.address]
            settle(learner, learner.address in issued)


def issue(
    world: World, ledger: Ledger, week: int, slug: str, attempts: list[tuple[Learner, float]]
) -> dict[str, int]:
    """Write the window's CSV and run it through the issuance engine, as
    `ape run issue --skip-invalid` does. Returns wallet -> token id."""
    path = world.config.out / "csv" / f"week{week:02d}-{slug}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["wallet", "score", "evidence", "external_id"])
        for learner, score in attempts:
            document = f"{slug} assessment, learner L{learner.index:04d}, week {week}: {score}"
            digest = hashlib.sha256(document.encode()).hexdigest()
            writer.writerow(
                [learner.address, f"{score:g}", f"0x{digest}", f"L{learner.index:04d}-w{week}"]
            )
    klass = world.classes[slug]
    started = time.perf_counter()
    rows, rejected = validate(path, klass, skip_invalid=True)
    journal = Journal(world.config.out / "journal" / f"class{klass.class_id}.jsonl")
    issuance = Issuance(world.registry, klass, slug, world.issuer_of(slug), journal)
    plan = issuance.plan(rows)
    outcome = issuance.execute(plan)
    tally = ledger.tally
    tally.issuance_seconds += time.perf_counter() - started
    tally.attempts[slug] += len(attempts)
    tally.rejected[slug] += len(rejected)
    tally.already[slug] += len(plan.done)
    tally.issued[slug] += len(outcome.issued)
    ledger.receipts += issuance.receipts([row for row, _ in outcome.issued])
    index = {learner.address: learner.index for learner, _ in attempts}
    expiry = klass.validity and world.head_time() + klass.validity
    for row, token_id in outcome.issued:
        ledger.issued(token_id, slug, index[row.wallet], expiry, row.score)
        ledger.active(index[row.wallet], week, earned=True)
    return {row.wallet: token_id for row, token_id in outcome.issued}


def workshop(world: World, ledger: Ledger, rng: random.Random, week: int) -> None:
    """Active learners with a credential may attend; attendance earns a pass."""
    attendees = [
        (learner, 100.0)
        for learner in ledger.learners
        if learner.active(week) and learner.tokens and rng.random() < 0.5
    ]
    # One pass per wallet per class: the engine skips wallets that had one.
    if attendees:
        issue(world, ledger, week, PASS, attendees)


def trade_passes(world: World, ledger: Ledger, rng: random.Random, week: int) -> None:
    """Some pass holders give or trade their pass to another learner."""
    contract = world.registry.contract
    for token_id, (slug, owner) in list(ledger.tokens.items()):
        if slug != PASS or rng.random() >= 0.05 or not ledger.valid(token_id, world.now()):
            continue
        holder = ledger.learners[owner]
        buyer = rng.choice(ledger.learners)
        if buyer.index == owner:
            continue
        world.fund(holder)
        world.wallet(holder).send(contract.transferFrom, holder.address, buyer.address, token_id)
        ledger.tally.transfers += 1
        ledger.tokens[token_id] = (slug, buyer.index)


# Issuers


def lifecycle_acts(world: World, action: str, requests: list[lifecycle.Request]) -> None:
    """Acts of one kind through the lifecycle engine, as `ape run <action>
    --csv` does: each issuer's tokens checked against the chain, then sent.
    The simulation expects every one to be sent: one the engine finds
    already done is a wrong prediction, and fails the run."""
    by_issuer: dict[str, list[lifecycle.Request]] = {}
    for request in requests:
        slug = _slug_of(world, request.token_id)
        by_issuer.setdefault(world.catalog.classes[slug].issuer, []).append(request)
    for issuer, mine in by_issuer.items():
        signer = world.issuers[issuer]
        source = f"pilot: {action} by {issuer}"
        tasks, done = lifecycle.plan(world.registry, action, mine, signer.address, source)
        if done:
            request, why = done[0]
            raise AssertionError(f"pilot: token {request.token_id}: {action}: {why}")
        lifecycle.execute(world.registry, action, tasks, signer)


def _slug_of(world: World, token_id: int) -> str:
    slug, _ = world.ledger.tokens[token_id]
    return slug


def investigate(world: World, ledger: Ledger, rng: random.Random, week: int) -> None:
    """Issuers suspend a few credentials while they check a complaint,
    then reinstate or revoke; a few others are revoked outright. The
    week's decisions are made first, then sent, one engine run per act."""
    acts: dict[str, list[lifecycle.Request]] = {"reinstate": [], "revoke": [], "suspend": []}

    def revoke(token_id: int) -> None:
        reason = rng.choice(REVOCATION_REASONS)
        acts["revoke"].append(lifecycle.Request(0, token_id, reason))
        ledger.revoke(token_id, _slug_of(world, token_id), reason)

    for token_id, decide_week in list(ledger.suspended.items()):
        if week < decide_week:
            continue
        slug = _slug_of(world, token_id)
        del ledger.suspended[token_id]
        if rng.random() < 0.3:
            # A suspended credential is revoked as it is (status suspended).
            revoke(token_id)
        else:
            acts["reinstate"].append(lifecycle.Request(0, token_id))
            ledger.tally.reinstated[slug] += 1
    for token_id, (slug, _) in list(ledger.tokens.items()):
        spec = world.catalog.classes[slug]
        if not spec.revocable or token_id in ledger.revoked or token_id in ledger.suspended:
            continue
        roll = rng.random()
        if roll < 0.003:
            revoke(token_id)
        elif roll < 0.006:
            acts["suspend"].append(lifecycle.Request(0, token_id))
            ledger.suspended[token_id] = week + 2 * WINDOW
            ledger.tally.suspended[slug] += 1
    for action, requests in acts.items():
        lifecycle_acts(world, action, requests)


def renew_passes(world: World, ledger: Ledger, rng: random.Random, week: int) -> None:
    """Lumen extends about a third of the expired passes by 90 days."""
    now = world.head_time()
    renewals = []
    for token_id, (slug, owner) in list(ledger.tokens.items()):
        if slug != PASS or ledger.status(token_id, now) != Status.EXPIRED:
            continue
        if rng.random() < 0.34:
            renewals.append(lifecycle.Request(0, token_id, until=now + 90 * DAY))
            ledger.expires[token_id] = now + 90 * DAY
            ledger.tally.renewed[slug] += 1
            ledger.active(owner, week, earned=False)
    lifecycle_acts(world, "renew", renewals)


# Governance


def govern(world: World, ledger: Ledger, rng: random.Random, week: int) -> None:
    """This week's governance: key recoveries, the guardian's pause and
    the council's unpause, a forced revocation."""
    if week in RECOVERY_WEEKS:
        recover_keys(world, ledger, rng, week)
    if week == PAUSE_WEEK and world.guardian is not None:
        # A suspected leaked issuer key: the guardian stops issuance at
        # once; after review the council unpauses (the delay applies).
        world.guardian.send(world.registry.contract.pause)
        paused_at = world.head_time()
        world.enact(
            [world.governance.encode("registry", "unpause", [])],
            "unpause after review: the issuer key was not leaked",
        )
        ledger.tally.paused_seconds += world.head_time() - paused_at
    if week == FRAUD_WEEK:
        # A pass obtained through a fake cohort account: passes are not
        # revocable by their issuer, so the council revokes it.
        now = world.now()
        passes = sorted(
            t for t, (slug, _) in ledger.tokens.items() if slug == PASS and ledger.valid(t, now)
        )
        if passes:
            token_id = rng.choice(passes)
            reason = "fraud: pass obtained through a fake cohort account"
            call = world.governance.encode("registry", "force_revoke", [token_id, reason])
            world.enact([call], f"force-revoke pass {token_id} (fraud)")
            ledger.revoke(token_id, PASS, reason)
            ledger.tally.forced += 1


def recover_keys(world: World, ledger: Ledger, rng: random.Random, week: int) -> None:
    """A few learners lose their keys. The council first allowlists their
    new wallets for the pass (closed pilot); then each issuer re-binds
    that learner's credentials of its classes to the new wallet."""
    holders = ledger.holders()
    losers = [
        learner for learner in ledger.learners if learner.wallets == 1 and learner.index in holders
    ]
    losers = rng.sample(losers, min(2, len(losers)))
    if not losers:
        return
    new_wallets = {}
    for learner in losers:
        key = world.key(learner.index, learner.wallets)
        new_wallets[learner.index] = (Account.from_key(key).address, key)
    pass_id = world.classes[PASS].class_id
    world.enact(
        world.governance.allowlist_calls(pass_id, [a for a, _ in new_wallets.values()], True),
        f"closed pilot: allowlist the new wallets of {len(losers)} learners (key recovery)",
    )
    for learner in losers:
        address, key = new_wallets[learner.index]
        for signer in world.issuers.values():
            # The same checks and calls as `ape run recover`.
            moves = recovery.plan(world.registry, learner.address, address, signer.address)
            ledger.tally.recovered += recovery.execute(world.registry, moves, address, signer)
        learner.address, learner.key = address, key
        learner.perk_nonce = 0  # a new wallet signs from nonce 0
        learner.wallets += 1


# The pathway


def pathway_parts(
    world: World, ledger: Ledger, learner: Learner, unused_only: bool = False
) -> tuple[int, list[int]]:
    """(required parts the learner holds now, the tokens that make them)
    by the catalog's pathway rules and the simulation's own records. With
    ``unused_only``, as the contract's progress counts them: without the parts
    the learner's claim used (the contract marks them used)."""
    spec = world.catalog.pathways[PATHWAY]
    now = world.now()
    held = 0
    parts: list[int] = []
    for group in spec.groups:
        usable = [
            learner.tokens[o.slug]
            for o in group.options
            if o.slug in learner.tokens
            and not (unused_only and learner.tokens[o.slug] in learner.pathway_parts)
            and ledger.valid(learner.tokens[o.slug], now)
            and ledger.scores[learner.tokens[o.slug]] >= o.min_score
        ]
        held += min(len(usable), group.required)
        parts += usable[: group.required]
    return held, sorted(parts)


def claim_pathways(world: World, ledger: Ledger, rng: random.Random, week: int) -> int:
    """Learners who complete the pathway get its credential: a quarter
    claim it themselves (sponsored gas), for the rest the issuer claims,
    through `Pathways.claim` as `ape run pathway claim` does. The engine
    chooses the parts from the chain; the simulation predicts only that
    the learner is complete."""
    spec = world.catalog.pathways[PATHWAY]
    needed = sum(g.required for g in spec.groups)
    issuer = world.issuer_of(spec.output)
    claimed = 0
    for learner in ledger.learners:
        if learner.pathway_token:
            continue
        held, _ = pathway_parts(world, ledger, learner)
        if held < needed:
            continue
        if rng.random() < SELF_CLAIM:
            world.fund(learner)
            signer = world.wallet(learner)
            ledger.tally.claims_by_learner += 1
        else:
            signer = issuer
            ledger.tally.claims_for_learner += 1
        token_id, parts = world.pathways.claim(world.pathway_id, learner.address, signer)
        learner.pathway_token = token_id
        learner.claim_week = week
        learner.claimant = learner.address
        learner.pathway_parts = tuple(parts)
        ledger.tally.attempts[spec.output] += 1
        ledger.tally.issued[spec.output] += 1
        score = sum(ledger.scores[t] for t in parts) // len(parts)
        ledger.issued(
            token_id, spec.output, learner.index, pathway_expiry(world, ledger, parts), score
        )
        ledger.active(learner.index, week, earned=True)
        claimed += 1
    return claimed


def pathway_expiry(world: World, ledger: Ledger, parts: list[int]) -> int:
    """The class's validity from now or, for a pathway that says so, the
    earliest expiry of the parts if sooner (0: never)."""
    spec = world.catalog.pathways[PATHWAY]
    validity = world.classes[spec.output].validity
    expiry = world.head_time() + validity if validity else 0
    if spec.inherit_expiry:
        for part in parts:
            if ledger.expires[part] and (expiry == 0 or ledger.expires[part] < expiry):
                expiry = ledger.expires[part]
    return expiry


# Membership (the perks experiment: credstack.pilot.experiment)

# A member uses a perk in a window with this chance, one unit at a time.
PERK_USE = {"mentor-hour": 0.2, "reassessment-discount": 0.05, "peer-group-seat": 0.1}


def held_valid(world: World, ledger: Ledger, learner: Learner) -> dict[str, int]:
    """Class slug -> score (basis points) of the learner's credentials valid
    now (the pathway credential included), by the simulation's records."""
    now = world.now()
    held = {
        slug: ledger.scores[token]
        for slug, token in learner.tokens.items()
        if ledger.valid(token, now) and ledger.tokens[token][1] == learner.index
    }
    if learner.pathway_token and ledger.valid(learner.pathway_token, now):
        held[world.catalog.pathways[PATHWAY].output] = ledger.scores[learner.pathway_token]
    return held


def membership_acts(world: World, ledger: Ledger, rng: random.Random, week: int) -> None:
    """The perks arm's learners who qualify join (the tier's issuer joins
    for them: they pay nothing); members renew from 90% of their term and
    use perks, a provider sending each use with the member's signature
    (gasless for the member). The simulation predicts who may: the engine
    checks against the chain, and a wrong prediction fails the run."""
    spec = world.catalog.tiers[TIER]
    tier_id = world.deployment.tier_ids[TIER]
    issuer = world.issuers[spec.issuer]
    period = spec.period
    # Read once a window: the perks' ids and the signing domain.
    perks = {p.name: world.memberships.perk_of(tier_id, p.name) for p in spec.perks}
    domain = world.memberships.domain()
    for learner in ledger.learners:
        if learner.arm != "perks" or learner.dropped_week is not None:
            continue
        member = (
            learner.membership_id
            and holder_of(learner.membership_id).lower() == learner.address.lower()
        )
        if not member:
            if not meets(spec.groups, held_valid(world, ledger, learner)):
                continue
            membership, _, _ = world.memberships.join(tier_id, learner.address, issuer)
            learner.membership_id = membership
            learner.perks_used = {}  # a new membership's periods count from its join
            learner.member_week = learner.member_week if learner.member_week is not None else week
            ledger.tally.joined += 1
        elif world.now() + period // 10 >= learner.member_until:
            if not meets(spec.groups, held_valid(world, ledger, learner)):
                continue
            world.memberships.renew(learner.membership_id, issuer)
            ledger.tally.membership_renewals += 1
        else:
            _use_perks(world, ledger, rng, learner, week, perks, domain)
            continue
        record = world.memberships.membership(learner.membership_id)
        assert record is not None
        learner.member_parts, learner.member_since = record.parts, record.joined_at
        learner.member_until = record.expires_at
        ledger.active(learner.index, week, earned=False)
        _use_perks(world, ledger, rng, learner, week, perks, domain)


def _membership_valid(ledger: Ledger, learner: Learner, now: int) -> bool:
    """Whether the simulation expects the learner's membership to grant
    perks now: unexpired, and its credentials valid and held."""
    return now < learner.member_until and all(
        ledger.valid(t, now) and ledger.tokens[t][1] == learner.index for t in learner.member_parts
    )


def _use_perks(
    world: World,
    ledger: Ledger,
    rng: random.Random,
    learner: Learner,
    week: int,
    perks: dict[str, Perk],
    domain: dict[str, Any],
) -> None:
    """The member's perk uses this window, where the simulation expects the
    membership to grant them (unexpired, its credentials valid and held);
    ``perks`` by name and the signing ``domain`` are read once a window."""
    now = world.now()
    if not _membership_valid(ledger, learner, now):
        return
    spec = world.catalog.tiers[TIER]
    provider = world.providers[spec.providers[0]]
    index = (now - learner.member_since) // spec.period
    for perk_spec in spec.perks:
        key = (perk_spec.name, index)
        if rng.random() >= PERK_USE.get(perk_spec.name, 0.2):
            continue
        if learner.perks_used.get(key, 0) >= perk_spec.allowance:
            continue
        perk = perks[perk_spec.name]
        ref = parse_ref(f"pilot week {week}: {perk_spec.name} for learner L{learner.index:04d}")
        deadline = now + 3_600
        nonce = learner.perk_nonce
        typed = redeem_typed_data(
            domain, learner.membership_id, perk.perk_id, 1, ref,
            provider.address, nonce, deadline,
        )  # fmt: skip
        signature = sign_typed_data(world.wallet(learner).account, typed)
        # Sent as `ape run membership redeem` sends it, without its checks
        # (eight calls a use, hundreds of uses): the simulation predicted
        # the allowance, the validity and the nonce, and a wrong prediction
        # reverts, which fails the run.
        provider.send(
            world.memberships.contract.redeem_for, learner.membership_id, perk.perk_id, 1, ref,
            deadline, signature,
        )  # fmt: skip
        learner.perk_nonce += 1
        learner.perks_used[key] = learner.perks_used.get(key, 0) + 1
        ledger.tally.perks[perk_spec.name] += 1
        ledger.active(learner.index, week, earned=False)


# A member books a seat at the workshop offer in a window with this chance.
BOOK = 0.1
WORKSHOP_OFFER = "dashboard-workshop"


def book_workshops(world: World, ledger: Ledger, rng: random.Random, week: int) -> None:
    """Members whose membership the simulation expects to be valid book a
    seat at the workshop offer (one each, sponsored gas), as `ape run
    membership book` sends it, while seats last."""
    offer_id = world.deployment.offer_ids[WORKSHOP_OFFER]
    capacity = world.catalog.offers[WORKSHOP_OFFER].capacity
    now = world.now()
    for learner in ledger.learners:
        if ledger.tally.bookings >= capacity:
            return
        if learner.arm != "perks" or learner.booked or not learner.membership_id:
            continue
        if learner.dropped_week is not None or not _membership_valid(ledger, learner, now):
            continue
        if rng.random() >= BOOK:
            continue
        world.fund(learner)
        ref = parse_ref(f"pilot week {week}: {WORKSHOP_OFFER} for learner L{learner.index:04d}")
        world.memberships.book(offer_id, ref, world.wallet(learner))
        learner.booked = True
        ledger.tally.bookings += 1
        ledger.active(learner.index, week, earned=False)


# A pass holder redeems it for mentor time in a window with this chance.
PASS_REDEEM = 0.12


def redeem_passes(world: World, ledger: Ledger, rng: random.Random, week: int) -> None:
    """Holders of a valid mentor-session pass (earned or bought) spend it
    at the mentor-session offer: `safeTransferFrom` to the membership
    contract, which takes a seat and burns the pass, while seats last."""
    offer_id = world.deployment.offer_ids["mentor-session"]
    capacity = world.catalog.offers["mentor-session"].capacity
    now = world.now()
    for token_id, (slug, owner) in sorted(ledger.tokens.items()):
        if ledger.tally.passes_redeemed >= capacity:
            return
        if slug != PASS or not ledger.valid(token_id, now) or rng.random() >= PASS_REDEEM:
            continue
        holder = ledger.learners[owner]
        world.fund(holder)
        world.memberships.redeem_pass(offer_id, token_id, world.wallet(holder))
        ledger.burned.add(token_id)
        ledger.tally.passes_redeemed += 1
        ledger.active(owner, week, earned=False)
