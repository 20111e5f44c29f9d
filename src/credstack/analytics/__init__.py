"""Pilot analytics from the event index (credstack.index).

``analyse(index, out)`` computes every metric (credstack.analytics.metrics,
definitions in README) over an index the caller has synced, and writes into
``out``:

- ``metrics.json``: the metrics document (schema ``credstack.analytics/1``);
- ``report.html``: one self-contained page, figures and tables
  (credstack.analytics.report);
- ``parquet/<table>.parquet``: every table and view of the index
  (credstack.analytics.export).

``summary(metrics)`` is the few lines ``ape run analytics`` prints.

Use::

    index = Index.open(deployment)
    index.sync(for_provider(chain.provider))
    result = analyse(index, Path("out/analytics"))
    print("\\n".join(result.summary_lines))
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credstack.analytics.export import export_parquet
from credstack.analytics.report import number, percent, write_report

if TYPE_CHECKING:
    from credstack.index import Index

# The DuckDB variables credstack.analytics.metrics sets to its window.
WINDOW_VARIABLES = ("credstack_since", "credstack_origin", "credstack_end")
# Retention is quoted at these weeks after the cohort's first.
SUMMARY_WEEKS = (4, 12)


@dataclass
class Experiment:
    """A randomized assignment to compare (credstack.analytics.experiment):
    wallet -> arm (two arms), from analytics week ``start_week``; the
    difference is ``order[0]`` minus ``order[1]`` (default: by name), at
    ``horizon`` weeks after the start (default: the last week observed)."""

    arms: Mapping[str, str]
    start_week: int
    order: tuple[str, str] | None = None
    horizon: int | None = None
    # Only credentials of these classes count as activity (default: all).
    outcome_classes: tuple[int, ...] | None = None


@dataclass
class Analysis:
    """What ``analyse`` computed and wrote."""

    metrics: dict[str, Any]
    report_path: Path
    metrics_path: Path
    parquet_dir: Path
    summary_lines: list[str]


def analyse(
    index: Index,
    out: str | Path,
    since: date | None = None,
    churn_weeks: int = 6,
    now: datetime | None = None,
    parquet: bool = True,
    experiment: Experiment | None = None,
) -> Analysis:
    """Compute the metrics of ``index`` (already synced by the caller: this
    reads, never syncs) and write metrics.json, report.html and, unless
    ``parquet`` is False, parquet/*.parquet into ``out``. ``since``: ignore
    events before that day (UTC); ``now``: the data's end (default: the
    time of the index's last synced block); ``experiment``: compare its arms
    (``metrics["experiment"]``, else null)."""
    from credstack.analytics.experiment import compare_arms
    from credstack.analytics.metrics import compute, window

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    con = index.connection
    # DuckDB draws a progress bar on stdout for a long query: --json prints
    # the document there.
    con.execute("SET enable_progress_bar = false")
    metrics = compute(con, since=since, churn_weeks=churn_weeks, now=now)
    metrics["experiment"] = (
        compare_arms(
            con,
            window(con, since, now),
            experiment.arms,
            experiment.start_week,
            churn_weeks,
            horizon=experiment.horizon,
            order=experiment.order,
            outcome_classes=experiment.outcome_classes,
        )
        if experiment is not None
        else None
    )
    metrics.setdefault("index", {})
    metrics["index"]["path"] = str(index.path)
    metrics_path = write_json(metrics, out / "metrics.json")
    report_path = write_report(metrics, con, out / "report.html")
    parquet_dir = out / "parquet"
    if parquet:
        # The files are the whole index as of its last synced block, not the
        # analysis window: the views read no window (see credstack.index.views).
        for variable in WINDOW_VARIABLES:
            con.execute(f"RESET VARIABLE {variable}")
        export_parquet(con, parquet_dir)
    return Analysis(metrics, report_path, metrics_path, parquet_dir, summary(metrics))


def write_json(document: dict[str, Any], path: Path) -> Path:
    """``document`` as indented JSON, written beside ``path`` and renamed."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return path


def _retention_line(retention: dict[str, Any]) -> str:
    """Share of the largest cohort (the earliest among equals) active at
    SUMMARY_WEEKS after its first week, where the data reaches that far."""
    cohorts = retention.get("cohorts") or []
    if not cohorts:
        return "retention: no cohorts"
    largest = max(cohorts, key=lambda c: (c["size"], -c["cohort"]))
    shares = largest.get("share") or []
    parts = [
        f"week {k} {percent(shares[k])}" if k < len(shares) else f"week {k} not reached"
        for k in SUMMARY_WEEKS
    ]
    return (
        f"retention of the largest cohort ({largest['start']}, {number(largest['size'])} "
        f"learners): {', '.join(parts)}"
    )


def _count(n: int, noun: str) -> str:
    return f"{number(n)} {noun}" + ("" if n == 1 else "s")


def summary(metrics: dict[str, Any]) -> list[str]:
    """A few lines for a terminal: learners, issuance, retention, churn,
    pathways, market, governance (the report has the rest)."""
    totals = metrics["issuance"]["totals"]
    retention = metrics["retention"]
    churn = retention["churn"]
    window = metrics["window"]
    weeks = f"{window['weeks']} week" + ("" if window["weeks"] == 1 else "s")
    lines = [
        f"window: {str(window['origin'])[:10]} to {str(window['end'])[:10]} ({weeks}), "
        f"chain {metrics['chain_id']}, registry {metrics['registry']}",
        f"learners {number(retention['learners'])}; credentials issued {number(totals['issued'])}, "
        f"revoked {number(totals['revoked'])}, valid now {number(totals['valid_now'])}",
        _retention_line(retention),
        f"churn ({churn['weeks']} weeks without activity): {number(churn['churned'])} churned, "
        f"{number(churn['censored'])} censored; median time to churn "
        + (
            "not reached"
            if churn["median_weeks"] is None
            else f"{number(churn['median_weeks'])} weeks"
        ),
    ]
    pathways = metrics.get("pathways") or []
    if not pathways:
        lines.append("pathways: none in this deployment")
    for p in pathways:
        lines.append(
            f"pathway {p['name']}: {number(p['claims'])} claims of {number(p['started'])} "
            f"started (claim rate {percent(p['claim_rate'])})"
        )
    market = metrics.get("market")
    if market is None:
        lines.append("market: no transferable class in this deployment")
    else:
        lines.append(
            f"market: {number(market['transfers'])} transfers; {number(market['tokens_traded'])} "
            f"of {number(market['tokens'])} transferable tokens changed hands "
            f"({percent(market['traded_share'])})"
        )
    ms = metrics.get("membership")
    if ms:
        perks = ", ".join(f"{p['name']} {number(p['quantity'])}" for p in ms["perks"]) or "none"
        seats = ", ".join(
            f"offer {o['offer_id']} {number(o['booked'] + o['passes'])} of {number(o['capacity'])}"
            for o in ms["offers"]
        )
        lines.append(
            f"membership: {number(ms['members'])} learners joined; perks used: {perks}; "
            f"seats taken: {seats or 'no offers'}; "
            f"passes redeemed {number(ms['passes']['redeemed'])} "
            f"({number(ms['passes']['redeemed_after_transfer'])} after changing hands)"
        )
    em = metrics.get("employer")
    if em:
        counts = {
            k: sum(v[k] for v in em["verifications"]) for k in ("verified", "interviewed", "hired")
        }
        within = em["completers_verified_within"]
        accepted = (
            "; ".join(
                f"{e['kind']} {e['name']} accepted by {e['employers']} for {e['task']}"
                for e in em["endorsements"]
            )
            or "no endorsement"
        )
        lines.append(
            f"employers: {number(em['employers']['onboarded'])} onboarded, "
            f"{number(em['employers']['active'])} active; {accepted}"
        )
        lines.append(
            f"employer records (with consent): {number(counts['verified'])} verified, "
            f"{number(counts['interviewed'])} interviewed, {number(counts['hired'])} hired; "
            f"completers with a record within 4/8/12 weeks: {percent(within['4'])}, "
            f"{percent(within['8'])}, {percent(within['12'])} (of {number(within['completers'])}); "
            f"hires per completer {number(em['hires_per_completer'], 2)}; "
            f"{_count(em['consents_revoked'], 'consent')} revoked"
        )
    x = metrics.get("experiment")
    if x and x["difference"]["ci95"] is not None:
        arms = ", ".join(
            f"{a['arm']} {number(a['learners'])} learners, {percent(a['retained'])} retained"
            for a in x["arms"]
        )
        low, high = x["difference"]["ci95"]
        lines.append(
            f"experiment from week {x['start_week']}, at week +{x['horizon_weeks']}: {arms}; "
            f"difference {x['difference']['retained'] * 100:+.1f} points "
            f"(95% interval {low * 100:+.1f} to {high * 100:+.1f}); "
            f"log-rank p = {x['logrank']['p_value']:.3f}"
        )
    g = metrics["governance"]
    lines.append(
        f"governance: {number(g['proposals'])} proposals, {number(g['executed'])} executed, "
        f"{number(g['cancelled'])} cancelled; {_count(len(g['pauses']), 'pause')} "
        f"({number(g['paused_hours'])} h); "
        f"{_count(g['forced_revocations'], 'forced revocation')}"
    )
    return lines


__all__ = ["Analysis", "Experiment", "analyse", "export_parquet", "summary", "write_report"]
