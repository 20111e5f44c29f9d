"""The pilot's perks experiment (credstack.pilot.experiment): the arms, the
definition of weeks retained (the same as the analytics' SQL), and the
model's expected effect."""

from __future__ import annotations

from pathlib import Path

import pytest

from credstack.catalog import Catalog, load
from credstack.pilot.experiment import ARMS, assign, expected_effect, retained
from credstack.pilot.ledger import Learner
from credstack.pilot.world import PATHWAY


def test_assign__half_each_from_the_seed() -> None:
    learners = [Learner(i, "", "", 80.0, 0) for i in range(9)]
    assign(learners, seed=5)
    arms = [x.arm for x in learners]
    assert arms.count(ARMS[0]) == 5 and arms.count(ARMS[1]) == 4
    again = [Learner(i, "", "", 80.0, 0) for i in range(9)]
    assign(again, seed=5)
    assert [x.arm for x in again] == arms
    assign(again, seed=6)
    assert [x.arm for x in again] != arms


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [
        # The cases of tests/tooling/test_analytics_experiment.py (start 2,
        # last 14, N = 5), worked out there against the SQL.
        ((0, 2, 4, 9), (8, True)),
        ((0, 3, 14), (2, True)),  # comes back in week 14: churned at the first gap
        ((0,), (0, True)),
        ((0, 2, 6, 10, 14), (13, False)),
        ((0, 12), (0, True)),
    ],
)
def test_retained__as_the_analytics_define_it(
    weeks: tuple[int, ...], expected: tuple[int, bool]
) -> None:
    assert retained(weeks, start=2, last=14, churn_weeks=5) == expected


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load(Path("examples/catalog.yaml"))


def test_expected_effect__follows_the_assumption(catalog: Catalog) -> None:
    """No effect without one; more retention the more perks lower dropout."""
    none = expected_effect(catalog, PATHWAY, 26, perks_factor=1.0, learners=8_000)
    half = expected_effect(catalog, PATHWAY, 26, perks_factor=0.5, learners=8_000)
    full = expected_effect(catalog, PATHWAY, 26, perks_factor=0.0, learners=8_000)
    assert abs(none.difference) < 0.025
    assert none.difference < half.difference < full.difference
    assert 0 < half.perks < 1 and 0 < half.control < 1
