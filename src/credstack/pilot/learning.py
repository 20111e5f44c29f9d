"""How a pilot learner progresses, with no chain: who sits which module in
a window, who drops out, what a sitting scores, what a result does. The
pilot's weeks (``scenario.assess``) and the experiment's expected effect
(``experiment.expected_effect``) both walk learners through these
functions, so the model the expectation is computed from is the pilot's
own.

THE ASSUMPTION of the perks experiment lives here, in one place:
``PERKS_DROPOUT_FACTOR``. A learner who sits a module drops out first with
chance ``DROPOUT`` (6%); a member of a tier (who joined through the perks
arm) with ``DROPOUT * PERKS_DROPOUT_FACTOR`` (default 0.5: 3%). Nothing
else about members differs. The pilot's ``--perks-effect`` sets the factor
(1.0: perks change nothing)."""

from __future__ import annotations

import random
from collections.abc import Mapping

from credstack.catalog import GroupSpec
from credstack.pilot.ledger import Learner
from credstack.units import parse_percent

# The programme: one module every four weeks, in this order.
CURRICULUM = (
    "spreadsheet-analysis",
    "sql-querying",
    "python-data-wrangling",
    "data-visualization",
    "applied-statistics",
    "analytics-communication",
)
MODULE_WEEKS = 4
START_WEEKS = (0, 0, 2, 4, 6)  # a learner's first week, drawn from these
DROPOUT = 0.06  # chance to drop out instead of sitting a first attempt
PERKS_DROPOUT_FACTOR = 0.5  # a member's dropout chance is DROPOUT times this


def new_learner(index: int, address: str, key: str, rng: random.Random) -> Learner:
    """A learner with an ability (mean score) and a first week."""
    return Learner(
        index=index,
        address=address,
        key=key,
        ability=rng.gauss(80, 9),
        start_week=rng.choice(START_WEEKS),
    )


def sit(learner: Learner, week: int, rng: random.Random, perks_factor: float) -> float | None:
    """The learner's score (percent, two decimals) if they sit a module in
    this window; None if nothing is due, they are done, or they drop out
    now (``learner.dropped_week`` is set)."""
    if not learner.active(week) or learner.next_module >= len(CURRICULUM):
        return None
    due = learner.start_week + MODULE_WEEKS * learner.next_module
    if week < due and not learner.retake:
        return None
    chance = DROPOUT * (perks_factor if learner.member_week is not None else 1.0)
    if not learner.retake and rng.random() < chance:
        learner.dropped_week = week
        return None
    return round(max(0.0, min(100.0, rng.gauss(learner.ability, 8))), 2)


def passes(score: float, min_score: int) -> bool:
    """As the issuance engine's validation judges it (basis points)."""
    return parse_percent(f"{score:g}") >= min_score


def settle(learner: Learner, passed: bool) -> None:
    """After a sitting: a pass moves on; a first failure is retaken next
    window; a second failure moves on without the module."""
    if passed or learner.retake:
        learner.next_module += 1
        learner.retake = False
    else:
        learner.retake = True


def meets(groups: tuple[GroupSpec, ...], held: Mapping[str, int]) -> bool:
    """Whether credentials held (class slug -> score, basis points) meet
    every group: ``required`` of its options, each at its minimum."""
    return all(
        sum(1 for o in g.options if o.slug in held and held[o.slug] >= o.min_score) >= g.required
        for g in groups
    )
