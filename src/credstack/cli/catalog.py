"""`ape run catalog apply|show`: bring the chain to a YAML catalog, or compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from credstack import catalog as catalog_mod
from credstack import deployments
from credstack.catalog_sync import DRIFT, IN_SYNC, NEEDS, Step, execute, plan
from credstack.cli.common import (
    account_option,
    confirm,
    console,
    credstack_group,
    pass_context,
    yes_option,
)
from credstack.config import out_dir
from credstack.context import Context
from credstack.employers import Employers
from credstack.governance import Governance
from credstack.membership import Memberships
from credstack.pathways import Pathways
from credstack.units import format_percent

CATALOG_ARG = click.argument(
    "catalog_path",
    metavar="CATALOG",
    default="examples/catalog.yaml",
    type=click.Path(dir_okay=False, path_type=Path),
)


@credstack_group()
def cli() -> None:
    """Apply a catalog of issuers, classes and pathways to chain, or show it beside the chain."""


def _optional(
    ctx: Context,
) -> tuple[Governance | None, Pathways | None, Memberships | None, Employers | None]:
    """The deployment's governance, pathway registry, membership contract
    and employer registry, where it has them (a deployment from before one
    has not)."""
    governance = ctx.governance if ctx.deployment.council else None
    pathways = ctx.pathways if ctx.deployment.pathways else None
    memberships = ctx.memberships if ctx.deployment.membership else None
    employers = ctx.employers if ctx.deployment.employers else None
    return governance, pathways, memberships, employers


def _describe(step: Step) -> str:
    mark = {IN_SYNC: "ok", "done": "done", NEEDS: "needs", DRIFT: "DRIFT", "send": "to send"}
    who = f" (must be sent by {step.who})" if step.who else ""
    return f"  [{mark.get(step.state, step.state)}] {step.subject}: {step.action}{who}"


@cli.command("apply")
@CATALOG_ARG
@account_option()
@click.option("--dry-run", is_flag=True, help="list the steps, send nothing")
@yes_option()
@pass_context
def apply_(ctx: Context, catalog_path: Path, account: Any, dry_run: bool, yes: bool) -> None:
    """Onboard issuers (a council member proposes the grants) and create or
    update classes (each issuer its own), as far as ACCOUNT may."""
    out = console()
    catalog = catalog_mod.load(catalog_path)
    deployment, registry = ctx.deployment, ctx.registry
    governance, pathways, memberships, employers = _optional(ctx)
    planned = plan(
        registry, catalog, deployment, account.address, governance, pathways, memberships, employers
    )
    steps = planned[0]
    to_send = [s for s in steps if s.state == "send"]
    if dry_run or not to_send:
        for step in steps:
            out.print(_describe(step))
        out.print(f"{len(to_send)} transaction(s) to send" + ("; dry run" if dry_run else ""))
        if not dry_run:
            # Nothing to send: still record slug -> id for classes found on chain.
            execute(
                registry,
                catalog,
                deployment,
                account,
                planned=planned,
                pathways=pathways,
                memberships=memberships,
                employers=employers,
            )
            deployments.write(deployment)
        return
    confirm(f"Send {len(to_send)} transaction(s) from {account.address}?", yes)
    paths = catalog_mod.write_metadata(catalog, out_dir() / "metadata")
    execute(
        registry,
        catalog,
        deployment,
        account,
        on_step=lambda s: out.print(_describe(s)),
        planned=planned,
        pathways=pathways,
        memberships=memberships,
        employers=employers,
    )
    deployments.write(deployment)
    out.print(f"metadata documents for the class URIs: {paths[0].parent}/ (publish them)")


@cli.command()
@CATALOG_ARG
@pass_context
def show(ctx: Context, catalog_path: Path) -> None:
    """The catalog's classes and their state on chain."""
    out = console()
    catalog = catalog_mod.load(catalog_path)
    deployment, registry = ctx.deployment, ctx.registry
    # Planned for an account that may send nothing, every difference is
    # reported as drift or as a step another key must send.
    governance, pathways, memberships, employers = _optional(ctx)
    steps, ids = plan(
        registry, catalog, deployment, "0x" + "0" * 40, governance, pathways, memberships, employers
    )
    drift = {s.subject for s in steps if s.state in (DRIFT, NEEDS) and s.subject in catalog.classes}
    table = Table(title=f"{catalog_path} on chain {deployment.chain_id}")
    for column in ("slug", "issuer", "id", "name", "min", "valid", "soulbound", "on chain"):
        table.add_column(column)
    for slug, spec in catalog.classes.items():
        state = "missing" if slug not in ids else ("drift" if slug in drift else "in sync")
        if slug in ids and state == "in sync" and not registry.class_info(ids[slug]).active:
            state = "inactive"
        table.add_row(
            slug,
            spec.issuer,
            str(ids.get(slug, "-")),
            spec.name,
            format_percent(spec.min_score),
            f"{spec.validity_days} d" if spec.validity_days else "forever",
            "no" if spec.transferable else "yes",
            state,
        )
    out.print(table)
    if catalog.pathways:
        out.print(pathway_table(catalog, steps, deployment.pathway_ids))
    if catalog.tiers:
        out.print(tier_table(catalog, steps, deployment.tier_ids))
    if catalog.employers:
        out.print(employer_table(catalog, steps))


def employer_table(catalog: Any, steps: list[Step]) -> Table:
    """Each catalog employer: its account, its endorsements (class or
    pathway, job-task code) and its state on chain (in sync, drift, or to
    apply: onboarding by the council or an endorsement still to send)."""
    table = Table(title="employers")
    for column in ("id", "name", "account", "endorsements", "on chain"):
        table.add_column(column)
    for ident, spec in catalog.employers.items():
        endorsements = [f"{e.kind} {e.target} for {e.task}" for e in spec.endorsements]
        mine = [st for st in steps if st.subject == f"employer {ident}"]
        if any(st.state == DRIFT for st in mine):
            state = "drift"
        elif mine and all(st.state == IN_SYNC for st in mine):
            state = "in sync"
        else:
            state = "to apply"
        table.add_row(ident, spec.name, spec.address, "\n".join(endorsements), state)
    return table


def tier_table(catalog: Any, steps: list[Step], found: dict[str, int]) -> Table:
    """Each catalog tier: issuer, period, requirement groups, perks and
    offers, its id and state on chain (in sync, drift, or to apply: some
    step of the tier, its perks, providers or offers is still to send)."""
    table = Table(title="membership tiers")
    for column in ("slug", "issuer", "period", "groups", "perks", "offers", "id", "on chain"):
        table.add_column(column)
    for slug, spec in catalog.tiers.items():
        groups = [
            f"{g.name}: {g.required} of {', '.join(o.slug for o in g.options)}" for g in spec.groups
        ]
        perks = [f"{p.name} ({p.allowance})" for p in spec.perks]
        offers = [f"{o.slug} ({o.capacity})" for o in spec.offers]
        offer_subjects = {f"offer {o.slug}" for o in spec.offers}
        mine = [st for st in steps if st.subject == f"tier {slug}" or st.subject in offer_subjects]
        if any(st.state == DRIFT for st in mine):
            state = "drift"
        elif slug in found and all(st.state == IN_SYNC for st in mine):
            state = "in sync"
        else:
            state = "to apply"
        table.add_row(
            slug, spec.issuer, f"{spec.period // 86_400} d", "\n".join(groups), "\n".join(perks),
            "\n".join(offers), str(found.get(slug, "-")), state,
        )  # fmt: skip
    return table


def pathway_table(catalog: Any, steps: list[Step], found: dict[str, int]) -> Table:
    """Each catalog pathway: its groups (* marks a cross-credit option, from
    another issuer than the output class's), its id and state on chain."""
    table = Table(title="pathways (* cross-credit)")
    for column in ("slug", "issuer", "output", "groups", "id", "on chain"):
        table.add_column(column)
    for slug, spec in catalog.pathways.items():
        issuer = catalog.classes[spec.output].issuer
        groups = []
        for group in spec.groups:
            names = [
                o.slug + ("*" if catalog.classes[o.slug].issuer != issuer else "")
                for o in group.options
            ]
            count = "all" if group.required == len(group.options) else str(group.required)
            groups.append(f"{group.name}: {count} of {', '.join(names)}")
        mine = [st for st in steps if st.subject == f"pathway {slug}"]
        state = (
            "drift"
            if any(st.state == DRIFT for st in mine)
            else (
                "in sync"
                if slug in found and all(st.state == IN_SYNC for st in mine)
                else "to apply"
            )
        )
        pathway_id = str(found.get(slug, "-"))
        table.add_row(slug, issuer, spec.output, "\n".join(groups), pathway_id, state)
    return table
