"""A randomized experiment read from the chain: does an arm (say, members
offered perks) keep learners active longer than a control arm?

The assignment is the experimenter's, not the chain's: ``arms`` maps wallets
to arm names (the pilot randomizes with its seed; a provider hands a CSV).
A learner (the ``learners`` view: wallets joined through recoveries) is in
the arm of any of their wallets; a learner in two arms is refused.

Time runs from ``start_week``, the week the arms were assigned. A learner's
*time retained* is the number of weeks from ``start_week`` to their last
active week before their first run of ``churn_weeks`` weeks in a row without
activity lying wholly within the window (0 when that run begins at
``start_week``); a learner with no such run is censored at ``W - start_week
+ 1``. Activity is the metrics' (README "Metrics": credentials earned,
renewed or claimed, and any source added to ``ACTIVITY_SOURCES``).

Per arm: the Kaplan-Meier table of time retained and ``retained`` = S(h) at
the horizon h (default: the last week observed, ``W - start_week``). The
difference S_a(h) - S_b(h) of the first arm named minus the second comes
with a 95% interval by the percentile bootstrap (learners resampled with
replacement within each arm, ``resamples`` times, a fixed seed), and the
curves are compared by the log-rank test (chi-square, one degree of
freedom)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from credstack.analytics.km import kaplan_meier
from credstack.analytics.metrics import Window, _week, activity_sql, bind


class ExperimentError(ValueError):
    """The assignment does not fit the data (arms, week, horizon)."""


def retained_weeks(
    con: duckdb.DuckDBPyConnection,
    w: Window,
    arms: Mapping[str, str],
    start_week: int,
    churn_weeks: int = 6,
    outcome_classes: Sequence[int] | None = None,
) -> dict[str, list[tuple[int, bool]]]:
    """Arm -> [(weeks retained, churned)] per learner of the arm found in
    the index (wallets the index never saw are left out). ``outcome_classes``:
    count as activity only credentials of these classes issued (an outcome
    the treatment itself cannot produce, e.g. the learning modules when the
    treatment is perks whose use would be activity); default: all activity."""
    if churn_weeks < 1:
        raise ValueError("churn_weeks must be at least 1")
    if not 0 <= start_week <= w.last_week:
        raise ExperimentError(
            f"start week {start_week} is outside the window (weeks 0 to {w.last_week})"
        )
    bind(con, w)
    con.execute("CREATE OR REPLACE TEMP TABLE experiment_arms (wallet VARCHAR, arm VARCHAR)")
    con.executemany("INSERT INTO temp.experiment_arms VALUES (?, ?)", list(arms.items()))
    clash = con.execute(
        """
        SELECT l.learner, string_agg(DISTINCT a.arm, ', ' ORDER BY a.arm)
        FROM temp.experiment_arms a JOIN temp.analytics_learners l ON l.wallet = a.wallet
        GROUP BY l.learner HAVING count(DISTINCT a.arm) > 1 LIMIT 1
        """
    ).fetchone()
    if clash is not None:
        raise ExperimentError(f"learner {clash[0]} is in more than one arm ({clash[1]})")
    last = w.last_week
    if outcome_classes is None:
        outcome = activity_sql(con)
    else:
        classes = ", ".join(str(int(c)) for c in outcome_classes) or "NULL"
        outcome = (
            "SELECT holder AS wallet, block_time AS moment FROM windowed.credential_issued "
            f"WHERE class_id IN ({classes})"
        )
    rows = con.execute(
        f"""
        WITH
        members AS (
            SELECT DISTINCT l.learner, a.arm
            FROM temp.experiment_arms a JOIN temp.analytics_learners l ON l.wallet = a.wallet
        ),
        activity AS ({outcome}),
        weeks AS (
            SELECT DISTINCT m.learner, {_week("x.moment")} AS week
            FROM activity x
            JOIN temp.analytics_learners l ON l.wallet = x.wallet
            JOIN members m ON m.learner = l.learner
            WHERE {_week("x.moment")} >= {start_week}
            UNION
            -- The week before the start: a run without activity may begin at the start.
            SELECT learner, {start_week} - 1 FROM members
        ),
        gaps AS (
            SELECT learner, week,
                   coalesce(lead(week) OVER (PARTITION BY learner ORDER BY week), {last} + 1)
                       AS next
            FROM weeks
        ),
        fate AS (
            SELECT learner,
                   min(week) FILTER (WHERE next - week - 1 >= {churn_weeks}) AS last_active
            FROM gaps GROUP BY learner
        )
        SELECT m.arm, coalesce(f.last_active, {last}) - {start_week} + 1 AS retained,
               f.last_active IS NOT NULL AS churned
        FROM fate f JOIN members m USING (learner)
        ORDER BY m.arm, m.learner
        """
    ).fetchall()
    out: dict[str, list[tuple[int, bool]]] = {arm: [] for arm in sorted(set(arms.values()))}
    for arm, retained, churned in rows:
        out[str(arm)].append((int(retained), bool(churned)))
    return out


def survival_at(
    durations: npt.NDArray[np.int64], observed: npt.NDArray[np.bool_], horizon: int
) -> npt.NDArray[np.float64]:
    """Kaplan-Meier S(horizon) of integer durations, for each row of a 2-D
    sample (rows: resamples, columns: subjects)."""
    length = horizon + 2
    rows = durations.shape[0]
    clipped = np.minimum(durations, horizon + 1)
    offsets = (np.arange(rows) * length)[:, None]
    leaving = np.bincount((clipped + offsets).ravel(), minlength=rows * length).reshape(
        rows, length
    )
    events = np.bincount(
        (clipped + offsets).ravel(), weights=observed.ravel().astype(float), minlength=rows * length
    ).reshape(rows, length)
    subjects = durations.shape[1]
    at_risk = subjects - np.concatenate(
        [np.zeros((rows, 1)), np.cumsum(leaving, axis=1)[:, :-1]], axis=1
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - events / np.where(at_risk > 0, at_risk, 1), 1.0)
    result: npt.NDArray[np.float64] = np.prod(factor[:, : horizon + 1], axis=1)
    return result


def logrank(a: Sequence[tuple[int, bool]], b: Sequence[tuple[int, bool]]) -> dict[str, float]:
    """The log-rank test of two samples of (duration, event): the
    chi-square statistic (one degree of freedom) and its p-value."""
    times = sorted({t for t, e in [*a, *b] if e})
    observed_minus_expected = 0.0
    variance = 0.0
    for t in times:
        n_a = sum(1 for d, _ in a if d >= t)
        n_b = sum(1 for d, _ in b if d >= t)
        d_a = sum(1 for d, e in a if d == t and e)
        d_b = sum(1 for d, e in b if d == t and e)
        n, d = n_a + n_b, d_a + d_b
        if n < 2:
            continue
        observed_minus_expected += d_a - d * n_a / n
        variance += d * (n_a / n) * (1 - n_a / n) * (n - d) / (n - 1)
    if variance == 0:
        return {"statistic": 0.0, "p_value": 1.0}
    statistic = observed_minus_expected**2 / variance
    return {"statistic": statistic, "p_value": math.erfc(math.sqrt(statistic / 2))}


def compare_arms(
    con: duckdb.DuckDBPyConnection,
    w: Window,
    arms: Mapping[str, str],
    start_week: int,
    churn_weeks: int = 6,
    horizon: int | None = None,
    order: tuple[str, str] | None = None,
    resamples: int = 2_000,
    seed: int = 0,
    outcome_classes: Sequence[int] | None = None,
) -> dict[str, Any]:
    """The experiment's part of metrics.json (see the module docstring):
    each arm's survival and retention at the horizon, the difference of
    ``order[0]`` minus ``order[1]`` (default: the arms sorted by name) with
    its bootstrap 95% interval, and the log-rank test."""
    samples = retained_weeks(con, w, arms, start_week, churn_weeks, outcome_classes)
    names = order or tuple(sorted(samples))
    if len(names) != 2 or set(names) != set(samples):
        raise ExperimentError(
            f"an experiment compares two arms; the assignment has {sorted(samples)}"
        )
    h = w.last_week - start_week if horizon is None else horizon
    if not 0 <= h <= w.last_week - start_week:
        raise ExperimentError(f"horizon {h} weeks is outside 0 to {w.last_week - start_week}")
    rng = np.random.default_rng(seed)
    per_arm: list[dict[str, Any]] = []
    retained_at: list[float] = []
    draws = []
    for name in names:
        sample = samples[name]
        durations = np.array([d for d, _ in sample], dtype=np.int64)
        observed = np.array([e for _, e in sample], dtype=bool)
        survival = kaplan_meier(durations.tolist(), observed.tolist())
        retained = (
            float(survival_at(durations[None, :], observed[None, :], h)[0]) if len(sample) else None
        )
        per_arm.append(
            {
                "arm": name,
                "learners": len(sample),
                "churned": int(observed.sum()),
                "retained": retained,
                "survival": survival.table,
                "median_weeks": survival.median,
            }
        )
        if retained is not None:
            retained_at.append(retained)
            picks = rng.integers(0, len(sample), size=(resamples, len(sample)))
            draws.append(survival_at(durations[picks], observed[picks], h))
    difference: dict[str, Any] = {"arms": list(names), "retained": None, "ci95": None}
    if len(draws) == 2:
        a, b = retained_at
        spread = draws[0] - draws[1]
        low, high = np.percentile(spread, [2.5, 97.5])
        difference = {"arms": list(names), "retained": a - b, "ci95": [float(low), float(high)]}
    return {
        "start_week": start_week,
        "start": w.start(start_week),
        "churn_weeks": churn_weeks,
        "horizon_weeks": h,
        "arms": per_arm,
        "difference": difference,
        "method": (
            f"percentile bootstrap over learners within arms, {resamples} resamples, seed {seed}; "
            "log-rank test, chi-square with 1 degree of freedom"
        ),
        "logrank": logrank(samples[names[0]], samples[names[1]]),
        "outcome_classes": None if outcome_classes is None else [int(c) for c in outcome_classes],
    }
