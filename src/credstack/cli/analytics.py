"""`ape run analytics`: sync the deployment's event index, compute the
pilot metrics, write report.html, metrics.json and parquet/; see
credstack.analytics."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import click

from credstack.cli.common import credstack_command, fail, pass_context
from credstack.config import out_dir
from credstack.context import Context
from credstack.errors import RowError
from credstack.inputs import address_problem, read_table


def read_arms(path: Path) -> dict[str, str]:
    """``--arms FILE``: a CSV of ``wallet,arm`` (two arms). The first bad
    row is one line naming row, field and value."""
    arms: dict[str, str] = {}
    for item in read_table(path, ("wallet", "arm")):
        if isinstance(item, RowError):
            fail(f"--arms {path}: {item}")
        wallet, arm = item.cells["wallet"], item.cells["arm"]
        problem = address_problem(wallet)
        if problem is not None:
            fail(f"--arms {path}: {RowError(item.row, 'wallet', wallet, problem)}")
        if not arm:
            fail(f"--arms {path}: {RowError(item.row, 'arm', arm, 'missing')}")
        if arms.get(wallet, arm) != arm:
            reason = f"the wallet is already in arm {arms[wallet]!r}"
            fail(f"--arms {path}: {RowError(item.row, 'arm', arm, reason)}")
        arms[wallet] = arm
    names = sorted(set(arms.values()))
    if len(names) != 2:
        fail(f"--arms {path}: an experiment compares two arms; the file has {names}")
    return arms


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """``--since YYYY-MM-DD`` as a date (midnight UTC is where the data begins)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", ctx, param) from None


@credstack_command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="directory for report.html, metrics.json and parquet/ (default: out/analytics)",
)
@click.option("--json", "as_json", is_flag=True, help="print metrics.json instead of the summary")
@click.option(
    "--since",
    callback=_since,
    metavar="YYYY-MM-DD",
    help="ignore events before this day (UTC), as if the data began then",
)
@click.option(
    "--churn-weeks",
    default=6,
    show_default=True,
    type=click.IntRange(min=1),
    help="weeks without activity after which a learner counts as churned",
)
@click.option(
    "--index",
    "index_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the index file (default: out/index/<chain id>-<registry>.duckdb)",
)
@click.option(
    "--arms",
    "arms_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="a CSV of wallet,arm (two arms): compare their retention (with --arms-week)",
)
@click.option(
    "--arms-week",
    type=click.IntRange(min=0),
    help="the analytics week the arms were assigned (weeks count from the deployment)",
)
@pass_context
def cli(
    ctx: Context,
    out: Path | None,
    as_json: bool,
    since: date | None,
    churn_weeks: int,
    index_path: Path | None,
    arms_path: Path | None,
    arms_week: int | None,
) -> None:
    """Pilot analytics from the chain: retention, churn, pathways, market, governance."""
    from ape import chain

    from credstack.analytics import Experiment, analyse
    from credstack.analytics.experiment import ExperimentError
    from credstack.index import Index, for_provider

    if out is not None and out.exists() and not out.is_dir():
        fail(f"--out {str(out)!r}: not a directory")
    # Every check (the deployment, the index file's chain and registry)
    # before the sync: Index.open refuses a file of another deployment.
    experiment = None
    if (arms_path is None) != (arms_week is None):
        fail("--arms and --arms-week go together: the assignment and the week it was made")
    if arms_path is not None and arms_week is not None:
        experiment = Experiment(read_arms(arms_path), arms_week)
    deployment = ctx.deployment
    confirmations = click.get_current_context().meta.get("credstack.confirmations")
    out = out if out is not None else out_dir() / "analytics"
    if since is not None:
        # The data ends at the head's block (the sync reads up to it).
        end = datetime.fromtimestamp(int(chain.blocks.head.timestamp), UTC)
        if since > end.date():
            fail(
                f"--since {since.isoformat()}: after the data's end ({end:%Y-%m-%d %H:%M} UTC, "
                "the chain's last block): nothing to analyse"
            )
    with Index.open(deployment, index_path) as index:
        synced = index.sync(for_provider(chain.provider), confirmations=confirmations)
        try:
            result = analyse(
                index, out, since=since, churn_weeks=churn_weeks, experiment=experiment
            )
        except ExperimentError as err:  # the experiment's week or arms against the data
            fail(f"--arms: {err}")
    if as_json:
        click.echo(json.dumps(result.metrics, indent=2))
        return
    if synced.head >= synced.start:
        read = f"{synced.events:,} new events in blocks {synced.start:,} to {synced.head:,}"
    else:
        read = f"up to date at block {synced.head:,}"
    if synced.reorg is not None:
        read += f" (rolled back to block {synced.reorg:,} first: the chain reorganised)"
    click.echo(f"index {index.path}: {read}")
    for line in result.summary_lines:
        click.echo(line)
    click.echo(f"report: {result.report_path}")
    click.echo(f"metrics: {result.metrics_path}; parquet: {result.parquet_dir}/")
