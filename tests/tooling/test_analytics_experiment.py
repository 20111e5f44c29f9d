"""The experiment's comparison of two arms (credstack.analytics.experiment)
on hand-built event tables: time retained from the start week, each arm's
retention at the horizon, the bootstrap interval of the difference, and the
log-rank test checked against lifelines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from lifelines.statistics import logrank_test

from credstack.analytics import Experiment, analyse, metrics
from credstack.analytics.experiment import compare_arms, logrank, retained_weeks, survival_at
from credstack.analytics.km import kaplan_meier
from tests.tooling.test_index_views import A2, A, B, C, D, E, Ledger, addr


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(tmp_path / "index.duckdb")
    yield ledger
    ledger.index.close()


def _cohort(ledger: Ledger) -> None:
    """Five learners of one class, all first issued in week 0 (days from
    2024-01-01); the arms are assigned in week 2. Weeks end on day 7n+7.
    A: active weeks 0, 2, 4, 9 -> after the start: 2, 4, then 5 to 8 quiet
       (4 weeks < N=5), 9, then 10 to 14 quiet: churned, last active 9 ->
       retained 9 - 2 + 1 = 8.
    B: weeks 0, 3 (recovered to A2 in week 3, then A2 active in week 14):
       3, then 4 to 13 quiet -> churned, retained 3 - 2 + 1 = 2.
    C: week 0 only: from the start (week 2) quiet to 14 -> churned at the
       start, retained 0.
    D: weeks 0, 2, 6, 10, 14: gaps of 3 -> never churned: censored at
       W - start + 1 = 14 - 2 + 1 = 13.
    E: weeks 0, 12: start to 11 quiet (10 weeks) -> churned, retained 0."""
    ledger.klass(1)
    token = iter(range(1, 100))
    for wallet, weeks in ((A, (0, 2, 4, 9)), (B, (0, 3)), (C, (0,)), (D, (0, 2, 6, 10, 14)),
                          (E, (0, 12))):  # fmt: skip
        for week in weeks:
            ledger.issue(next(token), 1, wallet, at=7 * week + 1)
    ledger.recover(2, 1, B, A2, at=7 * 3 + 2)
    ledger.issue(next(token), 1, A2, at=7 * 14 + 1)
    ledger.end(7 * 14 + 3)  # W = 14


ARMS = {A: "perks", A2: "control", C: "perks", D: "control", E: "perks"}


def test_retained_weeks_from_the_start(ledger: Ledger) -> None:
    _cohort(ledger)
    w = metrics.window(ledger.con)
    assert w.last_week == 14
    got = retained_weeks(ledger.con, w, ARMS, start_week=2, churn_weeks=5)
    # B is in the control arm through its second wallet A2.
    assert sorted(got["control"]) == [(2, True), (13, False)]
    assert sorted(got["perks"]) == [(0, True), (0, True), (8, True)]


def test_compare_arms_by_hand(ledger: Ledger) -> None:
    _cohort(ledger)
    w = metrics.window(ledger.con)
    got = compare_arms(
        ledger.con, w, ARMS, start_week=2, churn_weeks=5, horizon=4, order=("perks", "control"),
        resamples=500,
    )  # fmt: skip
    perks, control = got["arms"]
    # perks: durations 0, 0, 8 all churned; S(4) = (1 - 2/3) = 1/3.
    assert perks["retained"] == pytest.approx(1 / 3)
    # control: 2 churned, 13 censored; S(4) = 1 - 1/2 = 1/2.
    assert control["retained"] == pytest.approx(1 / 2)
    assert got["difference"]["retained"] == pytest.approx(1 / 3 - 1 / 2)
    low, high = got["difference"]["ci95"]
    assert low <= got["difference"]["retained"] <= high
    assert (perks["learners"], perks["churned"], control["learners"], control["churned"]) == (
        3, 3, 2, 1,
    )  # fmt: skip
    expected = logrank_test([0, 0, 8], [2, 13], [1, 1, 1], [1, 0])
    assert got["logrank"]["statistic"] == pytest.approx(expected.test_statistic, rel=1e-9)
    assert got["logrank"]["p_value"] == pytest.approx(expected.p_value, rel=1e-9)


def test_a_learner_in_two_arms_is_refused(ledger: Ledger) -> None:
    _cohort(ledger)
    w = metrics.window(ledger.con)
    with pytest.raises(ValueError, match=r"in more than one arm \(control, perks\)"):
        retained_weeks(ledger.con, w, {**ARMS, B: "perks"}, start_week=2)
    with pytest.raises(ValueError, match="start week 15 is outside the window"):
        retained_weeks(ledger.con, w, ARMS, start_week=15)
    with pytest.raises(ValueError, match="compares two arms"):
        compare_arms(ledger.con, w, {**ARMS, addr("other"): "third"}, start_week=2)


def test_survival_at_matches_kaplan_meier_and_logrank_matches_lifelines() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(5, 60))
        durations = rng.integers(0, 20, size=n)
        observed = rng.random(n) < 0.6
        table = kaplan_meier(durations.tolist(), observed.tolist()).table
        for h in (0, 3, 10, 25):
            by_table = 1.0
            for row in table:
                if row["weeks"] <= h:
                    by_table = row["survival"]
            got = survival_at(durations[None, :], observed[None, :], h)[0]
            assert got == pytest.approx(by_table, abs=1e-12)
        m = int(rng.integers(5, 60))
        other = rng.integers(0, 20, size=m)
        other_seen = rng.random(m) < 0.5
        mine = logrank(list(zip(durations.tolist(), observed.tolist(), strict=True)),
                       list(zip(other.tolist(), other_seen.tolist(), strict=True)))  # fmt: skip
        theirs = logrank_test(durations, other, observed, other_seen)
        assert mine["statistic"] == pytest.approx(theirs.test_statistic, rel=1e-9)
        assert mine["p_value"] == pytest.approx(theirs.p_value, rel=1e-9, abs=1e-15)


def test_bootstrap_interval_narrows_with_more_learners() -> None:
    """The interval of a difference of two arms drawn from the same curve
    covers 0, and narrows as the arms grow (about as 1/sqrt(n))."""
    rng = np.random.default_rng(3)
    widths = []
    for n in (50, 800):
        a = rng.integers(0, 10, size=n)
        b = rng.integers(0, 10, size=n)
        seen = np.ones(n, dtype=bool)
        picks = rng.integers(0, n, size=(1_000, n))
        spread = survival_at(a[picks], seen[picks], 4) - survival_at(b[picks], seen[picks], 4)
        low, high = np.percentile(spread, [2.5, 97.5])
        assert low < 0 < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 2.5


def test_analyse_with_an_experiment(ledger: Ledger, tmp_path: Path) -> None:
    """analyse() puts the comparison in metrics.json and the report."""
    _cohort(ledger)
    plan = Experiment(ARMS, start_week=2, order=("perks", "control"), horizon=4)
    result = analyse(ledger.index, tmp_path / "out", churn_weeks=5, parquet=False, experiment=plan)
    x = json.loads(result.metrics_path.read_text())["experiment"]
    assert [a["retained"] for a in x["arms"]] == pytest.approx([1 / 3, 1 / 2])
    assert '<section id="experiment">' in result.report_path.read_text()
    assert any(line.startswith("experiment from week 2") for line in result.summary_lines)
    assert analyse(ledger.index, tmp_path / "plain", parquet=False).metrics["experiment"] is None


def test_outcome_classes_leave_other_activity_out(ledger: Ledger) -> None:
    """E also gets a class-2 credential in week 5: as activity, E is retained
    5 - 2 + 1 = 4 weeks (then 6 to 11 quiet); with only class 1 as the
    outcome, E stays at 0."""
    _cohort(ledger)
    ledger.klass(2)
    ledger.issue(50, 2, E, at=7 * 5 + 1)
    ledger.end(7 * 14 + 3)
    w = metrics.window(ledger.con)
    every = retained_weeks(ledger.con, w, ARMS, start_week=2, churn_weeks=5)
    assert sorted(every["perks"]) == [(0, True), (4, True), (8, True)]
    modules = retained_weeks(ledger.con, w, ARMS, 2, 5, outcome_classes=[1])
    assert sorted(modules["perks"]) == [(0, True), (0, True), (8, True)]
