"""credstack.analytics' outputs: report.html (self-contained, every
section's numbers), the summary lines, the Parquet export (exact values
through pyarrow and pandas, independent readers), and `ape run analytics`'s
bad input (one line, exit 1, before any sync). The metrics themselves are
tested in tests/tooling/test_analytics_metrics.py; the whole command on
anvil in tests/e2e/test_analytics_anvil.py."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from credstack.analytics import summary
from credstack.analytics.export import export_parquet, relations
from credstack.analytics.report import render, write_report
from credstack.deployments import Deployment
from credstack.index import Index
from credstack.index.store import project_abis
from tests.tooling.analytics_sample import sample_metrics

TYPES = ["Council", "CredentialRegistry", "CredentialRenderer", "PathwayRegistry", "Timelock"]
ZERO = "0x0000000000000000000000000000000000000000"
HOLDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OVER_64 = 2**64 + 3
OVER_38_DIGITS = 10**38 + 7  # fits UHUGEINT (< 2**128), not DECIMAL(38,0)


def address(i: int) -> str:
    from eth_utils import to_checksum_address

    return str(to_checksum_address("0x" + f"{i:02x}" * 20))


def fake_deployment(registry: int = 0x11) -> Deployment:
    return Deployment(
        chain_id=31337,
        network="ethereum:local:test",
        registry=address(registry),
        renderer=address(0x12),
        deployer=address(0x13),
        block_number=1,
        block_hash="0x" + "ab" * 32,
        council=address(0x14),
        timelock=address(0x15),
        pathways=address(0x16),
    )


@pytest.fixture(scope="module")
def abis() -> dict[str, Any]:
    return project_abis(TYPES)


# REPORT #


def test_report__self_contained_with_every_section(tmp_path: Path) -> None:
    metrics = sample_metrics()
    path = write_report(metrics, None, tmp_path / "report.html")
    html = path.read_text()
    # Nothing fetched from anywhere: no URL, script, stylesheet or font.
    for outside in ('src="http', "src='http", 'href="http', "url(http", "url(//", "@import"):
        assert outside not in html
    assert "<script" not in html and "<link" not in html and "://" not in html
    images = re.findall(r'<img [^>]*src="([^"]+)"', html)
    # issuance, retention, survival, one funnel, market, governance
    assert len(images) == 6
    assert all(src.startswith("data:image/png;base64,") for src in images)
    # Header.
    assert "31337" in html and metrics["registry"] in html
    assert "2025-01-06 00:00 UTC to 2025-04-10 09:30 UTC (14 weeks)" in html
    assert "2025-04-10 12:00 UTC" in html  # generated
    # Each section's numbers, in the table beside its figure.
    totals = metrics["issuance"]["totals"]
    assert f"<th>{totals['issued']:,}</th>" in html  # 1,197
    assert "<td>131</td>" in html  # issued in the last week
    assert "plagiarism &lt;b&gt;" in html  # contract text escaped
    assert "<td>777</td>" in html  # at risk at week 1
    assert '<span title="26 active">86.7%</span>' in html  # cohort 0, week 1
    assert "not reached (survival stays above 50%)" in html
    assert "<td>0.672</td>" in html
    assert "median 12.5 days (quartiles 7.2 and 20.8 days)" in html
    assert "Data Analyst" in html and "<td>130</td>" in html and "<td>15.0%</td>" in html
    assert "<td>9 (20.0%)</td>" in html  # cross-credit claims
    assert "<td>22 (40.0%)</td>" in html and "<td>9.5 days</td>" in html  # market
    assert "<td>49.5 (48.0, 71.2)</td>" in html  # hours to execution
    assert "still paused" in html and "<td>30.5</td>" in html
    # Employer and membership: the sentences, never zeros.
    assert f"Employer uptake: {metrics['absent']['employer']}" in html
    assert f"Membership: {metrics['absent']['membership']}" in html


def test_report__no_market_says_so(tmp_path: Path) -> None:
    metrics = sample_metrics(weeks=1)
    metrics["market"] = None
    metrics["pathways"] = []
    html = render(metrics)
    assert "No transferable class in this deployment" in html
    assert "No pathway in this deployment." in html
    assert "transfers per week" not in html
    assert len(re.findall(r"<img ", html)) == 4  # issuance, retention, survival, governance


def test_summary__lines() -> None:
    lines = summary(sample_metrics())
    text = "\n".join(lines)
    assert "learners 777; credentials issued 1,197, revoked 13, valid now 1,234" in text
    # The largest cohort is the last one (size 95), one week long.
    assert "retention of the largest cohort (2025-04-14, 95 learners): week 4 not reached" in text
    assert "churn (6 weeks without activity): 321 churned, 456 censored; median time to churn " in (
        text
    )
    assert "pathway Data Analyst: 45 claims of 300 started (claim rate 15.0%)" in text
    assert "market: 38 transfers; 22 of 55 transferable tokens changed hands (40.0%)" in text
    assert "governance: 5 proposals, 3 executed, 1 cancelled; 2 pauses (30.5 h)" in text
    assert len(lines) <= 8


def test_summary__retention_at_weeks_4_and_12() -> None:
    metrics = sample_metrics()
    cohorts = metrics["retention"]["cohorts"]
    cohorts[0]["size"] = 1_000  # now the largest: 14 weeks long
    line = next(x for x in summary(metrics) if x.startswith("retention"))
    share = cohorts[0]["share"]
    assert f"week 4 {100 * share[4]:.1f}%, week 12 {100 * share[12]:.1f}%" in line


# PARQUET #


def insert(con: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """Rows into an event table; leading columns filled in."""
    for i, row in enumerate(rows):
        full = {
            "block_number": 10 + i,
            "block_time": datetime(2025, 3, 1, 12, 0, i),
            "tx_hash": "0x" + f"{i:064x}",
            "log_index": i,
            "address": address(0x11),
            "contract": "CredentialRegistry",
            **row,
        }
        names = ", ".join(f'"{k}"' for k in full)
        marks = ", ".join("?" for _ in full)
        con.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(full.values()))


def test_parquet__every_table_exact(tmp_path: Path, abis: dict[str, Any]) -> None:
    with Index.open(fake_deployment(), tmp_path / "i.duckdb", abis=abis) as index:
        con = index.connection
        insert(
            con,
            "credential_issued",
            [
                {"token_id": OVER_64, "class_id": 1, "holder": HOLDER, "score": 9_000,
                 "expires_at": 0, "evidence_hash": "0x" + "01" * 32},
                {"token_id": 10**38 - 1, "class_id": 2,
                 "holder": HOLDER, "score": 8_000, "expires_at": 1_800_000_000,
                 "evidence_hash": "0x" + "02" * 32},
            ],
        )  # fmt: skip
        insert(
            con,
            "credential_renewed",
            [{"token_id": 1, "class_id": 1, "holder": HOLDER, "expires_at": OVER_38_DIGITS}],
        )
        insert(
            con,
            "transfer",
            [{"sender": ZERO, "receiver": HOLDER, "token_id": OVER_64}],
        )
        pathway_columns = {name for name, *_ in con.execute("DESCRIBE pathway_created").fetchall()}
        assert "options" in pathway_columns
        con.execute(
            "INSERT INTO pathway_created VALUES (20, '2025-03-02 00:00:00', '0x01', 0, ?, "
            "'PathwayRegistry', ?, 4, ?, 'Data Analyst', true, ?, ?)",
            [
                address(0x16),
                OVER_64,
                HOLDER,
                [2, OVER_64],
                [
                    {"class_id": 1, "min_score": 7_000, "group": 0},
                    {"class_id": OVER_38_DIGITS, "min_score": 0, "group": 1},
                ],
            ],
        )
        con.execute("INSERT INTO _blocks VALUES (10, '0x" + "aa" * 32 + "', '2025-03-01 12:00:00')")
        written = export_parquet(con, tmp_path / "parquet")
        names = [p.stem for p in written]
        assert names == relations(con)
        assert set(index.tables()) | {"_meta", "_blocks", "_events"} <= set(names)
        views = {
            str(r[0])
            for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
            ).fetchall()
        }
        assert {"credentials", "learners"} & views <= set(names)
        # The session's time zone is left as it was.
        assert con.execute("SELECT current_setting('TimeZone')").fetchone()[0] in ("UTC", "Etc/UTC")

    directory = tmp_path / "parquet"
    assert not list(directory.glob("*.partial"))
    issued = pq.read_table(directory / "credential_issued.parquet")
    assert issued.schema.field("token_id").type == pa.decimal128(38, 0)
    assert issued.schema.field("block_number").type == pa.uint64()
    assert issued.schema.field("block_time").type == pa.timestamp("us", tz="UTC")
    assert issued.column("token_id").to_pylist() == [
        Decimal(OVER_64),
        Decimal(10**38 - 1),
    ]
    assert issued.column("class_id").to_pylist() == [Decimal(1), Decimal(2)]
    assert issued.column("block_time").to_pylist()[0] == datetime(2025, 3, 1, 12, tzinfo=UTC)
    assert issued.column("holder").to_pylist() == [HOLDER, HOLDER]

    # A value of 39 digits: the column is VARCHAR, exact.
    renewed = pq.read_table(directory / "credential_renewed.parquet")
    assert renewed.schema.field("expires_at").type == pa.string()
    assert renewed.column("expires_at").to_pylist() == [str(OVER_38_DIGITS)]
    assert renewed.schema.field("token_id").type == pa.decimal128(38, 0)

    pathways = pq.read_table(directory / "pathway_created.parquet")
    assert pathways.schema.field("required").type == pa.list_(pa.decimal128(38, 0))
    assert pathways.column("required").to_pylist() == [[Decimal(2), Decimal(OVER_64)]]
    options = pathways.column("options").to_pylist()[0]
    assert options == [
        {"class_id": "1", "min_score": "7000", "group": "0"},
        {"class_id": str(OVER_38_DIGITS), "min_score": "0", "group": "1"},
    ]
    assert pathways.column("pathway_id").to_pylist() == [Decimal(OVER_64)]

    meta = pq.read_table(directory / "_meta.parquet").to_pylist()
    assert meta[0]["chain_id"] == 31337 and meta[0]["registry"] == address(0x11)
    events = pq.read_table(directory / "_events.parquet").to_pylist()
    assert {e["table"] for e in events} == set(names) - {
        "_meta",
        "_blocks",
        "_events",
        "credentials",
        "learners",
    }

    # pandas reads every file, rows as many as in the index.
    for path in written:
        frame = pd.read_parquet(path)
        assert len(frame) == pq.ParquetFile(path).metadata.num_rows
    assert pd.read_parquet(directory / "transfer.parquet")["token_id"].tolist() == [
        Decimal(OVER_64)
    ]


def test_parquet__rewritten_on_a_second_export(tmp_path: Path, abis: dict[str, Any]) -> None:
    with Index.open(fake_deployment(), tmp_path / "i.duckdb", abis=abis) as index:
        insert(index.connection, "transfer", [{"sender": ZERO, "receiver": HOLDER, "token_id": 1}])
        export_parquet(index.connection, tmp_path / "p")
        insert(
            index.connection,
            "transfer",
            [{"sender": ZERO, "receiver": HOLDER, "token_id": 1}] * 2,
        )
        export_parquet(index.connection, tmp_path / "p")
    assert pq.read_table(tmp_path / "p" / "transfer.parquet").num_rows == 3


# THE COMMAND'S BAD INPUT #


def run(*args: str) -> Any:
    from credstack.cli import analytics

    return CliRunner(mix_stderr=False).invoke(analytics.cli, list(args), catch_exceptions=False)


@pytest.fixture
def no_sync(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Index.sync records that it ran (and fails the test's command)."""
    calls: list[str] = []

    def sync(self: Index, *args: Any, **kwargs: Any) -> None:
        calls.append(str(self.path))
        raise AssertionError("synced")

    monkeypatch.setattr(Index, "sync", sync)
    return calls


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--since", "2025-13-01"), "invalid value for '--since': '2025-13-01' is not a date"),
        (("--since", "yesterday"), "invalid value for '--since': 'yesterday' is not a date"),
        (("--churn-weeks", "0"), "invalid value for '--churn-weeks': 0 is not in the range x>=1"),
        (("--churn-weeks", "six"), "invalid value for '--churn-weeks': 'six' is not"),
        (("--confirmations", "-1"), "'--confirmations': -1 is not in the range x>=0"),
    ],
)
def test_command__bad_option(no_sync: list[str], args: tuple[str, ...], expected: str) -> None:
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and expected in line, line
    assert no_sync == []


def test_command__no_deployment(no_sync: list[str]) -> None:
    result = run()
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert "error: no credstack deployment for chain" in line
    assert "run `ape run deploy` on this network first" in line
    assert no_sync == []


def test_command__since_after_the_data(deployed: dict[str, Any], no_sync: list[str]) -> None:
    result = run("--since", "2999-01-01")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: --since 2999-01-01: after the data's end (")
    assert no_sync == []


def test_command__index_of_another_registry(
    deployed: dict[str, Any], tmp_path: Path, abis: dict[str, Any], no_sync: list[str]
) -> None:
    other = fake_deployment(registry=0x99)
    path = tmp_path / "other.duckdb"
    Index.open(other, path, abis=abis).close()
    before = path.read_bytes()
    result = run("--index", str(path))
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    ours = deployed["deployment"]
    assert line.startswith(f"error: {path} is the index of chain 31337 registry {other.registry}")
    assert (
        f"(chain {ours.chain_id} registry {ours.registry})" in line
        and "give another index file" in line
    )
    assert no_sync == [] and path.read_bytes() == before


def test_command__writes_everything(deployed: dict[str, Any], tooling_env: Path) -> None:
    """On the embedded chain: the deployment's own events (classes,
    governance, a pathway) through the whole command; --json prints the
    same document as metrics.json."""
    result = run()
    assert result.exit_code == 0, result.output + result.stderr
    out = tooling_env / "analytics"
    assert f"report: {out / 'report.html'}" in result.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["schema"] == "credstack.analytics/1"
    assert metrics["registry"] == deployed["deployment"].registry
    assert metrics["governance"]["executed"] == 1
    assert len(metrics["pathways"]) == len(deployed["deployment"].pathway_ids)
    assert (out / "parquet" / "class_created.parquet").exists()
    classes = pq.read_table(out / "parquet" / "class_created.parquet")
    assert classes.num_rows == len(deployed["classes"])
    again = run("--json", "--out", str(tooling_env / "json"))
    assert again.exit_code == 0, again.stderr
    document = json.loads(again.stdout)
    assert document["issuance"] == metrics["issuance"]
    assert json.loads((tooling_env / "json" / "metrics.json").read_text()) == document


def test_for_provider__embedded_chain_through_web3(chain: Any) -> None:
    """ape's embedded chain has no HTTP endpoint (http_uri None), but its
    ``uri`` falls back to ape's default http://localhost:8545, where
    nothing listens: the index must read it through its web3 object (the
    pilot and `ape run analytics` on the embedded chain sync this way)."""
    from credstack.index import Web3Rpc, for_provider

    rpc = for_provider(chain.provider)
    assert isinstance(rpc, Web3Rpc)
    assert int(rpc.call("eth_chainId", []), 16) == int(chain.chain_id)


def test_index_sync__embedded_chain(deployed: dict[str, Any], chain: Any, tmp_path: Path) -> None:
    """The deployment's events read from ape's embedded chain (eth-tester
    behind web3: its eth_getLogs filter goes through web3's middleware)."""
    from credstack.index import Web3Rpc

    with Index.open(deployed["deployment"], tmp_path / "embedded.duckdb") as index:
        result = index.sync(Web3Rpc(chain.provider.web3), progress=False)
        assert result.head == int(chain.blocks.height)
        rows = index.connection.execute("SELECT count(*) FROM class_created").fetchone()
        assert rows is not None and rows[0] == len(deployed["classes"])
        assert index.connection.execute("SELECT count(*) FROM proposal_executed").fetchone() == (1,)


WALLET_A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
WALLET_B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


@pytest.mark.parametrize(
    ("args", "rows", "expected"),
    [
        (("--arms-week", "2"), None, "--arms and --arms-week go together"),
        (("--arms-week", "-1"), None, "'--arms-week': -1 is not in the range x>=0"),
        ((), "wallet,arm\n", "row 2: rows = '': no data rows after the header"),
        ((), "wallet,group\n", "--arms {path}: row 1: header = "),
        ((), f"wallet,arm\n{WALLET_A},perks\n{WALLET_A.lower()},control\n",
         f"row 3: wallet = '{WALLET_A.lower()}': no EIP-55 checksum"),
        ((), f"wallet,arm\n{WALLET_A},perks\n{WALLET_B},\n", "row 3: arm = '': missing"),
        ((), f"wallet,arm\n{WALLET_A},perks\n{WALLET_A},control\n",
         "row 3: arm = 'control': the wallet is already in arm 'perks'"),
        ((), f"wallet,arm\n{WALLET_A},perks\n{WALLET_B},perks\n",
         "an experiment compares two arms; the file has ['perks']"),
    ],
)  # fmt: skip
def test_command__bad_arms(
    no_sync: list[str], tmp_path: Path, args: tuple[str, ...], rows: str | None, expected: str
) -> None:
    """The assignment file is checked before anything is synced: one line
    naming the row, field and value."""
    path = tmp_path / "arms.csv"
    if rows is not None:
        path.write_text(rows)
        args = ("--arms", str(path), "--arms-week", "1", *args)
    result = run(*args)
    assert result.exit_code != 0, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and expected.format(path=path) in line, line
    assert no_sync == []


def test_report__experiment_section(tmp_path: Path) -> None:
    """With an experiment, the page gains its section (the arms' curves and
    table, the difference and its interval) and the summary a line."""
    metrics = sample_metrics()
    assert "Experiment" not in render(metrics)
    survival = [{"weeks": 0, "at_risk": 3, "churned": 2, "censored": 0, "survival": 1 / 3}]
    metrics["experiment"] = {
        "start_week": 2, "start": "2024-01-15", "churn_weeks": 5, "horizon_weeks": 4,
        "arms": [
            {"arm": "perks", "learners": 3, "churned": 3, "retained": 1 / 3,
             "survival": survival, "median_weeks": 0},
            {"arm": "control", "learners": 2, "churned": 1, "retained": 0.5,
             "survival": [{"weeks": 2, "at_risk": 2, "churned": 1, "censored": 0,
                           "survival": 0.5}], "median_weeks": 2},
        ],
        "difference": {"arms": ["perks", "control"], "retained": 1 / 3 - 0.5,
                       "ci95": [-0.9, 0.5]},
        "method": "percentile bootstrap over learners within arms, 500 resamples, seed 0",
        "logrank": {"statistic": 1.25, "p_value": 0.2636},
    }  # fmt: skip
    html = write_report(metrics, None, tmp_path / "report.html").read_text()
    assert '<section id="experiment">' in html
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) == 7
    assert "Difference (perks minus control): -16.7 points, 95% interval -90.0 to 50.0" in html
    assert "p = 0.264" in html
    [line] = [x for x in summary(metrics) if x.startswith("experiment")]
    assert line == (
        "experiment from week 2, at week +4: perks 3 learners, 33.3% retained, control 2 "
        "learners, 50.0% retained; difference -16.7 points (95% interval -90.0 to +50.0); "
        "log-rank p = 0.264"
    )
