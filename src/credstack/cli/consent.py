"""`ape run consent --employer ADDR --token ID --outcomes verified,interviewed`
(the learner signs, nothing is sent; the file goes to the employer, who runs
`ape run employer record --consent FILE --outcome verified`) and
`ape run consent revoke --nonce N` (the learner refuses every later record
with that consent; this one is a transaction from the learner's wallet).

A consent lets the named employer put on chain, for ever, that it checked
the learner's credential (and, if allowed, interviewed or hired them): the
record names the token, the employer, the learner's address (already
public with the token), the outcome and the credential's class."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from credstack.cli.common import (
    CredstackGroup,
    account_option,
    confirm,
    console,
    credstack_group,
    pass_context,
    yes_option,
)
from credstack.cli.employer import consent_doc
from credstack.config import out_dir
from credstack.context import Context
from credstack.employers import outcome_names, parse_outcomes
from credstack.errors import CredstackError
from credstack.inputs import address_problem
from credstack.membership import chain_now
from credstack.units import format_time, parse_duration

DEFAULT_VALID = "30d"


def parse_deadline(text: str, now: int) -> int:
    """A consent's deadline: a duration from ``now`` (30d, 48h), a date
    (2026-12-31, 2026-12-31T17:00, UTC) or a unix time; a CredstackError
    for anything else or a time already past."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?", text):
            moment = datetime.fromisoformat(text)
            deadline = int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp())
        elif re.fullmatch(r"\d{10,}", text):
            deadline = int(text)
        else:
            deadline = now + parse_duration(text)
    except ValueError:
        raise CredstackError(
            f"--deadline {text!r}: a duration (30d, 48h), a date (2026-12-31) or a unix time"
        ) from None
    if deadline < now:
        raise CredstackError(f"--deadline {text!r}: {format_time(deadline)} is past")
    return deadline


class ConsentGroup(CredstackGroup):
    """`consent` signs by default (`consent --employer ...` is `consent sign
    --employer ...`); `consent revoke` revokes."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["sign", *args]
        return super().parse_args(ctx, args)


@credstack_group(cls=ConsentGroup)
def cli() -> None:
    """A learner's consent to an employer's records of their credential:
    sign one (the default), or revoke one."""


@cli.command()
@click.option("--employer", required=True, help="the employer's account (it alone may use it)")
@click.option(
    "--token", "token_id", required=True, type=click.IntRange(min=1), help="your credential"
)
@click.option(
    "--outcomes", required=True, help="what it may record: verified,interviewed,hired (any of them)"
)
@click.option(
    "--deadline",
    default=DEFAULT_VALID,
    show_default=True,
    help="until when: a duration from now (30d), a date (2026-12-31, UTC) or a unix time",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the file to write (default: out/consents/consent-TOKEN-EMPLOYER.json)",
)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@account_option()
@pass_context
def sign(
    ctx: Context,
    employer: str,
    token_id: int,
    outcomes: str,
    deadline: str,
    out_path: Path | None,
    as_json: bool,
    account: Any,
) -> None:
    """As the credential's holder, sign a consent (EIP-712) for EMPLOYER to
    record the OUTCOMES for TOKEN until DEADLINE; writes it to a file for the
    employer. Sends nothing: you pay no gas. Each outcome is recorded at most
    once; `ape run consent revoke --nonce N` refuses later records."""
    if problem := address_problem(employer):
        raise CredstackError(f"--employer {employer!r}: {problem}")
    mask = parse_outcomes(outcomes)
    until = parse_deadline(deadline, chain_now())
    consent = ctx.employers.sign(account, token_id, employer, mask, until)
    path = out_path or out_dir() / "consents" / f"consent-{token_id}-{employer[:10]}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = consent_doc(consent, path)
    path.write_text(json.dumps(consent.to_json(), indent=2) + "\n")
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    out = console()
    record = ctx.employers.employer(employer)
    name = f" ({record.name})" if record else ""
    out.print(
        f"signed: {employer}{name} may record {', '.join(outcome_names(mask))} for token "
        f"{token_id} until {format_time(until)}; nonce {consent.nonce}"
    )
    out.print(
        f"consent file: {path} (give it to the employer; revoke with --nonce {consent.nonce})"
    )


@cli.command()
@click.option("--nonce", required=True, help="the consent's nonce (in its file)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@account_option()
@yes_option()
@pass_context
def revoke(ctx: Context, nonce: str, as_json: bool, account: Any, yes: bool) -> None:
    """Revoke your consent with NONCE: every later record with it is
    refused (records already made stay). A transaction from your wallet."""
    try:
        value = int(nonce, 0)
    except ValueError:
        raise CredstackError(f"--nonce {nonce!r}: a whole number (from the consent file)") from None
    if not 0 <= value < 1 << 256:
        raise CredstackError(f"--nonce {nonce!r}: 0 to 2**256 - 1")
    employers = ctx.employers
    employers.check_revoke(account.address, value)
    confirm(f"Revoke the consent with nonce {value} of {account.address}?", yes)
    employers.revoke(value, account)
    used = outcome_names(employers.consent_state(account.address, value) & 7)
    if as_json:
        doc = {"holder": account.address, "nonce": str(value), "revoked": True, "used": used}
        click.echo(json.dumps(doc, indent=2))
        return
    console().print(
        f"revoked: consent {value} of {account.address}; recorded before: "
        f"{', '.join(used) or 'nothing'}"
    )
