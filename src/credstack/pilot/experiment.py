"""The pilot's perks experiment: does offering membership to completers keep
learners learning?

Design:

- **Arms.** At the start every learner is randomized, with the pilot's
  seed, into ``perks`` or ``control``: a shuffle cut in half (the perks arm
  gets the odd one). The split is printed.
- **Treatment.** From pilot week ``EXPERIMENT_WEEK``, in every window, a
  learner of the perks arm who has not dropped out and meets the tier's
  requirements (``TIER`` in the catalog: the Junior Data Analyst pathway
  credential) is made a member by the tier's issuer (`join_for`: the learner
  pays nothing); members then use their perks. The control arm is never
  offered membership.
- **The assumption** (credstack.pilot.learning, one place): a member drops
  out at a module sitting with ``PERKS_DROPOUT_FACTOR`` times the others'
  chance (default 0.5; ``--perks-effect``).
- **Outcome**, measured from the chain by credstack.analytics.experiment:
  weeks retained from the experiment's start, where activity is earning a
  *module* credential (the curriculum's classes only: using a perk must not
  count as the outcome it is meant to cause); churn is 6 weeks without one.
  Intention to treat: every randomized learner the index knows, member or
  not. The figure is the Kaplan-Meier share retained at the last week
  observed, perks minus control, with a bootstrap 95% interval.
- **The simulated effect** the interval is checked against: the same
  outcome computed by ``expected_effect`` on 20,000 virtual learners walked
  through the pilot's own progression model (credstack.pilot.learning),
  half in each arm, with no chain. A 95% interval misses the true effect
  one time in twenty: the check is printed, not enforced."""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from credstack.analytics import Experiment
from credstack.analytics.experiment import survival_at
from credstack.catalog import Catalog
from credstack.pilot.learning import CURRICULUM, meets, new_learner, passes, settle, sit
from credstack.pilot.ledger import Learner

EXPERIMENT_WEEK = 8
TIER = "analyst-circle"
ARMS = ("perks", "control")
WINDOW = 2  # weeks between assessment windows (as the scenario's)
VIRTUAL_LEARNERS = 20_000
# Retention is read this many weeks after the start: before the first
# learners to finish the curriculum (last module in week 20 at the
# earliest) could count as churned for want of modules to take.
HORIZON = 12


def assign(learners: Sequence[Learner], seed: int) -> None:
    """Randomize ``learners`` into the two arms (``learner.arm``), half each,
    from the seed alone (the pilot's other draws are untouched)."""
    order = list(range(len(learners)))
    random.Random(f"credstack-pilot-arms-{seed}").shuffle(order)
    cut = (len(order) + 1) // 2
    for rank, index in enumerate(order):
        learners[index].arm = ARMS[0] if rank < cut else ARMS[1]


def retained(weeks: Sequence[int], start: int, last: int, churn_weeks: int) -> tuple[int, bool]:
    """(weeks retained from ``start``, churned): the last active week before
    the first run of ``churn_weeks`` weeks without activity lying within
    ``start``..``last``, minus ``start``, plus 1; censored at ``last - start
    + 1``. The definition credstack.analytics.experiment computes in SQL."""
    active = sorted({w for w in weeks if w >= start})
    sequence = [start - 1, *active]
    for week, following in zip(sequence, [*sequence[1:], last + 1], strict=True):
        if following - week - 1 >= churn_weeks:
            return week - start + 1, True
    return last - start + 1, False


@dataclass
class Effect:
    """The model's retention of each arm at the horizon and the difference."""

    perks: float
    control: float

    @property
    def difference(self) -> float:
        return self.perks - self.control


def expected_effect(
    catalog: Catalog,
    pathway: str,
    last_week: int,
    perks_factor: float,
    churn_weeks: int = 6,
    seed: int = 0,
    learners: int = VIRTUAL_LEARNERS,
    horizon: int = HORIZON,
) -> Effect:
    """The outcome the pilot measures, on virtual learners walked through
    the pilot's progression (credstack.pilot.learning) window by window to
    pilot week ``last_week``: modules sat, passed at the class minimum,
    dropouts (members at ``perks_factor`` times the chance), the pathway
    complete once its groups are met, membership for the perks arm from
    ``EXPERIMENT_WEEK`` once the tier's groups are met. Revocations, key
    recoveries and the like, rare in the pilot, are left out."""
    rng = random.Random(f"credstack-pilot-model-{seed}")
    minimum = {slug: spec.min_score for slug, spec in catalog.classes.items()}
    spec = catalog.pathways[pathway]
    tier = catalog.tiers[TIER]
    samples: dict[str, list[tuple[int, bool]]] = {arm: [] for arm in ARMS}
    for i in range(learners):
        learner = new_learner(i, "", "", rng)
        learner.arm = ARMS[i % 2]
        held: dict[str, int] = {}
        earned: list[int] = []
        for week in range(0, last_week + 1, WINDOW):
            score = sit(learner, week, rng, perks_factor)
            if score is not None:
                slug = CURRICULUM[learner.next_module]
                passed = passes(score, minimum[slug])
                if passed:
                    held[slug] = round(score * 100)
                    earned.append(week)
                settle(learner, passed)
            if spec.output not in held and meets(spec.groups, held):
                held[spec.output] = 10_000
            if (
                learner.arm == ARMS[0]
                and week >= EXPERIMENT_WEEK
                and learner.member_week is None
                and learner.dropped_week is None
                and meets(tier.groups, held)
            ):
                learner.member_week = week
        if earned:  # the index knows only learners with a credential
            samples[learner.arm].append(retained(earned, EXPERIMENT_WEEK, last_week, churn_weeks))
    share = {}
    for arm, sample in samples.items():
        durations = np.array([d for d, _ in sample], dtype=np.int64)
        observed = np.array([e for _, e in sample], dtype=bool)
        share[arm] = float(survival_at(durations[None, :], observed[None, :], horizon)[0])
    return Effect(perks=share[ARMS[0]], control=share[ARMS[1]])


def arms_file(
    learners: Sequence[Learner], path: Path, wallets: Mapping[int, Sequence[str]]
) -> Path:
    """The assignment as `ape run analytics --arms` takes it: ``wallet,arm``
    for every wallet of every learner (``wallets``: learner index -> its
    wallets, the first and any after a key recovery)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["wallet", "arm"])
        for learner in learners:
            for wallet in wallets[learner.index]:
                writer.writerow([wallet, learner.arm])
    return path


def horizon(weeks: int) -> int | None:
    """Weeks after the start retention is read at, for a pilot of ``weeks``
    weeks: ``HORIZON``, or as far as a shorter pilot reaches; None when it
    ends before the experiment starts."""
    return min(HORIZON, weeks - EXPERIMENT_WEEK) if weeks >= EXPERIMENT_WEEK else None


def plan(learners: Sequence[Learner], offset: int, module_classes: Sequence[int],
         wallets: Mapping[int, Sequence[str]], weeks: int) -> Experiment | None:  # fmt: skip
    """The analysis the pilot asks of the analytics: its arms by wallet,
    from the experiment's week (in analytics weeks), module credentials as
    the outcome, read ``horizon(weeks)`` weeks on, perks minus control."""
    h = horizon(weeks)
    if h is None:
        return None
    return Experiment(
        arms={w: x.arm for x in learners for w in wallets[x.index]},
        start_week=EXPERIMENT_WEEK + offset,
        order=ARMS,
        horizon=h,
        outcome_classes=tuple(module_classes),
    )


@dataclass
class Verdict:
    """The measured difference, its interval and the model's expectation."""

    measured: float
    low: float
    high: float
    expected: Effect

    @property
    def covers(self) -> bool:
        return self.low <= self.expected.difference <= self.high

    def line(self, factor: float) -> str:
        inside = "inside" if self.covers else "OUTSIDE"
        return (
            f"the simulation's assumption (members drop out at {factor:g} times the others' "
            f"rate) implies {self.expected.difference * 100:+.1f} points (perks "
            f"{self.expected.perks:.1%}, control {self.expected.control:.1%} on "
            f"{VIRTUAL_LEARNERS:,} virtual learners): {inside} the measured interval "
            f"{self.low * 100:+.1f} to {self.high * 100:+.1f}"
        )
