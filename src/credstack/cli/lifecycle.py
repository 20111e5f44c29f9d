"""`ape run revoke|suspend|reinstate|renew`: one token (``--token``) or a CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from credstack import lifecycle
from credstack.cli.common import (
    account_option,
    confirm,
    console,
    credstack_command,
    fail,
    pass_context,
    yes_option,
)
from credstack.context import Context
from credstack.errors import CredstackError, InputError, RowError
from credstack.units import format_time

HELP = {
    "revoke": "Revoke credentials for good, with a reason the holder and auditors see.",
    "suspend": "Suspend credentials (undone by reinstate).",
    "reinstate": "Reinstate suspended credentials.",
    "renew": "Set a new expiry (--until, or the class's validity from today).",
}


def make_command(action: str) -> click.Command:
    columns = ",".join(lifecycle.COLUMNS[action])

    @credstack_command(name=action, help=HELP[action])
    @click.option("--token", "token", help="one token id")
    @click.option(
        "--csv",
        "csv_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"a CSV with the columns {columns}",
    )
    @account_option()
    @click.option("--dry-run", is_flag=True, help="check and list, send nothing")
    @yes_option()
    @pass_context
    def command(
        ctx: Context,
        token: str | None,
        csv_path: Path | None,
        account: Any,
        dry_run: bool,
        yes: bool,
        **extra: Any,
    ) -> None:
        out = console()
        requests, errors = _requests(action, token, csv_path, extra)
        source = str(csv_path) if csv_path else "--token"
        try:
            tasks, done = lifecycle.plan(
                ctx.registry, action, requests, account.address, source, errors
            )
        except InputError as err:
            if token is not None:  # one token: one line
                raise CredstackError(f"token {token}: {err.errors[0].reason}") from None
            raise
        for request, why in done:
            out.print(f"token {request.token_id}: {why}; skipped")
        for task in tasks:
            detail = f" until {format_time(task.expires_at)}" if action == "renew" else ""
            out.print(f"token {task.request.token_id}: {action}{detail}")
        if dry_run or not tasks:
            out.print(f"{len(tasks)} to send" + ("; dry run" if dry_run else ""))
            return
        confirm(f"{action.capitalize()} {len(tasks)} credential(s) from {account.address}?", yes)
        sent = lifecycle.execute(
            ctx.registry,
            action,
            tasks,
            account,
            on_done=lambda task, tx: out.print(f"token {task.request.token_id}: done in {tx}"),
        )
        out.print(f"{action}: {len(sent)} sent, {len(done)} already done")

    if action == "revoke":
        command = click.option("--reason", help="why (with --token)")(command)
    if action == "renew":
        command = click.option("--until", help="new expiry date YYYY-MM-DD (with --token)")(command)
    return command


def _requests(
    action: str, token: str | None, csv_path: Path | None, extra: dict[str, Any]
) -> tuple[list[lifecycle.Request], list[RowError]]:
    if (token is None) == (csv_path is None):
        fail("give one of --token ID or --csv FILE")
    if csv_path is not None:
        return lifecycle.read_csv(csv_path, action)
    assert token is not None
    try:
        token_id = lifecycle.parse_token_id(token)
    except ValueError as err:
        raise CredstackError(f"--token {token!r}: {err}") from None
    reason = extra.get("reason") or ""
    if action == "revoke" and (problem := lifecycle.check_reason(reason)):
        raise CredstackError(f"--reason {reason!r}: {problem}")
    until = 0
    if extra.get("until"):
        try:
            until = lifecycle.parse_until(extra["until"])
        except ValueError as err:
            raise CredstackError(f"--until {extra['until']!r}: {err}") from None
    return [lifecycle.Request(0, token_id, reason, until)], []
