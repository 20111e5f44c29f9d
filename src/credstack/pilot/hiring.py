"""The pilot's employers: the catalog's three employers joined by the
council's onboarding proposal and endorsed the pathway and some classes
(credstack.pilot.world); here, each assessment window, completers of the
pathway decide whether to let an employer record their credential. A
seeded share consent (an EIP-712 signature, as `ape run consent` makes; the
learner sends nothing), some revoke their consent later (a transaction,
sponsored gas), and the employer records what happened with the tooling's
own checks first (`ape run employer record`): verified some weeks after the
claim, for some an interview two weeks later, for some of those a hire two
weeks after that. A record the tooling refuses (a revoked consent, a
consent whose signer no longer holds the token after a key recovery) is
counted, not sent.

The draws come from their own random source (seeded from the pilot's
seed), so the rest of the pilot is the same with or without employers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from credstack.employers import ALL_OUTCOMES, OUTCOME_NAMES, Consent
from credstack.errors import CredstackError
from credstack.pilot.ledger import Learner, Ledger
from credstack.pilot.world import WEEK, World

# The share of completers who consent to an employer's records.
CONSENT_SHARE = 0.6
# Of those, who revoke it (after the verification, before an interview).
REVOKE_SHARE = 0.15
# Weeks from the claim to the verification: never 4, 8 or 12 (and the
# interview and hire follow two weeks apart), so a record's place in the
# analytics' 4/8/12-week shares does not hang on the hours within a week.
VERIFY_AFTER = (0, 2, 6, 10)
INTERVIEW_SHARE = 0.5
HIRE_SHARE = 0.4  # of the interviewed
CONSENT_WEEKS = 16  # the consent's deadline, from its signature


@dataclass
class Hiring:
    """One completer's consent and what the employer will record when."""

    learner: int
    employer: str  # an employer id of the catalog
    consent: Consent
    due: dict[int, int] = field(default_factory=dict)  # pilot week -> outcome bit
    revoke_week: int | None = None


def seed_of(seed: int) -> random.Random:
    return random.Random(f"credstack-pilot-employers-{seed}")


def hiring_acts(
    world: World, ledger: Ledger, rng: random.Random, week: int, plans: dict[int, Hiring]
) -> None:
    """This window's consents (new completers decide), revocations and
    records (``plans``: learner index -> Hiring, kept between windows)."""
    if world.registry.contract.paused():
        return  # records wait for the council's unpause
    ids = sorted(world.employer_senders)
    for learner in ledger.learners:
        if learner.claim_week is None or learner.consent_nonce is not None:
            continue
        if rng.random() >= CONSENT_SHARE:
            learner.consent_nonce = 0
            continue
        plans[learner.index] = plan_consent(world, ledger, rng, week, learner, rng.choice(ids))
    for plan in plans.values():
        learner = ledger.learners[plan.learner]
        if plan.revoke_week is not None and plan.revoke_week <= week:
            revoke(world, ledger, learner, plan)
        for due in sorted(w for w in plan.due if w <= week):
            record(world, ledger, plan, plan.due.pop(due))


def plan_consent(
    world: World, ledger: Ledger, rng: random.Random, week: int, learner: Learner, employer: str
) -> Hiring:
    """The learner signs a consent (every outcome, 16 weeks) for
    ``employer``; the draws say when it records what, and whether the
    learner revokes."""
    address = world.catalog.employers[employer].address
    consent = world.employers.sign(
        world.wallet(learner).account,
        learner.pathway_token,
        address,
        ALL_OUTCOMES,
        world.now() + CONSENT_WEEKS * WEEK,
        nonce=rng.getrandbits(256),
    )
    learner.consent_nonce = consent.nonce
    ledger.tally.consents += 1
    verify = week + rng.choice(VERIFY_AFTER)
    plan = Hiring(learner.index, employer, consent, {verify: 1})
    if rng.random() < REVOKE_SHARE:
        plan.revoke_week = verify + 2
    if rng.random() < INTERVIEW_SHARE:
        plan.due[verify + 2] = 2
        if rng.random() < HIRE_SHARE:
            plan.due[verify + 4] = 4
    return plan


def revoke(world: World, ledger: Ledger, learner: Learner, plan: Hiring) -> None:
    """The learner revokes (sponsored gas), from the wallet that signed."""
    plan.revoke_week = None
    if learner.address != plan.consent.holder:
        return  # a recovered learner's old consent is void anyway
    world.fund(learner)
    world.employers.revoke(plan.consent.nonce, world.wallet(learner))
    ledger.tally.consents_revoked += 1


def record(world: World, ledger: Ledger, plan: Hiring, outcome: int) -> None:
    """The employer records ``outcome`` with the consent, checked first."""
    sender = world.employer_senders[plan.employer]
    name = OUTCOME_NAMES[outcome]
    try:
        world.employers.record(plan.consent, outcome, sender)
    except CredstackError:
        ledger.tally.records_refused[name] += 1
        return
    ledger.tally.records[name] += 1
