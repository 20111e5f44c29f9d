"""`ape run employer endorse|withdraw|record|status`: an employer's
endorsements of classes and pathways for job-task codes, and its records of
a learner's credential (verified, interviewed, hired) with the learner's
consent (`ape run consent`). Every refusal the chain would make (not an
onboarded employer, a removed one, an unknown class or pathway, a bad task
code, a consent expired, revoked, used, for another employer, without the
outcome, or not signed by the holder) is found first and said in one line,
with nothing sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from credstack.cli.common import (
    account_option,
    confirm,
    console,
    credstack_group,
    pass_context,
    yes_option,
)
from credstack.context import Context
from credstack.employers import (
    KIND_CLASS,
    KIND_NAMES,
    KIND_PATHWAY,
    OUTCOME_NAMES,
    Consent,
    Employers,
    check_task,
    outcome_names,
    parse_outcome,
)
from credstack.errors import CredstackError
from credstack.inputs import address_problem
from credstack.units import format_time


def target_of(ctx: Context, class_: str | None, pathway: str | None) -> tuple[int, int, str]:
    """(kind, id, label) of ``--class`` (a catalog slug or class id) or
    ``--pathway`` (a catalog slug or pathway id): exactly one of them."""
    if (class_ is None) == (pathway is None):
        raise CredstackError("name one target: --class SLUG|ID or --pathway SLUG|ID")
    if class_ is not None:
        if class_.isdigit():
            return KIND_CLASS, int(class_), f"class {class_}"
        info = ctx.klass(class_)
        return KIND_CLASS, info.class_id, f"class {info.class_id} ({info.name})"
    assert pathway is not None
    known = ctx.deployment.pathway_ids
    if pathway in known:
        return KIND_PATHWAY, known[pathway], f"pathway {known[pathway]} ({pathway})"
    if pathway.isdigit():
        return KIND_PATHWAY, int(pathway), f"pathway {pathway}"
    listed = ", ".join(sorted(known)) or "none recorded; run `ape run catalog apply` first"
    raise CredstackError(f"unknown pathway '{pathway}' (known: {listed})")


def _address(option: str, value: str) -> str:
    if problem := address_problem(value):
        raise CredstackError(f"{option} {value!r}: {problem}")
    return value


def _target_options(f: Any) -> Any:
    f = click.option("--pathway", help="a catalog pathway slug or pathway id")(f)
    return click.option("--class", "class_", help="a catalog class slug or class id")(f)


@credstack_group()
def cli() -> None:
    """Employers: endorse classes and pathways for job tasks, record
    verifications with the learner's consent."""


@cli.command()
@_target_options
@click.option("--task", required=True, help="the job-task code (an O*NET-SOC code: 15-2051.00)")
@click.option("--note", default="", help="a URI where the employer says more (optional)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@account_option()
@yes_option()
@pass_context
def endorse(
    ctx: Context,
    class_: str | None,
    pathway: str | None,
    task: str,
    note: str,
    as_json: bool,
    account: Any,
    yes: bool,
) -> None:
    """As an onboarded employer, endorse a class or pathway for a job-task
    code (again: update the note). Public; no learner data."""
    check_task(task)
    kind, target_id, label = target_of(ctx, class_, pathway)
    employers = ctx.employers
    employers.check_endorse(account.address, kind, target_id, task, note)
    confirm(f"Endorse {label} for {task} as {account.address}?", yes)
    employers.endorse(kind, target_id, task, note, account)
    count = int(employers.contract.endorsement_count(kind, target_id, task))
    doc = {
        "employer": account.address,
        "kind": KIND_NAMES[kind],
        "target_id": target_id,
        "task": task,
        "note_uri": note,
        "endorsements": count,
    }
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    console().print(f"endorsed: {label} for {task} by {account.address} ({count} in all)")


@cli.command()
@_target_options
@click.option("--task", required=True, help="the job-task code endorsed")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@account_option()
@yes_option()
@pass_context
def withdraw(
    ctx: Context,
    class_: str | None,
    pathway: str | None,
    task: str,
    as_json: bool,
    account: Any,
    yes: bool,
) -> None:
    """Withdraw the account's endorsement of a class or pathway for a task
    (also after the employer was removed)."""
    check_task(task)
    kind, target_id, label = target_of(ctx, class_, pathway)
    employers = ctx.employers
    employers.check_withdraw(account.address, kind, target_id, task)
    confirm(f"Withdraw the endorsement of {label} for {task} by {account.address}?", yes)
    employers.withdraw(kind, target_id, task, account)
    count = int(employers.contract.endorsement_count(kind, target_id, task))
    if as_json:
        doc = {
            "employer": account.address,
            "kind": KIND_NAMES[kind],
            "target_id": target_id,
            "task": task,
            "withdrawn": True,
            "endorsements": count,
        }
        click.echo(json.dumps(doc, indent=2))
        return
    console().print(f"withdrawn: {label} for {task} by {account.address} ({count} left)")


@cli.command()
@click.option(
    "--consent",
    "consent_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the learner's consent file (`ape run consent`)",
)
@click.option("--outcome", required=True, help="verified, interviewed or hired")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@account_option()
@yes_option()
@pass_context
def record(
    ctx: Context, consent_path: Path, outcome: str, as_json: bool, account: Any, yes: bool
) -> None:
    """As the employer the consent names, record one outcome for the
    learner's credential: public and permanent, so only with the learner's
    signed consent; the employer pays the gas."""
    bit = parse_outcome(outcome)
    consent = Consent.read(consent_path)
    employers = ctx.employers
    employers.check_record(consent, bit, account.address)
    confirm(
        f"Record '{OUTCOME_NAMES[bit]}' for token {consent.token_id} (held by {consent.holder}) "
        f"as {account.address}? It is public and permanent.",
        yes,
    )
    employers.record(consent, bit, account)
    count = int(employers.contract.verification_count(consent.token_id))
    doc = {
        "token_id": consent.token_id,
        "employer": account.address,
        "holder": consent.holder,
        "outcome": OUTCOME_NAMES[bit],
        "nonce": str(consent.nonce),
        "verifications": count,
    }
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    console().print(
        f"recorded: '{OUTCOME_NAMES[bit]}' for token {consent.token_id} by {account.address} "
        f"({count} record(s) for this token)"
    )


def employer_doc(employers: Employers, address: str) -> dict[str, Any]:
    """An employer as a document: name, URL, whether active, when added,
    its standing endorsements, and the records it made by outcome."""
    record = employers.employer(address)
    if record is None:
        raise CredstackError(f"{address} is not an employer (never onboarded)")
    made = employers.verifications(employer=address)
    return {
        "employer": address,
        "name": record.name,
        "url": record.url,
        "active": record.active,
        "added_at": record.added_at,
        "added": format_time(record.added_at),
        "endorsements": [
            {
                "kind": KIND_NAMES[e.kind],
                "target_id": e.target_id,
                "task": e.task,
                "note_uri": e.note_uri,
            }
            for e in employers.endorsements(employer=address)
            if e.active
        ],
        "records": {
            name: sum(v.outcome == bit for v in made) for bit, name in OUTCOME_NAMES.items()
        },
    }


@cli.command()
@click.option("--employer", help="one employer's account (default: every employer)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@pass_context
def status(ctx: Context, employer: str | None, as_json: bool) -> None:
    """The employers (active or removed), their standing endorsements and
    the records they made, by outcome."""
    address = _address("--employer", employer) if employer else None
    employers = ctx.employers
    accounts = [address] if address else [e.address for e in employers.employers()]
    docs = [employer_doc(employers, a) for a in accounts]
    if as_json:
        click.echo(json.dumps(docs[0] if address else docs, indent=2))
        return
    out = console()
    if not docs:
        out.print("no employers on this employer registry")
    for doc in docs:
        state = "active" if doc["active"] else "removed"
        records = ", ".join(f"{n} {k}" for k, n in doc["records"].items())
        out.print(
            f"{doc['name']} ({doc['employer']}): {state} since {doc['added']}; {doc['url']}; "
            f"records: {records}"
        )
        for e in doc["endorsements"]:
            note = f" ({e['note_uri']})" if e["note_uri"] else ""
            out.print(f"  endorses {e['kind']} {e['target_id']} for {e['task']}{note}")


def consent_doc(consent: Consent, path: Path | None) -> dict[str, Any]:
    doc = consent.to_json()
    doc["deadline_utc"] = format_time(consent.deadline)
    if path is not None:
        doc["file"] = str(path)
    return doc


__all__ = ["cli", "consent_doc", "outcome_names", "target_of"]
