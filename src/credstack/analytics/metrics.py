"""The pilot's metrics over the event index: issuance, retention (cohorts,
churn with Kaplan-Meier survival, time to a second credential), pathways,
the secondary market and governance; ``compute`` assembles the whole
metrics.json document. README's "Metrics" section defines each one; the
views they read are credstack.index.views.

Every function takes the connection of an index (``Index.connection``) and
a ``Window``: ``origin`` (week 0 starts there), ``end`` (the data's "now"),
``since`` and the number of weeks. Each binds the window to the
connection's variables (``credstack_since``, ``credstack_end``,
``credstack_origin``) before it reads, so the views and the ``windowed``
tables see only events with since <= block_time <= end. All SQL is
set-based; Python loops only over small results (weeks, classes, cohorts).

Times are naive datetimes in UTC (DuckDB's TIMESTAMP); metrics.json writes
them as ISO-8601 with a trailing Z."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from credstack.analytics.km import kaplan_meier
from credstack.index.views import main_tables, state_sql

SCHEMA = "credstack.analytics/1"
WEEK_US = 7 * 86_400 * 1_000_000
DAY_US = 86_400 * 1_000_000
HOUR_US = 3_600 * 1_000_000
ZERO = "0x0000000000000000000000000000000000000000"
COUNTERS = ("issued", "revoked", "suspended", "reinstated", "renewed", "burned", "expired")
# Expiry times above this (9999-12-31) are treated as never.
MAX_UNIX = 253_402_300_799

# What makes a learner active in a week: (table, wallet column). One entry
# per source; they become ONE relation (a UNION ALL of wallet, moment).
ACTIVITY_SOURCES = (
    ("credential_issued", "holder"),  # earned (a pathway claim's credential included)
    ("credential_renewed", "holder"),
    ("pathway_claimed", "holder"),
    # Membership: joining or renewing a tier, using a perk, booking a seat,
    # redeeming a pass.
    ("joined", "holder"),
    ("renewed", "holder"),
    ("perk_redeemed", "member"),
    ("offer_booked", "member"),
    ("pass_redeemed", "holder"),
)
# The membership contract's tables: all there, or membership is absent.
MEMBERSHIP_TABLES = (
    "tier_created", "joined", "renewed", "perk_added", "perk_redeemed", "offer_created",
    "offer_booked", "pass_redeemed",
)  # fmt: skip

# The employer registry's tables: all there, or employer uptake is absent.
EMPLOYER_TABLES = (
    "employer_added", "employer_removed", "endorsed", "endorsement_withdrawn",
    "credential_verified", "consent_revoked",
)  # fmt: skip
# Weeks after a pathway claim within which a completer's consented
# verification is counted (README "Metrics").
VERIFIED_WITHIN = (4, 8, 12)

ABSENT = {
    "employer": (
        "no employer registry in this deployment: employer uptake is measured once one is "
        "deployed; nothing is shown rather than zeros"
    ),
    "membership": (
        "no membership contract in this deployment: membership and perk redemptions are "
        "measured once one is deployed (its issue defines them); nothing is shown rather "
        "than zeros"
    ),
}


@dataclass
class Window:
    """The span analysed: week n covers [origin + 7n days, origin + 7(n+1)
    days); ``weeks`` = W + 1 where W is the week of ``end``."""

    origin: dt.datetime
    end: dt.datetime
    since: dt.datetime | None
    weeks: int

    @property
    def last_week(self) -> int:
        """W, the week ``end`` falls in."""
        return self.weeks - 1

    def start(self, week: int) -> str:
        """The start date of week ``week`` (ISO date)."""
        return (self.origin + dt.timedelta(days=7 * week)).date().isoformat()


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def iso(moment: dt.datetime | None) -> str | None:
    """ISO-8601 UTC with a trailing Z (None stays None)."""
    if moment is None:
        return None
    return _naive_utc(moment).isoformat(timespec="seconds") + "Z"


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    row = con.execute(sql, params or []).fetchone()
    return None if row is None else row[0]


def _week(column: str) -> str:
    """SQL: the week number of a TIMESTAMP expression."""
    return f"((epoch_us({column}) - epoch_us(getvariable('credstack_origin'))) // {WEEK_US})"


def window(
    con: duckdb.DuckDBPyConnection,
    since: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Window:
    """The window of an index: ``end`` = ``now``, else the time of the last
    synced block; ``origin`` = midnight UTC of ``since``, else the time of
    the index's first block (the deployment)."""
    first = _one(con, "SELECT min(time) FROM _blocks")
    if now is not None:
        end = _naive_utc(now)
    else:
        end = _one(
            con,
            "SELECT coalesce((SELECT b.time FROM _blocks b JOIN _meta m "
            "ON b.number = m.synced_block), (SELECT max(time) FROM _blocks))",
        )
        if end is None:
            end = _naive_utc(dt.datetime.now(dt.UTC))
    start = dt.datetime.combine(since, dt.time()) if since is not None else None
    origin = start if start is not None else (first if first is not None else end)
    last = max((end - origin) // dt.timedelta(days=7), 0)
    return Window(origin=origin, end=end, since=start, weeks=last + 1)


def bind(con: duckdb.DuckDBPyConnection, w: Window) -> None:
    """Set the connection's window variables to ``w`` (the views and the
    ``windowed`` tables read them) and snapshot the views the metrics read
    into temp tables ``analytics_credentials`` (``credentials`` without
    history), ``analytics_learners`` and ``analytics_market`` (market
    transfers): made again only when the window,
    the synced block or a table's row count changed."""
    con.execute("SET VARIABLE credstack_end = ?::TIMESTAMP", [w.end])
    con.execute("SET VARIABLE credstack_origin = ?::TIMESTAMP", [w.origin])
    if w.since is None:
        con.execute("RESET VARIABLE credstack_since")
    else:
        con.execute("SET VARIABLE credstack_since = ?::TIMESTAMP", [w.since])
    sizes = _one(
        con,
        "SELECT string_agg(table_name || ':' || estimated_size, ',' ORDER BY table_name) "
        "FROM duckdb_tables() WHERE schema_name = 'main' "
        "AND database_name = current_database()",
    )
    synced = _one(con, "SELECT synced_block FROM _meta")
    key = f"{w.origin}|{w.end}|{w.since}|{synced}|{sizes}"
    if _one(con, "SELECT getvariable('credstack_snapshot')") == key:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE analytics_learners AS SELECT * FROM learners")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE analytics_market AS SELECT * FROM analytics.market_transfers"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE analytics_credentials AS "
        + state_sql("temp.analytics_learners", "temp.analytics_market")
    )
    con.execute("SET VARIABLE credstack_snapshot = ?", [key])


def _quantiles(con: duckdb.DuckDBPyConnection, relation: str, column: str) -> dict[str, Any]:
    """count, median, p25, p75 (linear interpolation) of ``column``."""
    row = con.execute(
        f"SELECT count({column}), quantile_cont({column}, 0.5), "
        f"quantile_cont({column}, 0.25), quantile_cont({column}, 0.75) FROM {relation}"
    ).fetchone()
    assert row is not None
    return {"count": int(row[0]), "median": row[1], "p25": row[2], "p75": row[3]}


# ISSUANCE #

EXPIRED = """
SELECT class_id, make_timestamp(CAST(expires_at AS BIGINT) * 1000000) AS moment
FROM temp.analytics_credentials
WHERE expires_at <> 0 AND expires_at <= {max_unix}
  AND make_timestamp(CAST(expires_at AS BIGINT) * 1000000) <= getvariable('credstack_end')
  AND (revoked_at IS NULL OR revoked_at >= make_timestamp(CAST(expires_at AS BIGINT) * 1000000))
  AND (burned_at IS NULL OR burned_at >= make_timestamp(CAST(expires_at AS BIGINT) * 1000000))
"""


def issuance(con: duckdb.DuckDBPyConnection, w: Window) -> dict[str, Any]:
    """Issued, revoked (and by reason), suspended, reinstated, renewed,
    burned and expired per week and per class, with totals and the
    credentials valid now."""
    bind(con, w)
    expired = EXPIRED.format(max_unix=MAX_UNIX)
    counts = con.execute(
        f"""
        WITH ev AS (
            SELECT 'issued' AS kind, class_id, block_time AS moment FROM windowed.credential_issued
            UNION ALL SELECT 'revoked', class_id, block_time FROM windowed.credential_revoked
            UNION ALL SELECT 'suspended', class_id, block_time FROM windowed.credential_suspended
            UNION ALL SELECT 'reinstated', class_id, block_time FROM windowed.credential_reinstated
            UNION ALL SELECT 'renewed', class_id, block_time FROM windowed.credential_renewed
            UNION ALL SELECT 'burned', class_id, block_time FROM windowed.credential_burned
            UNION ALL SELECT 'expired', class_id, moment FROM ({expired})
        )
        SELECT {_week("moment")} AS week, class_id, kind, count(*) FROM ev GROUP BY ALL
        """
    ).fetchall()
    valid = dict(
        con.execute(
            "SELECT class_id, count(*) FROM temp.analytics_credentials "
            "WHERE status_now = 'active' GROUP BY 1"
        ).fetchall()
    )
    reasons = con.execute(
        "SELECT reason, count(*) AS n FROM windowed.credential_revoked GROUP BY 1 "
        "ORDER BY n DESC, reason"
    ).fetchall()
    classes = con.execute(
        "SELECT class_id, name, issuer, transferable FROM main.class_created "
        "WHERE block_time <= getvariable('credstack_end') ORDER BY class_id"
    ).fetchall()

    totals = dict.fromkeys(COUNTERS, 0)
    weekly = [
        {"week": n, "start": w.start(n), **dict.fromkeys(COUNTERS, 0)} for n in range(w.weeks)
    ]
    per_class: dict[int, dict[str, int]] = {}
    for week, class_id, kind, n in counts:
        totals[kind] += n
        if 0 <= week < w.weeks:
            weekly[week][kind] += n
        per_class.setdefault(int(class_id), dict.fromkeys(COUNTERS, 0))[kind] += n
    known = {int(c[0]): c for c in classes}
    by_class = []
    for class_id in sorted(set(known) | set(per_class) | {int(k) for k in valid}):
        _, name, issuer, transferable = known.get(class_id, (class_id, None, None, None))
        by_class.append(
            {
                "class_id": class_id,
                "name": name,
                "issuer": issuer,
                "transferable": transferable,
                **per_class.get(class_id, dict.fromkeys(COUNTERS, 0)),
                "valid_now": int(valid.get(class_id, 0)),
            }
        )
    return {
        "totals": {**totals, "valid_now": int(sum(valid.values()))},
        "revoked_by_reason": {str(r): int(n) for r, n in reasons},
        "weekly": weekly,
        "by_class": by_class,
    }


# RETENTION #


def activity_sql(con: duckdb.DuckDBPyConnection) -> str:
    """The activity relation (wallet, moment): ONE union of ACTIVITY_SOURCES
    (the sources whose tables this index has)."""
    tables = main_tables(con)
    parts = [
        f"SELECT {column} AS wallet, block_time AS moment FROM windowed.{table}"
        for table, column in ACTIVITY_SOURCES
        if table in tables
    ]
    return "\nUNION ALL ".join(parts)


def _active_sql(con: duckdb.DuckDBPyConnection) -> str:
    """(learner, cohort, week) for each week a learner was active, from
    their cohort (the week of their first credential_issued) on."""
    return f"""
        WITH
        activity AS ({activity_sql(con)}),
        members AS (
            SELECT l.learner, min({_week("i.block_time")}) AS cohort
            FROM windowed.credential_issued i JOIN temp.analytics_learners l ON l.wallet = i.holder
            GROUP BY l.learner
        )
        SELECT DISTINCT l.learner, m.cohort, {_week("a.moment")} AS week
        FROM activity a
        JOIN temp.analytics_learners l ON l.wallet = a.wallet
        JOIN members m ON m.learner = l.learner
        WHERE {_week("a.moment")} >= m.cohort
    """


def retention(con: duckdb.DuckDBPyConnection, w: Window, churn_weeks: int = 6) -> dict[str, Any]:
    """Cohorts (the week of a learner's first credential) and the share of
    each active in each later week; churn (``churn_weeks`` weeks in a row
    without activity) with its Kaplan-Meier survival; days from a learner's
    first to second credential."""
    if churn_weeks < 1:
        raise ValueError("churn_weeks must be at least 1")
    bind(con, w)
    con.execute(f"CREATE OR REPLACE TEMP TABLE analytics_active AS {_active_sql(con)}")
    # Every member is active in their cohort week (their first credential).
    sizes = dict(
        con.execute(
            "SELECT cohort, count(*) FROM temp.analytics_active WHERE week = cohort GROUP BY 1"
        ).fetchall()
    )
    cells = con.execute(
        "SELECT cohort, week - cohort, count(*) FROM temp.analytics_active GROUP BY ALL"
    ).fetchall()
    grid: dict[int, dict[int, int]] = {}
    for cohort, offset, n in cells:
        grid.setdefault(int(cohort), {})[int(offset)] = int(n)
    cohorts = []
    for cohort in sorted(int(c) for c in sizes):
        size = int(sizes[cohort])
        span = max(w.last_week - cohort + 1, 0)
        active = [grid.get(cohort, {}).get(k, 0) for k in range(span)]
        cohorts.append(
            {
                "cohort": cohort,
                "start": w.start(cohort),
                "size": size,
                "active": active,
                "share": [n / size for n in active],
            }
        )
    # Churn: the first gap of >= N inactive weeks (up to W) after an active week.
    last = w.last_week
    fates = con.execute(
        f"""
        WITH
        gaps AS (
            SELECT learner, cohort, week,
                   coalesce(lead(week) OVER (PARTITION BY learner ORDER BY week), {last} + 1)
                       AS next
            FROM temp.analytics_active
        ),
        fate AS (
            SELECT learner, any_value(cohort) AS cohort,
                   min(week) FILTER (WHERE next - week - 1 >= {churn_weeks}) AS last_active
            FROM gaps GROUP BY learner
        )
        SELECT coalesce(last_active, {last}) - cohort + 1 AS duration,
               last_active IS NOT NULL AS churned, count(*)
        FROM fate GROUP BY ALL ORDER BY 1, 2
        """
    ).fetchall()
    survival = kaplan_meier(
        [int(f[0]) for f in fates], [bool(f[1]) for f in fates], [int(f[2]) for f in fates]
    )
    second = _quantiles(
        con,
        """(
            WITH ranked AS (
                SELECT l.learner, i.block_time,
                       row_number() OVER (PARTITION BY l.learner
                                          ORDER BY i.block_number, i.log_index) AS nth
                FROM windowed.credential_issued i
                JOIN temp.analytics_learners l ON l.wallet = i.holder
                QUALIFY nth <= 2
            )
            SELECT (epoch_us(max(block_time)) - epoch_us(min(block_time))) / """
        + f"{DAY_US}"
        + """ AS days
            FROM ranked GROUP BY learner HAVING count(*) = 2
        )""",
        "days",
    )
    return {
        "learners": int(sum(sizes.values())),
        "cohorts": cohorts,
        "churn": {
            "weeks": churn_weeks,
            "churned": int(sum(f[2] for f in fates if f[1])),
            "censored": int(sum(f[2] for f in fates if not f[1])),
            "survival": survival.table,
            "median_weeks": survival.median,
        },
        "second_credential_days": {
            "learners": second["count"],
            "median": second["median"],
            "p25": second["p25"],
            "p75": second["p75"],
        },
    }


# PATHWAYS #


def pathways(con: duckdb.DuckDBPyConnection, w: Window) -> list[dict[str, Any]]:
    """Per pathway: the funnel of learners by parts held now, claims, the
    claim rate, days from first part to claim, and cross-credit claims."""
    bind(con, w)
    if not {"pathway_created", "pathway_claimed"} <= main_tables(con):
        return []
    end = "getvariable('credstack_end')"
    ctes = f"""
        p AS (
            SELECT pathway_id, name, issuer, output_class, required, options
            FROM main.pathway_created WHERE block_time <= {end}
        ),
        opts AS (
            SELECT pathway_id, o.class_id, o.min_score, o."group" AS grp
            FROM (SELECT pathway_id, unnest(options) AS o FROM p)
        ),
        req AS (
            SELECT pathway_id, unnest(required) AS need,
                   unnest(range(len(required))) AS grp
            FROM p
        ),
        held_group AS (
            SELECT o.pathway_id, o.grp, c.learner, count(DISTINCT c.token_id) AS n
            FROM temp.analytics_credentials c
            JOIN temp.analytics_learners h ON h.wallet = c.holder_now AND h.learner = c.learner
            JOIN opts o ON o.class_id = c.class_id AND c.score >= o.min_score
            WHERE c.status_now = 'active'
            GROUP BY ALL
        ),
        held AS (
            SELECT g.pathway_id, g.learner, sum(least(g.n, r.need)) AS parts
            FROM held_group g JOIN req r ON r.pathway_id = g.pathway_id AND r.grp = g.grp
            GROUP BY ALL
        ),
        started AS (
            SELECT DISTINCT o.pathway_id, c.learner
            FROM temp.analytics_credentials c
            JOIN (SELECT DISTINCT pathway_id, class_id FROM opts) o
                ON o.class_id = c.class_id
        )
    """
    defined = con.execute(
        f"WITH {ctes} SELECT pathway_id, name, issuer, output_class, "
        "CAST(list_sum(required) AS BIGINT) FROM p ORDER BY pathway_id"
    ).fetchall()
    funnel_rows = con.execute(
        f"WITH {ctes} SELECT s.pathway_id, coalesce(h.parts, 0), count(*) FROM started s "
        "LEFT JOIN held h ON h.pathway_id = s.pathway_id AND h.learner = s.learner GROUP BY ALL"
    ).fetchall()
    claims_sql = f"""
        WITH {ctes},
        claims AS (
            SELECT pathway_id, block_number * 4294967296 + log_index AS pos, block_time, parts
            FROM windowed.pathway_claimed
        ),
        claim_parts AS (
            SELECT pathway_id, pos, block_time, unnest(parts) AS token_id FROM claims
        ),
        per_claim AS (
            SELECT k.pathway_id, k.pos, any_value(k.block_time) AS claimed_at,
                   min(c.issued_at) AS first_part,
                   coalesce(bool_or(cls.issuer <> p.issuer), false) AS cross_credit
            FROM claim_parts k
            JOIN p ON p.pathway_id = k.pathway_id
            LEFT JOIN temp.analytics_credentials c ON c.token_id = k.token_id
            LEFT JOIN main.credential_issued t
                ON t.token_id = k.token_id AND t.block_time <= {end}
            LEFT JOIN main.class_created cls ON cls.class_id = t.class_id
            GROUP BY k.pathway_id, k.pos
        )
    """
    claim_counts = {
        int(r[0]): (int(r[1]), int(r[2]))
        for r in con.execute(
            claims_sql + " SELECT pathway_id, count(*), count(*) FILTER (WHERE cross_credit) "
            "FROM per_claim GROUP BY 1"
        ).fetchall()
    }
    durations = {
        int(r[0]): r[1:]
        for r in con.execute(
            claims_sql
            + f""",
            days AS (
                SELECT pathway_id,
                       (epoch_us(claimed_at) - epoch_us(first_part)) / {DAY_US} AS d
                FROM per_claim WHERE first_part IS NOT NULL
            )
            SELECT pathway_id, count(d), quantile_cont(d, 0.5), quantile_cont(d, 0.25),
                   quantile_cont(d, 0.75)
            FROM days GROUP BY 1
            """
        ).fetchall()
    }
    funnels: dict[int, dict[int, int]] = {}
    for pathway_id, parts, n in funnel_rows:
        funnels.setdefault(int(pathway_id), {})[int(parts)] = int(n)
    out = []
    for pathway_id, name, issuer, output_class, required in defined:
        pid = int(pathway_id)
        required = int(required or 0)
        funnel = funnels.get(pid, {})
        started = sum(funnel.values())
        claims, cross = claim_counts.get(pid, (0, 0))
        days = durations.get(pid, (0, None, None, None))
        out.append(
            {
                "pathway_id": pid,
                "name": name,
                "issuer": issuer,
                "output_class": int(output_class),
                "parts_required": required,
                "started": started,
                "funnel": {str(k): funnel.get(k, 0) for k in range(required + 1)},
                "claims": claims,
                "claim_rate": claims / started if started else None,
                "days_first_part_to_claim": {
                    "claims": int(days[0]),
                    "median": days[1],
                    "p25": days[2],
                    "p75": days[3],
                },
                "cross_credit_claims": cross,
                "cross_credit_share": cross / claims if claims else None,
            }
        )
    return out


# SECONDARY MARKET #


def market(con: duckdb.DuckDBPyConnection, w: Window) -> dict[str, Any] | None:
    """Market transfers of transferable classes (not mint, burn, revocation
    or recovery): volume, traders, the share of tokens ever traded,
    holding time, traded tokens later used up; None without a
    transferable class."""
    bind(con, w)
    end = "getvariable('credstack_end')"
    classes = [
        int(r[0])
        for r in con.execute(
            "SELECT DISTINCT class_id FROM main.class_created "
            f"WHERE transferable AND block_time <= {end} ORDER BY 1"
        ).fetchall()
    ]
    if not classes:
        return None
    tradable = (
        f"(SELECT DISTINCT class_id FROM main.class_created WHERE transferable "
        f"AND block_time <= {end})"
    )
    volume = con.execute(
        "SELECT count(*), count(DISTINCT sender), count(DISTINCT receiver) "
        "FROM temp.analytics_market"
    ).fetchone()
    assert volume is not None
    tokens = con.execute(
        f"""
        SELECT count(*), count(*) FILTER (WHERE transfers > 0),
               avg(transfers) FILTER (WHERE transfers > 0),
               count(*) FILTER (WHERE transfers > 0 AND burned_at IS NOT NULL)
        FROM temp.analytics_credentials WHERE class_id IN {tradable}
        """
    ).fetchone()
    assert tokens is not None
    holding = _one(
        con,
        f"""
        WITH changes AS (
            SELECT token_id, block_number * 4294967296 + log_index AS pos, block_time,
                   false AS market
            FROM windowed.credential_issued WHERE class_id IN {tradable}
            UNION ALL
            SELECT token_id, pos, block_time, true FROM temp.analytics_market
            UNION ALL
            SELECT token_id, block_number * 4294967296 + log_index, block_time, false
            FROM windowed.credential_recovered WHERE class_id IN {tradable}
        ),
        held AS (
            SELECT market, (epoch_us(block_time) - epoch_us(lag(block_time)
                       OVER (PARTITION BY token_id ORDER BY pos))) / {DAY_US} AS days
            FROM changes
        )
        SELECT quantile_cont(days, 0.5) FROM held WHERE market
        """,
    )
    weekly = dict(
        con.execute(
            f"SELECT {_week('block_time')}, count(*) FROM temp.analytics_market GROUP BY 1"
        ).fetchall()
    )
    count, traded = int(tokens[0]), int(tokens[1])
    return {
        "classes": classes,
        "tokens": count,
        "transfers": int(volume[0]),
        "senders": int(volume[1]),
        "receivers": int(volume[2]),
        "tokens_traded": traded,
        "traded_share": traded / count if count else None,
        "transfers_per_traded_token": float(tokens[2]) if tokens[2] is not None else None,
        "median_holding_days": holding,
        "traded_then_used": int(tokens[3]),
        "weekly": [
            {"week": n, "start": w.start(n), "transfers": int(weekly.get(n, 0))}
            for n in range(w.weeks)
        ],
    }


# GOVERNANCE #

COUNCIL_TABLES = (
    "proposal_created",
    "proposal_approved",
    "proposal_scheduled",
    "proposal_executed",
    "proposal_cancelled",
)


def governance(con: duckdb.DuckDBPyConnection, w: Window) -> dict[str, Any]:
    """Proposals, approvals, scheduled, executed, cancelled and expired;
    hours from proposal to execution; the registry's pauses and their
    length; revocations forced through the timelock."""
    bind(con, w)
    tables = main_tables(con)
    out: dict[str, Any] = {}
    if set(COUNCIL_TABLES) <= tables:
        row = con.execute(
            """
            SELECT (SELECT count(*) FROM windowed.proposal_created),
                   (SELECT count(*) FROM windowed.proposal_approved),
                   (SELECT count(*) FROM windowed.proposal_scheduled),
                   (SELECT count(*) FROM windowed.proposal_executed),
                   (SELECT count(*) FROM windowed.proposal_cancelled),
                   (SELECT count(DISTINCT s.proposal_id) FROM windowed.proposal_scheduled s
                    WHERE s.expires_at <= epoch(getvariable('credstack_end'))
                      AND s.proposal_id NOT IN (SELECT proposal_id FROM windowed.proposal_executed)
                      AND s.proposal_id NOT IN
                          (SELECT proposal_id FROM windowed.proposal_cancelled))
            """
        ).fetchone()
        assert row is not None
        hours = con.execute(
            f"""
            WITH h AS (
                SELECT (epoch_us(e.block_time) - epoch_us(c.block_time)) / {HOUR_US} AS hours
                FROM windowed.proposal_executed e
                JOIN windowed.proposal_created c ON c.proposal_id = e.proposal_id
            )
            SELECT count(hours), quantile_cont(hours, 0.5), min(hours), max(hours) FROM h
            """
        ).fetchone()
        assert hours is not None
    else:
        row = (0, 0, 0, 0, 0, 0)
        hours = (0, None, None, None)
    names = ("proposals", "approvals", "scheduled", "executed", "cancelled", "expired")
    out.update({k: int(v) for k, v in zip(names, row, strict=True)})
    out["hours_to_execution"] = {
        "proposals": int(hours[0]),
        "median": hours[1],
        "min": hours[2],
        "max": hours[3],
    }
    pauses = con.execute(
        f"""
        WITH p AS (
            SELECT block_number * 4294967296 + log_index AS pos, block_time
            FROM windowed.paused WHERE contract = 'CredentialRegistry'
        ),
        u AS (
            SELECT block_number * 4294967296 + log_index AS pos, block_time
            FROM windowed.unpaused WHERE contract = 'CredentialRegistry'
        ),
        paired AS (
            SELECT p.pos, p.block_time AS paused_at,
                   (SELECT arg_min(u.block_time, u.pos) FROM u WHERE u.pos > p.pos) AS unpaused_at
            FROM p
        )
        SELECT paused_at, unpaused_at,
               (epoch_us(coalesce(unpaused_at, getvariable('credstack_end')))
                - epoch_us(paused_at)) / {HOUR_US}
        FROM paired ORDER BY pos
        """
    ).fetchall()
    out["pauses"] = [
        {"paused_at": iso(p), "unpaused_at": iso(u), "hours": float(h)} for p, u, h in pauses
    ]
    out["paused_hours"] = float(sum(float(h) for _, _, h in pauses))
    forced = 0
    if "call_executed" in tables:
        forced = int(
            _one(
                con,
                "SELECT count(*) FROM windowed.credential_revoked r WHERE r.tx_hash IN "
                "(SELECT tx_hash FROM windowed.call_executed)",
            )
        )
    out["forced_revocations"] = forced
    return out


# THE DOCUMENT #


# MEMBERSHIP #


def membership(con: duckdb.DuckDBPyConnection, w: Window) -> dict[str, Any] | None:
    """Tiers (members, renewals, valid now), perks (redemptions and units
    used, members using them, how many a provider sent for the member),
    offers (seats taken by bookings and passes, fill rate), passes redeemed
    (and how many had changed hands first), joins and redemptions per week;
    None when the deployment has no membership contract."""
    if not set(MEMBERSHIP_TABLES) <= main_tables(con):
        return None
    bind(con, w)
    end = "epoch(getvariable('credstack_end'))"
    # A membership is keyed by (tier, holder): its id, tier << 160 | holder,
    # does not fit the index's 128-bit integers (stored NULL).
    tiers = con.execute(
        f"""
        WITH
        latest AS (
            SELECT tier_id, holder, expires_at, parts,
                   row_number() OVER (PARTITION BY tier_id, holder
                                      ORDER BY block_number DESC, log_index DESC) AS nth
            FROM (SELECT tier_id, holder, expires_at, parts, block_number, log_index
                  FROM windowed.joined
                  UNION ALL
                  SELECT tier_id, holder, expires_at, parts, block_number, log_index
                  FROM windowed.renewed)
            QUALIFY nth = 1
        ),
        valid AS (
            SELECT l.tier_id, l.holder
            FROM latest l
            WHERE l.expires_at > {end}
              AND NOT EXISTS (
                  SELECT 1 FROM unnest(l.parts) AS p(token_id)
                  LEFT JOIN temp.analytics_credentials c ON c.token_id = p.token_id
                  WHERE c.status_now IS DISTINCT FROM 'active' OR c.holder_now <> l.holder
              )
        )
        SELECT t.tier_id, t.name, t.issuer, t.period,
               (SELECT count(DISTINCT j.holder) FROM windowed.joined j
                WHERE j.tier_id = t.tier_id) AS members,
               (SELECT count(*) FROM windowed.renewed r WHERE r.tier_id = t.tier_id),
               (SELECT count(*) FROM valid v WHERE v.tier_id = t.tier_id)
        FROM main.tier_created t WHERE t.block_time <= getvariable('credstack_end')
        ORDER BY t.tier_id
        """
    ).fetchall()
    perks = con.execute(
        """
        SELECT p.perk_id, p.tier_id, p.name, p.allowance,
               count(r.member), coalesce(sum(r.quantity), 0), count(DISTINCT r.member),
               count(r.member) FILTER (WHERE r.provider <> r.member)
        FROM main.perk_added p LEFT JOIN windowed.perk_redeemed r ON r.perk_id = p.perk_id
        WHERE p.block_time <= getvariable('credstack_end')
        GROUP BY ALL ORDER BY p.perk_id
        """
    ).fetchall()
    offers = con.execute(
        """
        SELECT o.offer_id, o.tier_id, o.perk_id, o.pass_class, o.capacity,
               (SELECT count(*) FROM windowed.offer_booked b WHERE b.offer_id = o.offer_id),
               (SELECT count(*) FROM windowed.pass_redeemed x WHERE x.offer_id = o.offer_id)
        FROM main.offer_created o WHERE o.block_time <= getvariable('credstack_end')
        ORDER BY o.offer_id
        """
    ).fetchall()
    passes = con.execute(
        """
        SELECT count(*),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM temp.analytics_market m
                   WHERE m.token_id = x.token_id
                     AND m.pos < x.block_number * 4294967296 + x.log_index
               ))
        FROM windowed.pass_redeemed x
        """
    ).fetchone()
    assert passes is not None
    members = _one(
        con,
        "SELECT count(DISTINCT l.learner) FROM windowed.joined j "
        "JOIN temp.analytics_learners l ON l.wallet = j.holder",
    )
    weekly_rows = dict(
        (int(week), (int(j), int(r)))
        for week, j, r in con.execute(
            f"""
            SELECT week, count(*) FILTER (WHERE kind = 'j'), count(*) FILTER (WHERE kind = 'r')
            FROM (SELECT {_week("block_time")} AS week, 'j' AS kind FROM windowed.joined
                  UNION ALL
                  SELECT {_week("block_time")}, 'r' FROM windowed.perk_redeemed)
            GROUP BY week
            """
        ).fetchall()
    )
    return {
        "members": int(members or 0),
        "tiers": [
            {
                "tier_id": int(t[0]), "name": str(t[1]), "issuer": str(t[2]),
                "period_days": int(t[3]) / 86_400, "members": int(t[4]), "renewals": int(t[5]),
                "valid_now": int(t[6]),
            }
            for t in tiers
        ],
        "perks": [
            {
                "perk_id": int(p[0]), "tier_id": int(p[1]), "name": str(p[2]),
                "allowance": int(p[3]), "redemptions": int(p[4]), "quantity": int(p[5]),
                "members": int(p[6]), "by_provider": int(p[7]),
            }
            for p in perks
        ],
        "offers": [
            {
                "offer_id": int(o[0]), "tier_id": int(o[1]), "perk_id": int(o[2]),
                "pass_class": int(o[3]), "capacity": int(o[4]), "booked": int(o[5]),
                "passes": int(o[6]),
                "fill_rate": (int(o[5]) + int(o[6])) / int(o[4]) if int(o[4]) else None,
            }
            for o in offers
        ],
        "passes": {
            "redeemed": int(passes[0]),
            "redeemed_after_transfer": int(passes[1]),
        },
        "weekly": [
            {
                "week": k, "start": w.start(k),
                "joined": weekly_rows.get(k, (0, 0))[0],
                "redemptions": weekly_rows.get(k, (0, 0))[1],
            }
            for k in range(w.weeks)
        ],
    }  # fmt: skip


# EMPLOYERS #


def employer(con: duckdb.DuckDBPyConnection, w: Window) -> dict[str, Any] | None:
    """Employer uptake: employers onboarded, removed and active (endorsed or
    recorded in the window); standing endorsements per class or pathway and
    job-task code (not withdrawn, by employers active at the window's end);
    consented records per class and pathway by outcome (a pathway's row
    counts its credential's records, a class row the other classes'); the
    share of pathway completers (learners with a claim) with a record of any
    of their credentials within 4, 8 and 12 weeks of their first claim,
    each over the completers whose claim is at least that long before the
    window's end (the later ones are censored, not counted as unverified);
    days from a credential's issue to its first record; hires recorded for
    completers per completer; consents revoked. None when the deployment
    has no employer registry."""
    if not set(EMPLOYER_TABLES) <= main_tables(con):
        return None
    bind(con, w)
    end = "getvariable('credstack_end')"
    onboarded, removed, active = con.execute(
        """
        SELECT (SELECT count(DISTINCT employer) FROM windowed.employer_added),
               (SELECT count(DISTINCT employer) FROM windowed.employer_removed),
               (SELECT count(DISTINCT employer) FROM (
                   SELECT employer FROM windowed.endorsed
                   UNION ALL SELECT employer FROM windowed.credential_verified))
        """
    ).fetchone() or (0, 0, 0)
    # Employers active at the end: the last add or removal (whenever) says.
    status = f"""
        status AS (
            SELECT employer, arg_max(added, block_number * 4294967296 + log_index) AS active
            FROM (SELECT employer, true AS added, block_number, log_index
                  FROM main.employer_added WHERE block_time <= {end}
                  UNION ALL
                  SELECT employer, false, block_number, log_index
                  FROM main.employer_removed WHERE block_time <= {end})
            GROUP BY employer
        )
    """
    names = f"""
        names AS (
            SELECT 0 AS kind, class_id AS target, name FROM main.class_created
            WHERE block_time <= {end}
            UNION ALL
            SELECT 1, pathway_id, name FROM main.pathway_created WHERE block_time <= {end}
        )
    """
    has_pathways = "pathway_created" in main_tables(con)
    if not has_pathways:
        names = f"""
        names AS (
            SELECT 0 AS kind, class_id AS target, name FROM main.class_created
            WHERE block_time <= {end}
        )
        """
    endorsements = con.execute(
        f"""
        WITH {status}, {names},
        latest AS (
            SELECT employer, kind, target_id, task,
                   arg_max(endorsed, block_number * 4294967296 + log_index) AS standing
            FROM (SELECT employer, kind, target_id, task, true AS endorsed, block_number,
                         log_index FROM main.endorsed WHERE block_time <= {end}
                  UNION ALL
                  SELECT employer, kind, target_id, task, false, block_number, log_index
                  FROM main.endorsement_withdrawn WHERE block_time <= {end})
            GROUP BY ALL
        )
        SELECT l.kind, l.target_id, any_value(n.name), l.task, count(*)
        FROM latest l JOIN status s ON s.employer = l.employer AND s.active
        LEFT JOIN names n ON n.kind = l.kind AND n.target = l.target_id
        WHERE l.standing
        GROUP BY l.kind, l.target_id, l.task ORDER BY l.kind, l.target_id, l.task
        """
    ).fetchall()
    outputs = (
        f"SELECT pathway_id, output_class, name FROM main.pathway_created WHERE block_time <= {end}"
        if has_pathways
        else "SELECT NULL::UBIGINT AS pathway_id, NULL::UBIGINT AS output_class, "
        "NULL::VARCHAR AS name WHERE false"
    )
    verifications = con.execute(
        f"""
        WITH outputs AS ({outputs}),
        rows AS (
            SELECT CASE WHEN o.pathway_id IS NULL THEN 0 ELSE 1 END AS kind,
                   coalesce(o.pathway_id, v.class_id) AS target,
                   coalesce(o.name, c.name) AS name, v.outcome
            FROM windowed.credential_verified v
            LEFT JOIN outputs o ON o.output_class = v.class_id
            LEFT JOIN main.class_created c ON c.class_id = v.class_id
        )
        SELECT kind, target, any_value(name),
               count(*) FILTER (WHERE outcome = 1), count(*) FILTER (WHERE outcome = 2),
               count(*) FILTER (WHERE outcome = 4)
        FROM rows GROUP BY kind, target ORDER BY kind, target
        """
    ).fetchall()
    completers_sql = (
        f"""
        completers AS (
            SELECT l.learner, min(p.block_time) AS claimed_at
            FROM windowed.pathway_claimed p
            JOIN temp.analytics_learners l ON l.wallet = p.holder
            GROUP BY l.learner
        ),
        records AS (
            SELECT l.learner, v.block_time, v.outcome
            FROM main.credential_verified v
            JOIN temp.analytics_learners l ON l.wallet = v.holder
            WHERE v.block_time <= {end}
        )
        """
        if has_pathways
        else "completers AS (SELECT NULL AS learner, NULL::TIMESTAMP AS claimed_at "
        "WHERE false), records AS (SELECT NULL AS learner, NULL::TIMESTAMP AS block_time, "
        "0 AS outcome WHERE false)"
    )
    within: dict[str, Any] = {}
    observed: dict[str, int] = {}
    for weeks in VERIFIED_WITHIN:
        span = weeks * 7 * DAY_US
        row = con.execute(
            f"""
            WITH {completers_sql}
            SELECT count(*),
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM records r WHERE r.learner = c.learner
                         AND r.block_time >= c.claimed_at
                         AND epoch_us(r.block_time) - epoch_us(c.claimed_at) <= {span}))
            FROM completers c
            WHERE epoch_us({end}) - epoch_us(c.claimed_at) >= {span}
            """
        ).fetchone()
        assert row is not None
        observed[str(weeks)] = int(row[0])
        within[str(weeks)] = int(row[1]) / int(row[0]) if row[0] else None
    completers, hires = con.execute(
        f"""
        WITH {completers_sql}
        SELECT (SELECT count(*) FROM completers),
               (SELECT count(*) FROM records r JOIN completers c ON c.learner = r.learner
                WHERE r.outcome = 4)
        """
    ).fetchone() or (0, 0)
    days = con.execute(
        f"""
        WITH first AS (
            SELECT v.token_id, min(v.block_time) AS at
            FROM windowed.credential_verified v GROUP BY v.token_id
        )
        SELECT count(d), quantile_cont(d, 0.5), quantile_cont(d, 0.25), quantile_cont(d, 0.75)
        FROM (SELECT (epoch_us(f.at) - epoch_us(c.issued_at)) / {DAY_US} AS d
              FROM first f JOIN temp.analytics_credentials c ON c.token_id = f.token_id)
        """
    ).fetchone()
    assert days is not None
    revoked = _one(con, "SELECT count(*) FROM windowed.consent_revoked")
    kinds = {0: "class", 1: "pathway"}
    return {
        "employers": {
            "onboarded": int(onboarded),
            "removed": int(removed),
            "active": int(active),
        },
        "endorsements": [
            {"kind": kinds[int(k)], "target": int(t), "name": n, "task": str(task),
             "employers": int(c)}
            for k, t, n, task, c in endorsements
        ],
        "verifications": [
            {"kind": kinds[int(k)], "target": int(t), "name": n, "verified": int(a),
             "interviewed": int(b), "hired": int(h)}
            for k, t, n, a, b, h in verifications
        ],
        "completers_verified_within": {
            **within, "completers": int(completers), "observed": observed,
        },
        "days_to_first_verification": {
            "n": int(days[0]), "median": days[1], "p25": days[2], "p75": days[3],
        },
        "hires_per_completer": int(hires) / int(completers) if completers else None,
        "consents_revoked": int(revoked or 0),
    }  # fmt: skip


def compute(
    con: duckdb.DuckDBPyConnection,
    since: dt.date | None = None,
    churn_weeks: int = 6,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The metrics.json document (README "Metrics"); ``index.path`` is left
    None for the caller to fill."""
    w = window(con, since, now)
    meta = con.execute("SELECT chain_id, registry, final_block, synced_block FROM _meta").fetchone()
    assert meta is not None
    tables = [
        str(r[0])
        for r in con.execute('SELECT "table" FROM _events ORDER BY 1').fetchall()
        if str(r[0]) in main_tables(con)
    ]
    events = (
        int(_one(con, "SELECT " + " + ".join(f'(SELECT count(*) FROM main."{t}")' for t in tables)))
        if tables
        else 0
    )
    notes: list[str] = []
    if w.since is not None:
        notes.append(
            f"events before {w.since.date().isoformat()} are ignored (--since): weeks, cohorts "
            "and counts start there; classes and pathways created earlier are still named"
        )
    found = main_tables(con)
    issued = issuance(con, w)
    kept = retention(con, w, churn_weeks)
    paths = pathways(con, w)
    if not {"pathway_created", "pathway_claimed"} <= found:
        notes.append("no pathway registry in this deployment: no pathways")
    sold = market(con, w)
    if sold is None:
        notes.append("no transferable class in this deployment: no secondary market")
    governed = governance(con, w)
    members = membership(con, w)
    employers = employer(con, w)
    if not set(COUNCIL_TABLES) <= found:
        notes.append("no council in this deployment: proposals are not counted")
    return {
        "schema": SCHEMA,
        "generated_at": iso(dt.datetime.now(dt.UTC)),
        "chain_id": int(meta[0]),
        "registry": str(meta[1]),
        "index": {
            "path": None,
            "final_block": int(meta[2]),
            "synced_block": int(meta[3]),
            "events": events,
        },
        "window": {
            "origin": iso(w.origin),
            "end": iso(w.end),
            "since": w.since.date().isoformat() if w.since is not None else None,
            "weeks": w.weeks,
        },
        "churn_weeks": churn_weeks,
        "issuance": issued,
        "retention": kept,
        "pathways": paths,
        "market": sold,
        "governance": governed,
        "employer": employers,
        "membership": members,
        "absent": {
            k: v
            for k, v in ABSENT.items()
            if (k != "membership" or members is None) and (k != "employer" or employers is None)
        },
        # A randomized comparison of two arms: the assignment is not on the
        # chain; credstack.analytics.analyse fills it when given one.
        "experiment": None,
        "notes": notes,
    }
