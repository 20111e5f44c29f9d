"""report.html: the metrics document (credstack.analytics.metrics.compute)
as one self-contained page that opens offline. Figures are drawn with
matplotlib's Agg canvas (no pyplot state, nothing left open) and embedded
as PNG data URIs; the page has no external CSS, script, font or link. Each
figure has a table beside it holding the same numbers."""

from __future__ import annotations

import base64
import io
import math
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from credstack.index.schema import quote

TEMPLATE = "report.html.j2"
COUNTERS = ("issued", "revoked", "suspended", "reinstated", "renewed", "burned", "expired")
# Colours: one hue per kind of event, the same in every figure.
BLUE, RED, GREEN, GREY, ORANGE = "#2f6db5", "#c0392b", "#2e8b57", "#8a8a8a", "#d98c1f"
HEAT = LinearSegmentedColormap.from_list("retention", ["#f4f7fb", "#9cc3e6", "#1f4e8c"])
# Cohorts x weeks: past these, the heat map is drawn without numbers in cells.
ANNOTATE_CELLS = 16


def png(figure: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=110)
    figure.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float = 7.0, height: float = 3.4) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def _week_ticks(axes: Any, starts: Sequence[str], count: int = 8) -> None:
    """At most ``count`` week labels (their start dates) along x."""
    if not starts:
        return
    step = max(1, math.ceil(len(starts) / count))
    ticks = list(range(0, len(starts), step))
    axes.set_xticks(ticks, [starts[i] for i in ticks], rotation=30, ha="right", fontsize=8)


def issuance_figure(issuance: dict[str, Any]) -> str | None:
    """Two panels over the weeks: credentials issued (bars); revoked,
    suspended, renewed, expired and burned (lines, on their own scale)."""
    weekly = issuance.get("weekly") or []
    if not weekly:
        return None
    figure = Figure(figsize=(8.0, 4.6), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    x = range(len(weekly))
    top.bar(x, [w["issued"] for w in weekly], color=BLUE, width=0.8)
    top.set_ylabel("issued")
    top.set_title("Credentials per week", loc="left", fontsize=11)
    lines = (
        ("revoked", RED),
        ("suspended", ORANGE),
        ("renewed", GREEN),
        ("expired", GREY),
        ("burned", "#6b4c9a"),
    )
    for name, colour in lines:
        bottom.plot(x, [w[name] for w in weekly], color=colour, marker=".", label=name)
    bottom.set_ylabel("other events")
    bottom.set_ylim(bottom=0)
    bottom.legend(frameon=False, fontsize=8, ncols=5, loc="upper left", bbox_to_anchor=(0, 1.25))
    for axes in (top, bottom):
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#e5e5e5", linewidth=0.8)
        axes.set_axisbelow(True)
    _week_ticks(bottom, [w["start"] for w in weekly])
    return png(figure)


def retention_figure(retention: dict[str, Any]) -> str | None:
    """Cohort x weeks since the cohort: the share active, as a heat map."""
    cohorts = retention.get("cohorts") or []
    if not cohorts:
        return None
    width = max(len(c["share"]) for c in cohorts)
    grid = [
        [c["share"][k] if k < len(c["share"]) else math.nan for k in range(width)] for c in cohorts
    ]
    figure = Figure(
        figsize=(min(11.0, 3.0 + 0.32 * width), min(11.0, 1.6 + 0.3 * len(cohorts))),
        layout="constrained",
    )
    axes = figure.add_subplot()
    image = axes.imshow(grid, cmap=HEAT, vmin=0.0, vmax=1.0, aspect="auto")
    figure.colorbar(image, ax=axes, fraction=0.04, label="share active")
    axes.set_xlabel("weeks since the cohort's first week")
    axes.set_ylabel("cohort (first credential's week)")
    axes.set_title("Cohort retention", loc="left", fontsize=11)
    step = max(1, math.ceil(len(cohorts) / 20))
    rows = list(range(0, len(cohorts), step))
    axes.set_yticks(rows, [f"{cohorts[i]['start']} (n={cohorts[i]['size']})" for i in rows])
    axes.tick_params(labelsize=8)
    if len(cohorts) <= ANNOTATE_CELLS and width <= ANNOTATE_CELLS:
        for i, row in enumerate(grid):
            for k, share in enumerate(row):
                if not math.isnan(share):
                    colour = "white" if share > 0.6 else "#222222"
                    axes.text(k, i, f"{share:.0%}", ha="center", va="center", fontsize=7, c=colour)
    return png(figure)


def survival_figure(churn: dict[str, Any]) -> str | None:
    """The Kaplan-Meier survival curve of time to churn (a step function
    from 1.0 at week 0), censored times marked."""
    table = churn.get("survival") or []
    if not table:
        return None
    figure, axes = _figure(6.0, 3.2)
    weeks = [0] + [int(r["weeks"]) for r in table]
    survival = [1.0] + [float(r["survival"]) for r in table]
    axes.step(weeks, survival, where="post", color=BLUE, label="S(t): not yet churned")
    censored = [(int(r["weeks"]), float(r["survival"])) for r in table if r["censored"]]
    if censored:
        axes.plot(*zip(*censored, strict=True), "|", color=GREY, ms=8, label="censored")
    if churn.get("median_weeks") is not None:
        axes.axhline(0.5, color=GREY, linewidth=0.8, linestyle="--")
    axes.set_ylim(0, 1.05)
    axes.set_xlabel("weeks since the first credential")
    axes.set_ylabel("share not churned")
    axes.set_title(
        f"Survival to churn ({churn.get('weeks')} weeks without activity)", loc="left", fontsize=11
    )
    axes.legend(frameon=False, fontsize=8)
    return png(figure)


def experiment_figure(experiment: dict[str, Any]) -> str | None:
    """Each arm's Kaplan-Meier curve of weeks retained from the assignment,
    the horizon marked."""
    arms = [a for a in experiment.get("arms") or [] if a.get("survival")]
    if not arms:
        return None
    figure, axes = _figure(6.0, 3.2)
    for arm, colour in zip(arms, (GREEN, BLUE, GREY), strict=False):
        weeks = [0] + [int(r["weeks"]) for r in arm["survival"]]
        survival = [1.0] + [float(r["survival"]) for r in arm["survival"]]
        axes.step(
            weeks, survival, where="post", color=colour, label=f"{arm['arm']} (n={arm['learners']})"
        )
    axes.axvline(int(experiment["horizon_weeks"]), color=GREY, linewidth=0.8, linestyle="--")
    axes.set_ylim(0, 1.05)
    axes.set_xlabel("weeks since the arms were assigned")
    axes.set_ylabel("share not churned")
    axes.set_title("Experiment: retention by arm", loc="left", fontsize=11)
    axes.legend(frameon=False, fontsize=8)
    return png(figure)


def membership_figure(membership: dict[str, Any]) -> str | None:
    """Joins and perk redemptions per week."""
    weekly = membership.get("weekly") or []
    if not weekly:
        return None
    figure, axes = _figure(6.0, 3.0)
    weeks = [int(r["week"]) for r in weekly]
    axes.bar([w - 0.2 for w in weeks], [r["joined"] for r in weekly], 0.4, color=GREEN,
             label="joined")  # fmt: skip
    axes.bar([w + 0.2 for w in weeks], [r["redemptions"] for r in weekly], 0.4, color=ORANGE,
             label="perk redemptions")  # fmt: skip
    _week_ticks(axes, [r["start"] for r in weekly])
    axes.set_title("Membership per week", loc="left", fontsize=11)
    axes.legend(frameon=False, fontsize=8)
    return png(figure)


def employer_figure(employer: dict[str, Any]) -> str | None:
    """Left: consented records per class and pathway, by outcome (grouped
    horizontal bars: verified, interviewed, hired). Right: the share of
    pathway completers with a record within 4, 8 and 12 weeks of their
    claim (of those observed that long)."""
    rows = employer.get("verifications") or []
    if not rows:
        return None
    figure = Figure(figsize=(8.0, 1.6 + 0.5 * len(rows)), layout="constrained")
    axes, shares = figure.subplots(1, 2, width_ratios=(3, 1.3))
    for a in (axes, shares):
        a.spines[["top", "right"]].set_visible(False)
        a.tick_params(labelsize=8)
    axes.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    axes.set_axisbelow(True)
    labels = [f"{r['kind']} {r['target']}: {r.get('name') or ''}" for r in rows]
    positions = list(range(len(rows)))
    bars = (("verified", BLUE), ("interviewed", ORANGE), ("hired", GREEN))
    for offset, (key, colour) in zip((-0.25, 0.0, 0.25), bars, strict=True):
        drawn = axes.barh([p + offset for p in positions], [int(r[key]) for r in rows], 0.25,
                          color=colour, label=key)  # fmt: skip
        axes.bar_label(drawn, fontsize=7, padding=2)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlabel("records (each with the holder's consent)", fontsize=8)
    axes.set_title("Employer records by outcome", loc="left", fontsize=11)
    axes.legend(frameon=False, fontsize=8)
    within = employer.get("completers_verified_within") or {}
    weeks = ("4", "8", "12")
    values = [100 * float(within.get(k) or 0) for k in weeks]
    drawn = shares.bar([f"{k} wk" for k in weeks], values, color=BLUE)
    shares.bar_label(drawn, labels=[f"{v:.0f}%" for v in values], fontsize=7, padding=2)
    shares.set_ylim(0, 100)
    shares.set_title("Completers verified within", loc="left", fontsize=9)
    return png(figure)


def funnel_figure(pathway: dict[str, Any]) -> str | None:
    """Learners by parts held now (horizontal bars), claims beside them."""
    funnel = pathway.get("funnel") or {}
    if not funnel:
        return None
    keys = sorted(funnel, key=int)
    figure, axes = _figure(6.0, 1.2 + 0.32 * (len(keys) + 1))
    axes.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    axes.grid(axis="y", visible=False)
    labels = [f"{k} of {pathway['parts_required']} parts" for k in keys] + ["claimed"]
    values = [int(funnel[k]) for k in keys] + [int(pathway.get("claims") or 0)]
    colours = [BLUE] * len(keys) + [GREEN]
    bars = axes.barh(labels, values, color=colours)
    axes.bar_label(bars, fontsize=8, padding=2)
    axes.invert_yaxis()
    axes.set_xlabel("learners (claims)")
    axes.set_title(f"Pathway funnel: {pathway.get('name')}", loc="left", fontsize=11)
    axes.tick_params(labelsize=8)
    return png(figure)


def market_figure(market: dict[str, Any]) -> str | None:
    """Market transfers per week."""
    weekly = market.get("weekly") or []
    if not weekly:
        return None
    figure, axes = _figure(7.0, 3.0)
    axes.bar(range(len(weekly)), [w["transfers"] for w in weekly], color=ORANGE, width=0.8)
    axes.set_ylabel("transfers")
    axes.set_title("Secondary market: transfers per week", loc="left", fontsize=11)
    _week_ticks(axes, [w["start"] for w in weekly])
    return png(figure)


def governance_figure(governance: dict[str, Any]) -> str | None:
    """Proposals through their stages (bars)."""
    stages = ("proposals", "approvals", "scheduled", "executed", "cancelled", "expired")
    values = [int(governance.get(s) or 0) for s in stages]
    figure, axes = _figure(6.0, 2.8)
    colours = [BLUE, BLUE, BLUE, GREEN, RED, GREY]
    bars = axes.bar(stages, values, color=colours)
    axes.bar_label(bars, fontsize=8, padding=2)
    axes.set_title("Governance", loc="left", fontsize=11)
    axes.tick_params(labelsize=8)
    axes.set_ylim(0, max([*values, 1]) * 1.2)
    return png(figure)


# FORMATTING #


def number(value: Any, digits: int = 1) -> str:
    """An int with thousands separators, a float with ``digits`` decimals,
    None as an em dash."""
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def percent(value: Any) -> str:
    """A share in [0, 1] as a percentage; None as an em dash."""
    if value is None:
        return "\u2014"
    return f"{100 * float(value):.1f}%"


def when(value: Any) -> str:
    """An ISO-8601 time as ``YYYY-MM-DD HH:MM UTC``; None as an em dash."""
    if value is None:
        return "\u2014"
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def index_contents(con: duckdb.DuckDBPyConnection | None) -> list[tuple[str, int]]:
    """Rows per event table of the index (a table with none left out), in
    one query."""
    if con is None:
        return []
    tables = [str(r[0]) for r in con.execute('SELECT "table" FROM _events ORDER BY 1').fetchall()]
    if not tables:
        return []
    query = " UNION ALL ".join(
        f"SELECT {literal(t)} AS t, count(*) AS n FROM {quote(t)}" for t in tables
    )
    return [(str(t), int(n)) for t, n in con.execute(query).fetchall() if n]


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("credstack.analytics", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters: dict[str, Callable[..., str]] = {
        "number": number,
        "percent": percent,
        "when": when,
    }
    env.filters.update(filters)
    return env


def render(metrics: dict[str, Any], con: duckdb.DuckDBPyConnection | None = None) -> str:
    """The page's HTML for ``metrics`` (a metrics.json document); ``con``
    (the index) adds the rows per table."""
    pathways = metrics.get("pathways") or []
    market = metrics.get("market")
    retention = metrics.get("retention") or {}
    figures = {
        "issuance": issuance_figure(metrics.get("issuance") or {}),
        "retention": retention_figure(retention),
        "survival": survival_figure(retention.get("churn") or {}),
        "funnels": [funnel_figure(p) for p in pathways],
        "market": market_figure(market) if market else None,
        "governance": governance_figure(metrics.get("governance") or {}),
        "employer": employer_figure(metrics["employer"]) if metrics.get("employer") else None,
        "membership": membership_figure(metrics["membership"])
        if metrics.get("membership")
        else None,
        "experiment": experiment_figure(metrics["experiment"])
        if metrics.get("experiment")
        else None,
    }
    offsets = max((len(c.get("share") or []) for c in retention.get("cohorts") or []), default=0)
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            m=metrics,
            figures=figures,
            counters=COUNTERS,
            offsets=offsets,
            contents=index_contents(con),
        )
    )


def write_report(
    metrics: dict[str, Any], con: duckdb.DuckDBPyConnection | None, path: str | Path
) -> Path:
    """Write report.html for ``metrics`` to ``path`` (a directory gets
    ``report.html`` inside it); written beside and renamed, so a reader
    never sees half a page. Returns the file's path."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(render(metrics, con), encoding="utf-8")
    os.replace(partial, path)
    return path


__all__ = ["render", "write_report"]
