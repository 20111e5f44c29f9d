"""The Kaplan-Meier estimator of survival (here: weeks to churn).

At each distinct duration t, with d subjects whose event (churn) happened at
t and n at risk (duration >= t): S(t) = prod over t' <= t of (1 - d/n).
Censored subjects count as at risk up to and including their duration and
leave the risk set after it. The median is the first t with S(t) <= 0.5,
else None (survival never falls to one half)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Survival:
    """The estimate: one row per distinct duration, and the median."""

    table: list[dict[str, Any]]  # weeks, at_risk, churned, censored, survival
    median: float | None


def kaplan_meier(
    durations: Sequence[float],
    observed: Sequence[bool],
    counts: Sequence[int] | None = None,
) -> Survival:
    """The Kaplan-Meier table of ``durations`` (``observed[i]``: the event
    happened at ``durations[i]``; False: censored then). ``counts[i]``
    (default 1) is how many subjects the i-th entry stands for, so grouped
    data (duration, observed, count) needs no expansion."""
    if len(durations) != len(observed) or (counts is not None and len(counts) != len(durations)):
        raise ValueError("durations, observed and counts differ in length")
    weights = counts if counts is not None else [1] * len(durations)
    events: dict[float, int] = {}
    censored: dict[float, int] = {}
    for t, happened, n in zip(durations, observed, weights, strict=True):
        if n < 0:
            raise ValueError("a negative count")
        target = events if happened else censored
        target[t] = target.get(t, 0) + n
        (censored if happened else events).setdefault(t, 0)
    at_risk = sum(weights)
    survival = 1.0
    median: float | None = None
    table = []
    for t in sorted(events):
        d, c = events[t], censored[t]
        if at_risk > 0:
            survival *= 1.0 - d / at_risk
        table.append(
            {"weeks": t, "at_risk": at_risk, "churned": d, "censored": c, "survival": survival}
        )
        if median is None and survival <= 0.5:
            median = t
        at_risk -= d + c
    return Survival(table, median)
