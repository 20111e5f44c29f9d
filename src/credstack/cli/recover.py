"""`ape run recover`: move a learner's credentials to the learner's new wallet."""

from __future__ import annotations

from typing import Any

import click

from credstack import recovery
from credstack.cli.common import (
    account_option,
    confirm,
    console,
    credstack_command,
    pass_context,
    yes_option,
)
from credstack.context import Context
from credstack.registry import STATUS_NAMES


@credstack_command()
@click.option("--from", "old", required=True, help="the wallet the learner lost")
@click.option("--to", "new", required=True, help="the learner's new wallet")
@click.option("--token", "tokens", type=int, multiple=True, help="only this token (repeatable)")
@account_option()
@click.option("--dry-run", is_flag=True, help="check and list, send nothing")
@yes_option()
@pass_context
def cli(
    ctx: Context,
    old: str,
    new: str,
    tokens: tuple[int, ...],
    account: Any,
    dry_run: bool,
    yes: bool,
) -> None:
    """Key recovery: re-bind the credentials of --from in ACCOUNT's classes to
    --to. Refused (before sending) where --to already holds the class, or a
    restricted class has not allowlisted --to."""
    out = console()
    moves = recovery.plan(ctx.registry, old, new, account.address, tokens)
    if not moves:
        out.print(f"nothing to recover: {old} holds no credential of {account.address}'s classes")
        return
    for move in moves:
        status = STATUS_NAMES[move.status.value]
        out.print(f"token {move.token_id}: class {move.class_id} ({move.class_name}), {status}")
    if dry_run:
        out.print(f"{len(moves)} to recover; dry run")
        return
    confirm(f"Move {len(moves)} credential(s) from {old} to {new}?", yes)
    sent = recovery.execute(
        ctx.registry,
        moves,
        new,
        account,
        on_done=lambda move, tx: out.print(f"token {move.token_id}: recovered in {tx}"),
    )
    out.print(f"recovered {sent} credential(s) to {new}")
