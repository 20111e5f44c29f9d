"""Analytics over 1,000,000 events (`make bench`): the metrics and the
report over an index file holding a synthetic pilot, its rows inserted
straight into the index's tables.

The file is made by Index.open (the index's own tables, from the compiled
ABIs, and the views), then filled with DuckDB SQL from range() with hash()
of fixed seeds, never a Python loop over rows. The shape is a year of a
large pilot: LEARNERS learners arriving over WEEKS weeks, six classes (one
transferable pass), a second credential for most, about 5% revoked (some
forced by governance, in a timelock transaction), suspensions and
reinstatements, renewals, burns, market transfers of the pass, a few key
recoveries, pathway claims (the claim's credential issued in the same
transaction, its parts named), and governance (proposals, approvals,
scheduling, execution, cancellations, pauses). Each credential's mint is an
ERC-721 Transfer from the zero address, each revocation and burn one to it.

`analytics_1m_events_seconds`: compute() plus write_report() (target
<= 10 s), with the peak RSS of the process beside it; the Parquet export
is timed apart and printed beside.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from credstack.analytics.export import export_parquet
from credstack.analytics.metrics import compute
from credstack.analytics.report import write_report
from credstack.deployments import Deployment
from credstack.index import Index
from credstack.index.store import project_abis

RESULTS = Path(__file__).with_name("results.json")
TARGET_SECONDS = 10.0
EVENTS_TARGET = 1_000_000
LEARNERS = 250_000
ISSUED = 425_000  # of the six classes; LEARNERS first credentials, the rest second ones
WEEKS = 52
CLAIMS = 20_000
MARKET = 30_000
RECOVERIES = 2_000
PROPOSALS = 60
ORIGIN = "TIMESTAMP '2025-01-06 00:00:00'"
BLOCK_SECONDS = 12
FIRST_BLOCK = 100

A = [f"0x{i:040x}" for i in range(1, 8)]  # registry, renderer, council, timelock, pathways...
DEPLOYMENT = Deployment(
    chain_id=31337,
    network="ethereum:local:bench",
    registry="0x5FbDB2315678afecb367f032d93F642f64180aa3",
    renderer="0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    deployer="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    block_number=FIRST_BLOCK,
    block_hash="0x" + "ab" * 32,
    council="0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
    timelock="0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
    pathways="0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
)
ZERO = "'0x0000000000000000000000000000000000000000'"

# SQL macros: a wallet's address, a transaction hash, a block from a time,
# a uniform hash draw in [0, n).
MACROS = f"""
CREATE OR REPLACE TEMP MACRO wallet(n) AS '0x' || lpad(lower(hex(1000000 + n)), 40, '0');
CREATE OR REPLACE TEMP MACRO txh(kind, n) AS
    '0x' || lpad(lower(hex(kind * 100000000 + n)), 64, '0');
CREATE OR REPLACE TEMP MACRO blk(t) AS
    ({FIRST_BLOCK} + (epoch(t) - epoch({ORIGIN})) // {BLOCK_SECONDS})::UBIGINT;
CREATE OR REPLACE TEMP MACRO draw(seed, n, m) AS (hash(seed * 1000003 + n) % m)::BIGINT;
"""


def lead(address: str, contract: str, t: str = "t", tx: str = "tx", li: str = "li") -> str:
    """The leading columns of an event row from columns t (time), tx, li."""
    return f"blk({t}), {t}, {tx}, ({li})::UINTEGER, '{address}', '{contract}'"


def fill(con: object) -> None:
    """Every row of the synthetic pilot, table by table."""
    import duckdb

    assert isinstance(con, duckdb.DuckDBPyConnection)
    reg, pw, council, timelock = (
        DEPLOYMENT.registry,
        DEPLOYMENT.pathways,
        DEPLOYMENT.council,
        DEPLOYMENT.timelock,
    )
    assert reg and pw and council and timelock
    con.execute(MACROS)
    con.execute(
        f"""
        CREATE TEMP TABLE issues AS
        WITH base AS (
            SELECT i, i % {LEARNERS} AS learner, i >= {LEARNERS} AS second,
                   draw(1, i % {LEARNERS}, {WEEKS}) AS cohort
            FROM range({ISSUED}) r(i)
        )
        SELECT i + 1 AS token_id, learner, 1 + draw(2, i, 6) AS class_id,
               {ORIGIN} + to_seconds(least(
                   cohort * 7 * 86400 + draw(3, i, 7 * 86400)
                   + CASE WHEN second THEN (1 + draw(4, i, 16)) * 7 * 86400 ELSE 0 END,
                   {WEEKS} * 7 * 86400 - 3600)) AS t
        FROM base
        """
    )
    ins = "INSERT INTO"
    con.execute(
        f"""{ins} class_created SELECT {
            lead(reg, "CredentialRegistry", f"{ORIGIN} + INTERVAL 1 HOUR", "txh(1, c)", "c")
        },
            c, CASE WHEN c <= 4 THEN '{A[1]}' ELSE '{A[2]}' END, 'Class ' || c, 'ipfs://c' || c,
            c = 6, true, CASE WHEN c IN (2, 6) THEN 180 * 86400 ELSE 0 END, 6000
        FROM range(1, 8) r(c)"""
    )
    # Issues (and the claims' credentials, class 7, below): the event, the mint.
    con.execute(
        f"""{ins} credential_issued SELECT {
            lead(reg, "CredentialRegistry", "t", "txh(2, token_id)", "1")
        },
            token_id, class_id, wallet(learner), 6000 + draw(5, token_id, 4000),
            CASE WHEN class_id IN (2, 6) THEN epoch(t)::UBIGINT + 180 * 86400 ELSE 0 END,
            txh(9, token_id) FROM issues"""
    )
    con.execute(
        f"""{ins} transfer SELECT {lead(reg, "CredentialRegistry", "t", "txh(2, token_id)", "0")},
            {ZERO}, wallet(learner), token_id FROM issues"""
    )
    # About 5% revoked (a tenth of them forced: a timelock call in the same
    # transaction), 2.5% suspended (half reinstated), 5% renewed, 1% burned.
    con.execute(
        """CREATE TEMP TABLE later AS SELECT token_id, learner, class_id, t,
            t + to_seconds(86400 + draw(6, token_id, 60 * 86400)) AS t2,
            draw(7, token_id, 1000) AS d
        FROM issues"""
    )
    revoked = "d < 50 AND t2 < (SELECT max(t) FROM issues)"
    con.execute(
        f"""{ins} credential_revoked SELECT {
            lead(reg, "CredentialRegistry", "t2", "txh(3, token_id)", "1")
        },
            token_id, class_id, wallet(learner),
            CASE WHEN d < 5 THEN 'fraud (governance)' WHEN d < 30 THEN 'issued in error'
                 ELSE 'plagiarism' END
        FROM later WHERE {revoked}"""
    )
    con.execute(
        f"""{ins} transfer SELECT {lead(reg, "CredentialRegistry", "t2", "txh(3, token_id)", "0")},
            wallet(learner), {ZERO}, token_id FROM later WHERE {revoked}"""
    )
    con.execute(
        f"""{ins} call_executed SELECT {lead(timelock, "Timelock", "t2", "txh(3, token_id)", "2")},
            txh(8, token_id), 0, '{reg}', 0, '0x' FROM later WHERE {revoked} AND d < 5"""
    )
    for table, low, high, kind in (
        ("credential_suspended", 50, 75, 4),
        ("credential_reinstated", 50, 62, 5),
        ("credential_burned", 75, 85, 6),
    ):
        shift = "t2" if table != "credential_reinstated" else "t2 + INTERVAL 3 DAY"
        con.execute(
            f"""{ins} {table} SELECT {
                lead(reg, "CredentialRegistry", shift, f"txh({kind}, token_id)", "0")
            },
                token_id, class_id, wallet(learner) FROM later
            WHERE d >= {low} AND d < {high} AND {shift} < (SELECT max(t) FROM issues)"""
        )
    con.execute(
        f"""{ins} transfer SELECT {lead(reg, "CredentialRegistry", "t2", "txh(6, token_id)", "1")},
            wallet(learner), {ZERO}, token_id FROM later
        WHERE d >= 75 AND d < 85 AND t2 < (SELECT max(t) FROM issues)"""
    )
    con.execute(
        f"""{ins} credential_renewed SELECT {
            lead(reg, "CredentialRegistry", "t2", "txh(7, token_id)", "0")
        },
            token_id, class_id, wallet(learner), epoch(t2)::UBIGINT + 365 * 86400
        FROM later WHERE class_id IN (2, 6) AND d >= 85 AND d < 185
            AND t2 < (SELECT max(t) FROM issues)"""
    )
    # The market: the pass (class 6) changes hands, a chain of sales per token.
    con.execute(
        f"""CREATE TEMP TABLE sales AS
        WITH passes AS (
            SELECT token_id, learner, t, row_number() OVER (ORDER BY token_id) AS k
            FROM issues WHERE class_id = 6
        ), picked AS (
            SELECT p.token_id, p.learner, p.t, s.n
            FROM passes p, range(3) s(n)
            WHERE p.k <= {MARKET} // 2 AND (s.n = 0 OR draw(10, p.token_id * 3 + s.n, 3) = 0)
        )
        SELECT token_id, n,
            CASE WHEN n = 0 THEN learner ELSE {LEARNERS} + token_id * 3 + n - 1 END AS seller,
            {LEARNERS} + token_id * 3 + n AS buyer,
            t + to_seconds((n + 1) * (86400 + draw(11, token_id * 3 + n, 20 * 86400))) AS ts
        FROM picked"""
    )
    con.execute(
        f"""{ins} transfer SELECT {
            lead(reg, "CredentialRegistry", "ts", "txh(10, token_id * 3 + n)", "0")
        },
            wallet(seller), wallet(buyer), token_id FROM sales"""
    )
    # Key recoveries: a learner's first credential moves to a new wallet.
    con.execute(
        f"""CREATE TEMP TABLE moves AS SELECT token_id, learner, class_id,
            t + INTERVAL 10 DAY AS tr FROM issues
        WHERE token_id <= {LEARNERS} AND class_id <> 6 AND draw(12, token_id, 1000) < 10
        LIMIT {RECOVERIES}"""
    )
    con.execute(
        f"""{ins} credential_recovered SELECT {
            lead(reg, "CredentialRegistry", "tr", "txh(11, token_id)", "1")
        },
            token_id, wallet(learner), wallet(2000000 + learner), class_id FROM moves"""
    )
    con.execute(
        f"""{ins} transfer SELECT {lead(reg, "CredentialRegistry", "tr", "txh(11, token_id)", "0")},
            wallet(learner), wallet(2000000 + learner), token_id FROM moves"""
    )
    # A pathway (two of classes 1 and 2, one of 3 or 4, cross-credit) and its claims.
    con.execute(
        f"""{ins} pathway_created SELECT {
            lead(pw, "PathwayRegistry", f"{ORIGIN} + INTERVAL 2 HOUR", "txh(12, 1)", "0")
        },
            1, 7, '{A[1]}', 'Data Analyst', true, [2, 1]::UHUGEINT[],
            [{{'class_id': 1, 'min_score': 0, 'group': 0}}, {{'class_id': 2, 'min_score': 0,
              'group': 0}}, {{'class_id': 3, 'min_score': 0, 'group': 1}},
             {{'class_id': 5, 'min_score': 0, 'group': 1}}]"""
    )
    con.execute(
        f"""CREATE TEMP TABLE claims AS
        SELECT {ISSUED} + row_number() OVER (ORDER BY a.learner) AS token_id, a.learner,
               greatest(a.t, b.t) + INTERVAL 2 DAY AS tc, [a.token_id, b.token_id] AS parts
        FROM issues a JOIN issues b ON a.learner = b.learner AND a.token_id < b.token_id
        WHERE greatest(a.t, b.t) + INTERVAL 2 DAY < (SELECT max(t) FROM issues)
        ORDER BY a.learner LIMIT {CLAIMS}"""
    )
    con.execute(
        f"""{ins} pathway_claimed SELECT {
            lead(pw, "PathwayRegistry", "tc", "txh(13, token_id)", "2")
        },
            1, wallet(learner), token_id, parts FROM claims"""
    )
    con.execute(
        f"""{ins} credential_issued SELECT {
            lead(reg, "CredentialRegistry", "tc", "txh(13, token_id)", "1")
        },
            token_id, 7, wallet(learner), 8000, 0, txh(9, token_id) FROM claims"""
    )
    con.execute(
        f"""{ins} transfer SELECT {lead(reg, "CredentialRegistry", "tc", "txh(13, token_id)", "0")},
            {ZERO}, wallet(learner), token_id FROM claims"""
    )
    # Governance: proposals, two approvals each, most scheduled and executed.
    con.execute(
        f"""CREATE TEMP TABLE props AS SELECT p, {ORIGIN} + to_seconds(p * 6 * 86400) AS tp,
            draw(13, p, 10) AS d FROM range(1, {PROPOSALS} + 1) r(p)"""
    )
    con.execute(
        f"""{ins} proposal_created SELECT {lead(council, "Council", "tp", "txh(14, p)", "0")},
            p, '{A[3]}', txh(15, p), ['{reg}'], ['0x01'], 'proposal ' || p FROM props"""
    )
    con.execute(
        f"""{ins} proposal_approved SELECT {
            lead(council, "Council", "tp + to_seconds(a * 3600)", "txh(16, p * 2 + a)", "0")
        },
            p, '{A[3 + 0]}', a FROM props, range(1, 3) r(a)"""
    )
    con.execute(
        f"""{ins} proposal_scheduled SELECT {
            lead(council, "Council", "tp + INTERVAL 2 HOUR", "txh(16, p * 2 + 2)", "1")
        },
            p, txh(15, p), epoch(tp)::UBIGINT + 50 * 3600, epoch(tp)::UBIGINT + 14 * 86400
        FROM props WHERE d < 9"""
    )
    con.execute(
        f"""{ins} proposal_executed SELECT {
            lead(council, "Council", "tp + INTERVAL 51 HOUR", "txh(17, p)", "1")
        },
            p, txh(15, p) FROM props WHERE d < 8"""
    )
    con.execute(
        f"""{ins} proposal_cancelled SELECT {
            lead(council, "Council", "tp + INTERVAL 20 HOUR", "txh(18, p)", "0")
        },
            p, txh(15, p), '{A[4]}' FROM props WHERE d = 8"""
    )
    for table, hours in (("paused", 0), ("unpaused", 7)):
        con.execute(
            f"""{ins} {table} SELECT {
                lead(
                    reg,
                    "CredentialRegistry",
                    f"{ORIGIN} + to_seconds(k * 90 * 86400 + {hours} * 3600)",
                    f"txh({19 if hours == 0 else 20}, k)",
                    "0",
                )
            },
                '{A[5]}' FROM range(1, 4) r(k)"""
        )
    # The blocks the window reads (first and last), and the sync state.
    last = con.execute("SELECT max(block_number), max(block_time) FROM transfer").fetchone()
    assert last is not None
    con.execute(
        f"INSERT INTO _blocks VALUES ({FIRST_BLOCK}, '0x{'ab' * 32}', {ORIGIN}), "
        f"(?, '0x{'cd' * 32}', ?)",
        [last[0], last[1]],
    )
    con.execute("UPDATE _meta SET final_block = ?, synced_block = ?", [last[0], last[0]])


def rss_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    console = Console(width=120)
    abis = project_abis(sorted(set(DEPLOYMENT.contracts().values())))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        with Index.open(DEPLOYMENT, work / "bench.duckdb", abis=abis) as index:
            con = index.connection
            con.begin()
            fill(con)
            con.commit()
            events = sum(
                int(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # type: ignore[index]
                for t in index.tables()
            )
        fill_seconds = time.perf_counter() - started
        before = rss_mib()
        # A fresh connection, as a reader of the file would have.
        with Index.open(DEPLOYMENT, work / "bench.duckdb", abis=abis) as index:
            started = time.perf_counter()
            metrics = compute(index.connection, churn_weeks=6)
            compute_seconds = time.perf_counter() - started
            metrics["index"]["path"] = str(index.path)
            report = write_report(metrics, index.connection, work / "report.html")
            seconds = time.perf_counter() - started
            peak = rss_mib()
            started = time.perf_counter()
            files = export_parquet(index.connection, work / "parquet")
            parquet_seconds = time.perf_counter() - started
            parquet_bytes = sum(p.stat().st_size for p in files)
            report_bytes = report.stat().st_size

    table = Table(title=f"Analytics over {events:,} synthetic events")
    for column in ("measure", "value", "target", ""):
        table.add_column(column, justify="left" if column == "measure" else "right")
    table.add_row(
        f"analytics_1m_events_seconds (compute {compute_seconds:.2f} s + report "
        f"{seconds - compute_seconds:.2f} s; peak RSS {peak:,.0f} MiB)",
        f"{seconds:.2f} s",
        f"<= {TARGET_SECONDS:g} s",
        "[green]meets[/]" if seconds <= TARGET_SECONDS else "[red]misses[/]",
    )
    table.add_row(
        f"parquet export ({len(files)} files, {parquet_bytes / 2**20:,.1f} MiB)",
        f"{parquet_seconds:.2f} s",
        "-",
        "",
    )
    console.print(table)
    retention = metrics["retention"]
    console.print(
        f"{retention['learners']:,} learners, {len(retention['cohorts'])} cohorts, "
        f"{metrics['issuance']['totals']['issued']:,} issued, "
        f"{metrics['pathways'][0]['claims']:,} claims, "
        f"{(metrics['market'] or {}).get('transfers', 0):,} market transfers; "
        f"set-up {fill_seconds:.1f} s; RSS before {before:,.0f} MiB; report "
        f"{report_bytes / 1024:,.0f} KiB"
    )
    if events < EVENTS_TARGET:
        console.print(f"[red]only {events:,} events (want {EVENTS_TARGET:,})[/]")
        return 1

    document = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    document["analytics_1m_events_seconds"] = round(seconds, 2)
    document["analytics"] = {
        "events": events,
        "compute_seconds": round(compute_seconds, 2),
        "report_seconds": round(seconds - compute_seconds, 2),
        "peak_rss_mib": round(peak),
        "parquet_seconds": round(parquet_seconds, 2),
        "parquet_mib": round(parquet_bytes / 2**20, 1),
        "report_kib": round(report_bytes / 1024),
        "learners": retention["learners"],
        "date": date.today().isoformat(),
        "targets": {"analytics_1m_events_seconds": TARGET_SECONDS},
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    console.print(f"added to {RESULTS}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
