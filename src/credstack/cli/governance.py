"""`ape run governance propose|approve|execute|cancel|status`: the council's work.

Calls are written by name: ``registry force_revoke 12 "fraud: impersonation"``,
``registry grantRole ISSUER_ROLE 0x...``, ``council add_member 0x...``,
``timelock update_delay 2d``... Arguments are converted by the function's
ABI types: role names for bytes32, ``2026-12-31`` dates for uint256, commas
for lists, ``registry``/``council``/``timelock`` for their addresses."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Any

import click
from rich.table import Table

from credstack.cli.common import (
    account_option,
    confirm,
    console,
    credstack_group,
    pass_context,
    yes_option,
)
from credstack.context import Context
from credstack.governance import (
    MAX_CALLS,
    Call,
    Governance,
    GovernanceError,
    Proposal,
    State,
    split_calls,
)
from credstack.units import format_duration, format_time

# Not listed by `status` unless --all: they will never run.
CLOSED = (State.EXECUTED, State.STALE, State.CANCELLED, State.EXPIRED)


def _when(gov: Governance, proposal: Proposal) -> str:
    if proposal.state in (State.APPROVING, State.STALE, State.CANCELLED):
        return "-"
    if proposal.state == State.EXECUTED:
        return "done"
    if proposal.state == State.EXPIRED:
        return f"expired {format_time(proposal.expires_at)}"
    left = proposal.ready_at - gov.now()
    when = format_time(proposal.ready_at)
    expires = f"; expires {format_time(proposal.expires_at)}"
    return (f"{when} (in {format_duration(left)})" if left > 0 else f"{when} (now)") + expires


def _state(proposal: Proposal) -> str:
    return {
        State.APPROVING: "needs approvals",
        State.STALE: "stale (council changed)",
        State.QUEUED: "queued (delay running)",
        State.READY: "ready to execute",
        State.EXECUTED: "executed",
        State.CANCELLED: "cancelled",
        State.EXPIRED: "expired (not executed in time)",
    }.get(proposal.state, proposal.state.name.lower())


def _print_proposal(gov: Governance, proposal: Proposal) -> None:
    out = console()
    out.print(f"proposal {proposal.proposal_id}: {proposal.description or '(no description)'}")
    for call in proposal.calls:
        out.print(f"  call  {gov.describe(call)}")
    approvers = ", ".join(proposal.approvers) or "none"
    out.print(f"  approvals {proposal.approvals} of {proposal.threshold} ({approvers})")
    out.print(f"  state {_state(proposal)}; executable {_when(gov, proposal)}")


@credstack_group()
def cli() -> None:
    """Council governance: propose, approve, execute, cancel, status."""


@cli.command()
@click.argument("target")
@click.argument("function")
@click.argument("args", nargs=-1)
@click.option(
    "--call",
    "more",
    multiple=True,
    help='another call in the same proposal: "TARGET FUNCTION ARGS..." (repeatable)',
)
@click.option("--description", "-d", default="", help="what and why, for members and auditors")
@account_option()
@yes_option()
@pass_context
def propose(
    ctx: Context,
    target: str,
    function: str,
    args: tuple[str, ...],
    more: tuple[str, ...],
    description: str,
    account: Any,
    yes: bool,
) -> None:
    """Propose TARGET.FUNCTION(ARGS) (and --call ...) to the council; counts as
    ACCOUNT's approval. More calls than a proposal holds go in several
    proposals, which members then approve and execute together."""
    gov = ctx.governance
    calls: list[Call] = [gov.encode(target, function, list(args))]
    for text in more:
        parts = shlex.split(text)
        if len(parts) < 2:
            raise GovernanceError(f"--call {text!r}: expected TARGET FUNCTION [ARGS...]")
        calls.append(gov.encode(parts[0], parts[1], parts[2:]))
    out = console()
    for call in calls:
        out.print(f"  call  {gov.describe(call)}")
    if not gov.council.is_member(account.address):
        raise GovernanceError(f"{account.address} is not a council member")
    count = len(split_calls(calls))
    if count > 1:
        out.print(
            f"{len(calls)} calls: a proposal holds at most {MAX_CALLS}, so they go in {count} "
            "proposals, to be approved and executed together"
        )
    confirm(f"Propose {len(calls)} call(s) from {account.address}?", yes)
    proposal_ids = gov.propose_all(calls, description, account)
    proposals = [gov.proposal(i) for i in proposal_ids]
    for proposal in proposals:
        _print_proposal(gov, proposal)
    waiting = [str(p.proposal_id) for p in proposals if p.state == State.APPROVING]
    if waiting:
        out.print(f"next: other members run `ape run governance approve {' '.join(waiting)}`")


def _check_all(
    gov: Governance,
    check: Callable[[int, Any], Proposal],
    verb: str,
    proposal_ids: tuple[int, ...],
    account: Any,
    yes: bool,
) -> None:
    """Every proposal checked and shown before anything is sent, then one
    confirmation for all."""
    for proposal_id in proposal_ids:
        _print_proposal(gov, check(proposal_id, account))
    listed = ", ".join(map(str, proposal_ids))
    confirm(f"{verb} proposal(s) {listed} from {account.address}?", yes)


@cli.command()
@click.argument("proposal_ids", metavar="ID...", type=int, nargs=-1, required=True)
@account_option()
@yes_option()
@pass_context
def approve(ctx: Context, proposal_ids: tuple[int, ...], account: Any, yes: bool) -> None:
    """Approve proposals; the approval that reaches the threshold schedules one.
    Every proposal is checked before any approval is sent."""
    gov = ctx.governance
    _check_all(gov, gov.check_approve, "Approve", proposal_ids, account, yes)
    for proposal_id in proposal_ids:
        proposal = gov.approve(proposal_id, account)
        _print_proposal(gov, proposal)
        if proposal.state != State.APPROVING:
            when = format_time(proposal.ready_at)
            console().print(f"scheduled: `ape run governance execute {proposal_id}` from {when}")


@cli.command()
@click.argument("proposal_ids", metavar="ID...", type=int, nargs=-1, required=True)
@account_option()
@yes_option()
@pass_context
def execute(ctx: Context, proposal_ids: tuple[int, ...], account: Any, yes: bool) -> None:
    """Run scheduled proposals whose delay has passed, in the order given.
    Every proposal is checked before any is executed."""
    gov = ctx.governance
    _check_all(gov, gov.check_execute, "Execute", proposal_ids, account, yes)
    for proposal_id in proposal_ids:
        receipt = gov.execute(proposal_id, account)
        console().print(f"executed proposal {proposal_id} in transaction {receipt.txn_hash}")


@cli.command()
@click.argument("proposal_ids", metavar="ID...", type=int, nargs=-1, required=True)
@account_option()
@yes_option()
@pass_context
def cancel(ctx: Context, proposal_ids: tuple[int, ...], account: Any, yes: bool) -> None:
    """Cancel proposals that have not run: any one member's veto, before or
    after scheduling (a scheduled one is cancelled on the timelock too), but
    not of a proposal that removes that member. Every proposal is checked
    before any is cancelled."""
    gov = ctx.governance
    _check_all(gov, gov.check_cancel, "Cancel", proposal_ids, account, yes)
    for proposal_id in proposal_ids:
        receipt = gov.cancel(proposal_id, account)
        console().print(f"cancelled proposal {proposal_id} in transaction {receipt.txn_hash}")


@cli.command()
@click.argument("proposal_id", type=int, required=False)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option(
    "--all", "show_all", is_flag=True, help="include executed, cancelled, expired and stale ones"
)
@pass_context
def status(ctx: Context, proposal_id: int | None, as_json: bool, show_all: bool) -> None:
    """The council, and the queue: each proposal's calls, approvals, state and
    the times it becomes executable and expires."""
    gov = ctx.governance
    closed: dict[str, int] = {}
    if proposal_id is not None:
        proposals = [gov.proposal(proposal_id)]
    else:
        proposals = []
        for p in gov.proposals():
            if show_all or p.state not in CLOSED:
                proposals.append(p)
            else:
                closed[p.state.name.lower()] = closed.get(p.state.name.lower(), 0) + 1
    registry = ctx.registry.contract
    members = gov.members()
    threshold = int(gov.council.threshold())
    delay = int(gov.timelock.get_minimum_delay())
    grace = int(gov.council.grace_period())
    guardian = str(registry.guardian())
    paused = bool(registry.paused())
    if as_json:
        click.echo(
            json.dumps(
                {
                    "council": gov.council.address,
                    "timelock": gov.timelock.address,
                    "members": members,
                    "threshold": threshold,
                    "delay": delay,
                    "grace_period": grace,
                    "guardian": guardian,
                    "paused": paused,
                    "now": gov.now(),
                    "proposals": [
                        {
                            "id": p.proposal_id,
                            "description": p.description,
                            "proposer": p.proposer,
                            "calls": [gov.describe(c) for c in p.calls],
                            "approvals": p.approvals,
                            "approvers": list(p.approvers),
                            "threshold": p.threshold,
                            "state": p.state.name.lower(),
                            "executable_at": p.ready_at if p.ready_at > 1 else None,
                            "expires_at": p.expires_at if p.expires_at > 1 else None,
                        }
                        for p in proposals
                    ],
                },
                indent=2,
            )
        )
        return
    out = console()
    out.print(
        f"council {gov.council.address}: {threshold} of {len(members)} ({', '.join(members)})"
    )
    out.print(
        f"timelock {gov.timelock.address}: delay {format_duration(delay)}; a scheduled "
        f"proposal expires {format_duration(grace)} after it becomes executable"
    )
    out.print(f"guardian {guardian}; registry {'PAUSED' if paused else 'running'}")
    hidden = ""
    if closed:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(closed.items()))
        hidden = f" ({counts} not shown; --all shows them)"
    if not proposals:
        out.print("no open proposals" + hidden)
        return
    table = Table()
    for column in ("id", "description", "calls", "approvals", "state", "executable"):
        table.add_column(column, overflow="fold")
    for p in proposals:
        table.add_row(
            str(p.proposal_id),
            p.description,
            "\n".join(gov.describe(c) for c in p.calls),
            f"{p.approvals} of {p.threshold}",
            _state(p),
            _when(gov, p),
        )
    out.print(table)
    if hidden:
        out.print("closed proposals" + hidden)
