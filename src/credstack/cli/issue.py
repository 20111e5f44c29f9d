"""`ape run issue --class SLUG --csv FILE`: bulk issuance, validated, planned,
batched, journalled and resumable."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from credstack.cli.common import (
    account_option,
    confirm,
    console,
    credstack_command,
    pass_context,
    yes_option,
)
from credstack.context import Context
from credstack.errors import CredstackError
from credstack.fees import DataCost
from credstack.issuance import Issuance, Plan, validate, write_receipts
from credstack.units import format_gwei


def describe_plan(plan: Plan, slug: str) -> list[str]:
    gwei = plan.gas_price / 1e9
    lines = [
        f"class '{slug}' (id {plan.class_id})",
        f"  already issued on chain: {len(plan.done)} (skipped)",
        f"  to issue now:            {len(plan.new)}",
    ]
    if plan.new:
        lines += [
            f"  batches:                 {len(plan.batches)} of up to {plan.batch_size}",
            f"  gas estimate:            {plan.gas_total:,} "
            f"({plan.gas_per_credential:,} per credential + {plan.gas_fixed:,} per batch)",
        ]
        if plan.data is None:  # no data fee on this chain (local chains)
            lines.append(f"  cost at {gwei:.4g} gwei:      {plan.cost_wei / 1e18:.6f} ETH")
        else:
            lines += describe_data_cost(plan, plan.data)
    return lines


def describe_data_cost(plan: Plan, data: DataCost) -> list[str]:
    """On an L2: execution and L1 data apart, then the total (ETH to the
    gwei); a line per transaction length with its size and exact fee."""
    gwei = plan.gas_price / 1e9
    execution = f"  execution cost at {gwei:.4g} gwei: {plan.execution_wei / 1e18:.9f} ETH"
    if data.gas:
        execution += f" (the estimate less {data.gas:,} gas for L1 data)"
    lines = [execution, f"  L1 data cost ({data.source}): {data.wei / 1e18:.9f} ETH"]
    for batch in data.batches:
        noun = "transaction" if batch.copies == 1 else "transactions"
        line = f"    {batch.copies} {noun} of {batch.size:,} bytes: "
        if batch.charge.gas:
            base_fee = batch.charge.wei // batch.charge.gas
            line += f"{batch.charge.gas:,} gas at {format_gwei(base_fee)} gwei = "
        lines.append(line + f"{format_gwei(batch.charge.wei)} gwei each")
    lines.append(f"  total:                   {plan.cost_wei / 1e18:.9f} ETH")
    return lines


@credstack_command()
@click.option("--class", "slug", required=True, help="class slug from the catalog")
@click.option(
    "--csv",
    "csv_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="columns wallet,score,evidence,external_id",
)
@account_option()
@click.option("--dry-run", is_flag=True, help="validate and plan, send nothing")
@click.option("--skip-invalid", is_flag=True, help="issue the valid rows, report the rest")
@click.option("--batch-size", type=click.IntRange(min=1), help="at most this many per transaction")
@yes_option()
@pass_context
def cli(
    ctx: Context,
    slug: str,
    csv_path: Path,
    account: Any,
    dry_run: bool,
    skip_invalid: bool,
    batch_size: int | None,
    yes: bool,
) -> None:
    """Issue credentials of one class to every wallet in a CSV."""
    out = console()
    klass = ctx.klass(slug)
    started = time.perf_counter()
    rows, skipped = validate(csv_path, klass, skip_invalid)
    validation = time.perf_counter() - started
    for error in skipped:
        out.print(f"skipped {error}")
    issuance = Issuance(ctx.registry, klass, slug, account, ctx.journal(klass))
    issuance.timings.validation = validation
    issuance.check_signer()
    plan = issuance.plan(rows, batch_size)
    for line in plan.settled:
        out.print(f"resumed: {line}")
    for line in describe_plan(plan, slug):
        out.print(line)
    receipts_base = ctx.receipts_base(slug, csv_path)
    if dry_run:
        out.print("dry run: nothing sent")
        return
    if plan.new:
        confirm(f"Issue {len(plan.new)} credential(s) from {account.address}?", yes)
        with Progress(
            TextColumn("issuing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=out,
            transient=False,
        ) as progress:
            task = progress.add_task("issue", total=len(plan.new))
            try:
                outcome = issuance.execute(plan, on_progress=lambda n: progress.advance(task, n))
            except CredstackError:
                raise
            except Exception as err:
                raise CredstackError(
                    f"interrupted ({type(err).__name__}: {err}); run the same command again "
                    "to resume: nothing is issued twice"
                ) from err
        out.print(
            f"issued {len(outcome.issued)} credential(s) in {len(outcome.transactions)} "
            f"transaction(s), {outcome.gas_used:,} gas"
        )
    csv_file, json_file = write_receipts(issuance.receipts(rows), receipts_base)
    out.print(f"receipts (keep them; they hold the salts): {csv_file} and {json_file.name}")
