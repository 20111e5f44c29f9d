"""`ape run pathway progress|claim`: a learner's progress on a pathway, and the
claim that issues the pathway credential."""

from __future__ import annotations

import json
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
from credstack.errors import CredstackError, InputError, RowError
from credstack.inputs import address_problem
from credstack.pathways import CLAIM_REASONS, PART_REASONS, PartReason, Pathways, Progress
from credstack.units import format_percent


def _pathway_ids(ctx: Context, pathway: str | None) -> list[tuple[str, int]]:
    known = ctx.deployment.pathway_ids
    if pathway is None:
        if not known:
            raise CredstackError("no pathways recorded: run `ape run catalog apply` first")
        return sorted(known.items(), key=lambda kv: kv[1])
    if pathway in known:
        return [(pathway, known[pathway])]
    if pathway.isdigit():
        return [(f"pathway {pathway}", int(pathway))]
    listed = ", ".join(sorted(known)) or "none; run `ape run catalog apply` first"
    raise CredstackError(f"unknown pathway '{pathway}' (known: {listed})")


def _holder(value: str) -> str:
    if problem := address_problem(value):
        raise InputError("--holder", [RowError(0, "--holder", value, problem)])
    return value


def describe(ctx: Context, pathways: Pathways, label: str, progress: Progress) -> dict[str, Any]:
    """The progress as a document: groups with their options (class names,
    minimum, cross-credit), tokens with why each counts or not."""
    rules = pathways.rules(progress.pathway_id)
    output = ctx.registry.class_info(rules.output_class)
    names: dict[int, Any] = {}
    for class_id, _, _ in rules.options:
        names[class_id] = ctx.registry.class_info(class_id)
    groups = []
    for g, group in enumerate(progress.groups):
        options = [
            {
                "class_id": class_id,
                "class": names[class_id].name,
                "min_score": format_percent(minimum),
                "cross_credit": names[class_id].issuer != output.issuer,
            }
            for class_id, minimum, group_index in rules.options
            if group_index == g
        ]
        groups.append(
            {
                "group": g + 1,
                "required": group.required,
                "counted": group.counted,
                "met": group.met,
                "options": options,
            }
        )
    tokens = []
    for token_id, reason in zip(progress.tokens, progress.reasons, strict=True):
        credential = ctx.registry.credential(token_id)
        tokens.append(
            {
                "token_id": token_id,
                "class": names.get(credential.class_id, output).name,
                "score": format_percent(credential.score),
                "counts": reason == PartReason.COUNTED,
                "reason": PART_REASONS[reason],
            }
        )
    return {
        "pathway": label,
        "pathway_id": progress.pathway_id,
        "output_class": {"class_id": rules.output_class, "name": output.name},
        "holder": progress.holder,
        "parts_held": progress.parts_held,
        "parts_required": progress.parts_required,
        "complete": progress.complete,
        "claimable": progress.claimable,
        "reason": progress.reason.name.lower(),
        "why": CLAIM_REASONS[progress.reason],
        "claimed_token": progress.claimed_token or None,
        "groups": groups,
        "tokens": tokens,
    }


def print_progress(doc: dict[str, Any]) -> None:
    out = console()
    out.print(
        f"{doc['pathway']} (pathway {doc['pathway_id']}, issues '{doc['output_class']['name']}'): "
        f"{doc['holder']} holds {doc['parts_held']} of {doc['parts_required']} required parts"
    )
    for group in doc["groups"]:
        options = ", ".join(
            f"{o['class']}{'*' if o['cross_credit'] else ''} (min {o['min_score']}%)"
            for o in group["options"]
        )
        state = "met" if group["met"] else f"missing {group['required'] - group['counted']}"
        out.print(
            f"  group {group['group']} ({group['required']} of {len(group['options'])}): "
            f"{group['counted']} counted, {state}"
        )
        out.print(f"    options: {options}")
    for token in doc["tokens"]:
        what = f"{token['class']} {token['score']}%"
        out.print(f"  token {token['token_id']} {what}: {token['reason']}")
    if doc["claimed_token"]:
        out.print(f"  claimed: token {doc['claimed_token']}")
    elif doc["claimable"]:
        out.print("  claimable: `ape run pathway claim` issues the pathway credential")
    else:
        out.print(f"  not claimable now: {doc['why']}")
    out.print("  (* cross-credit: another issuer's class)")


@credstack_group()
def cli() -> None:
    """Pathways: a learner's progress, and the claim."""


@cli.command()
@click.option("--holder", required=True, help="the learner's wallet")
@click.option("--pathway", help="catalog slug or pathway id (default: every recorded pathway)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@pass_context
def progress(ctx: Context, holder: str, pathway: str | None, as_json: bool) -> None:
    """Which groups HOLDER meets and what is missing; the wallet's tokens are
    found from the chain's events."""
    holder = _holder(holder)
    pathways = ctx.pathways
    docs = [
        describe(ctx, pathways, label, pathways.progress(pathway_id, holder))
        for label, pathway_id in _pathway_ids(ctx, pathway)
    ]
    if as_json:
        click.echo(json.dumps(docs if pathway is None else docs[0], indent=2))
        return
    for doc in docs:
        print_progress(doc)


@cli.command()
@click.option("--pathway", required=True, help="catalog slug or pathway id")
@click.option("--holder", help="claim for this learner (the output class's issuer or delegate)")
@account_option()
@yes_option()
@pass_context
def claim(ctx: Context, pathway: str, holder: str | None, account: Any, yes: bool) -> None:
    """Claim the pathway credential: as the learner (default), or for --holder
    as the output class's issuer or a delegate, so the learner needs no gas."""
    holder = _holder(holder) if holder else account.address
    pathways = ctx.pathways
    [(label, pathway_id)] = _pathway_ids(ctx, pathway)
    progress = pathways.progress(pathway_id, holder)
    print_progress(describe(ctx, pathways, label, progress))
    if progress.claimable:
        confirm(f"Claim {label} for {holder} from {account.address}?", yes)
    token_id, parts = pathways.claim(pathway_id, holder, account)
    console().print(
        f"claimed: token {token_id} for {holder}, with parts {', '.join(map(str, parts))}"
    )
