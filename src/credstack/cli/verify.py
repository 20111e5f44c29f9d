"""`ape run verify`: a token or a holder; a table for people, --json for machines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from credstack.cli.common import console, credstack_command, fail, pass_context
from credstack.context import Context
from credstack.errors import CredstackError
from credstack.evidence import parse_hex32
from credstack.inputs import address_problem
from credstack.verify import (
    accepted_lines,
    endorsements_of,
    verification_lines,
    verifications_of,
    verify_holder,
    verify_memberships,
    verify_token,
)

FIELDS = (
    ("valid", "valid"),
    ("status", "status"),
    ("reason", "why"),
    ("class_name", "class"),
    ("class_id", "class id"),
    ("issuer", "issuer"),
    ("holder", "holder"),
    ("score", "score"),
    ("min_score", "class minimum"),
    ("issued", "issued"),
    ("expires", "expires"),
    ("soulbound", "soulbound"),
    ("evidence_hash", "evidence hash"),
    ("evidence_matches", "evidence matches"),
)


@credstack_command()
@click.option("--token", "token_id", type=click.IntRange(min=1), help="a token id")
@click.option("--holder", help="a wallet address: every credential it holds")
@click.option(
    "--class", "class_", help="a class (catalog slug or id): which employers accept it, for what"
)
@click.option(
    "--evidence",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="with --token and --salt: does this file match the hash on chain?",
)
@click.option("--salt", help="the salt from the issuer's receipt (0x + 64 hex)")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@pass_context
def cli(
    ctx: Context,
    token_id: int | None,
    holder: str | None,
    class_: str | None,
    evidence: Path | None,
    salt: str | None,
    as_json: bool,
) -> None:
    """Is a credential valid, and why not; who issued it; does the evidence
    match; which employers accept it and, with the holder's consent, checked
    it. With --class: a class and the employers that accept it."""
    if sum(x is not None for x in (token_id, holder, class_)) != 1:
        fail("give one of --token ID, --holder ADDRESS or --class SLUG|ID")
    if class_ is not None:
        show_class(ctx, class_, as_json)
        return
    if (evidence is None) != (salt is None) or (evidence is not None and token_id is None):
        fail("--evidence and --salt go together, with --token")
    salt_bytes = None
    if salt is not None and (salt_bytes := parse_hex32(salt)) is None:
        raise CredstackError(f"--salt {salt!r}: expected 0x + 64 hex digits")
    records: list[dict[str, Any]]
    if token_id is not None:
        records = [verify_token(ctx.registry, token_id, evidence, salt_bytes)]
        if ctx.deployment.employers and records[0]["exists"]:
            pathways = ctx.pathways if ctx.deployment.pathways else None
            records[0]["accepted_by"] = endorsements_of(
                ctx.employers, records[0]["class_id"], pathways
            )
            records[0]["verifications"] = verifications_of(ctx.employers, token_id)
    else:
        assert holder is not None
        if problem := address_problem(holder):
            raise CredstackError(f"--holder {holder!r}: {problem}")
        records = verify_holder(ctx.registry, holder)
        for record in records:
            record["kind"] = "credential"
        if ctx.deployment.membership:
            records += verify_memberships(ctx.memberships, holder)
    missing = token_id is not None and not records[0]["exists"]
    if as_json:
        click.echo(json.dumps(records[0] if token_id is not None else records, indent=2))
        if missing:
            raise click.exceptions.Exit(1)
        return
    if missing:
        raise CredstackError(f"token {token_id}: no such credential on this registry")
    out = console()
    held = [r for r in records if r.get("kind") != "membership"]
    if not held:
        out.print(f"{holder} holds no credentials on this registry")
    else:
        table = Table(title=f"registry {ctx.registry.address} on chain {ctx.deployment.chain_id}")
        table.add_column("")
        for record in held:
            table.add_column(f"token {record['token_id']}")
        for key, label in FIELDS:
            if any(key in r for r in held):
                table.add_row(label, *(_cell(r.get(key)) for r in held))
        out.print(table)
    for record in held:
        lines = accepted_lines(record.get("accepted_by", []))
        lines += verification_lines(record.get("verifications", []))
        for line in lines:
            out.print(f"token {record['token_id']}: {line}")
    if joined := [r for r in records if r.get("kind") == "membership"]:
        out.print(membership_table(joined))


def show_class(ctx: Context, class_: str, as_json: bool) -> None:
    """A class (by catalog slug or id): its name and issuer, and which
    employers accept it (or a pathway whose credential it is) for which
    job-task codes."""
    if class_.isdigit():
        count = int(ctx.registry.contract.class_count())
        if not 1 <= int(class_) <= count:
            raise CredstackError(f"class {class_}: no such class on this registry (1 to {count})")
        info = ctx.registry.class_info(int(class_))
    else:
        info = ctx.klass(class_)
    endorsements: list[dict[str, Any]] = []
    if ctx.deployment.employers:
        pathways = ctx.pathways if ctx.deployment.pathways else None
        endorsements = endorsements_of(ctx.employers, info.class_id, pathways)
    doc = {
        "class_id": info.class_id,
        "class_name": info.name,
        "issuer": info.issuer,
        "active": info.active,
        "accepted_by": endorsements,
    }
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    out = console()
    out.print(f"class {info.class_id} ({info.name}), issuer {info.issuer}")
    for line in accepted_lines(endorsements) or ["no employer endorses it"]:
        out.print(f"  {line}")


MEMBERSHIP_FIELDS = (
    ("valid", "valid"),
    ("reason", "why"),
    ("tier_id", "tier id"),
    ("issuer", "issuer"),
    ("parts", "credentials"),
    ("joined", "joined"),
    ("expires", "expires"),
    ("renewable_from", "renewable from"),
    ("period", "this period"),
)


def membership_table(records: list[dict[str, Any]]) -> Table:
    """The holder's memberships side by side, then each perk's units left
    this period of its allowance."""
    table = Table(title="memberships")
    table.add_column("")
    for record in records:
        table.add_column(str(record["tier"]))
    for key, label in MEMBERSHIP_FIELDS:
        cells = []
        for r in records:
            value = r.get(key)
            cells.append(_cell(", ".join(map(str, value)) if isinstance(value, list) else value))
        table.add_row(label, *cells)
    names = list(dict.fromkeys(p["name"] for r in records for p in r["perks"]))
    for name in names:
        cells = []
        for r in records:
            perk = next((p for p in r["perks"] if p["name"] == name), None)
            cells.append(
                _cell(f"{perk['remaining']} of {perk['allowance']} left" if perk else None)
            )
        table.add_row(f"perk {name}", *cells)
    return table


def _cell(value: Any) -> Text:
    """A value as plain text: a contract's strings are not rich markup (a
    class named "Data [/bold]" is printed as it is, not parsed), and rich
    drops control characters from a Text."""
    if value is None:
        return Text("-")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    return Text(str(value))
