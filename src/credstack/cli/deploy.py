"""`ape run deploy`: deploy renderer, council, timelock, registry, pathway
registry and membership contract; record them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from credstack import catalog as catalog_mod
from credstack import deployments
from credstack.catalog import GovernanceConfig
from credstack.cli.common import account_option, confirm, console, credstack_command, yes_option
from credstack.deploy import ensure_deployed
from credstack.errors import ConfigError
from credstack.registry import DEFAULT_NAME, DEFAULT_SYMBOL
from credstack.units import format_duration, parse_duration


def governance_config(
    catalog_path: Path | None,
    council: tuple[str, ...],
    threshold: int | None,
    delay: str | None,
    guardian: str | None,
) -> GovernanceConfig:
    """The catalog's governance section, with any option taking precedence."""
    base = None
    if catalog_path is not None:
        base = catalog_mod.load(catalog_path).governance
        if base is None and not council:
            raise ConfigError(
                "governance", f"{catalog_path} has no governance section; add one or pass --council"
            )
    members = tuple(m.strip() for item in council for m in item.split(",") if m.strip())
    if base is None and not members:
        raise ConfigError(
            "governance",
            "who governs the registry? pass --catalog FILE (its governance section) or "
            "--council ADDR[,ADDR...] --threshold M [--delay 48h] [--guardian ADDR]",
        )
    try:
        delay_s = parse_duration(delay) if delay is not None else None
    except ValueError as err:
        raise ConfigError("delay", f"--delay {delay!r}: {err}") from None
    config = GovernanceConfig(
        members=members or (base.members if base else ()),
        threshold=threshold if threshold is not None else (base.threshold if base else 0),
        delay=delay_s if delay_s is not None else (base.delay if base else 2 * 86_400),
        guardian=guardian if guardian is not None else (base.guardian if base else None),
    )
    if problems := config.problems():
        name, value, reason = problems[0]
        raise ConfigError(name, f"governance {name} = {value!r}: {reason}")
    return config


@credstack_command()
@account_option()
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="read council, threshold, delay and guardian from this catalog's governance section",
)
@click.option("--council", multiple=True, help="council member address (repeat, or comma-separate)")
@click.option("--threshold", type=int, help="approvals a proposal needs (M of N)")
@click.option("--delay", help="timelock delay: seconds, or 48h, 2d (default 2d)")
@click.option("--guardian", help="address that may pause at once (default: none)")
@click.option("--name", default=DEFAULT_NAME, show_default=True)
@click.option("--symbol", default=DEFAULT_SYMBOL, show_default=True)
@yes_option()
def cli(
    account: Any,
    catalog_path: Path | None,
    council: tuple[str, ...],
    threshold: int | None,
    delay: str | None,
    guardian: str | None,
    name: str,
    symbol: str,
    yes: bool,
) -> None:
    """Deploy credstack under governance, or report the deployment it already has.

    The registry's admin is a timelock whose only proposer and executor is the
    council (M of N); the deploying account keeps no role anywhere."""
    config = governance_config(catalog_path, council, threshold, delay, guardian)
    out = console()
    if (why := _needs_deploying()) is not None:
        members = ", ".join(config.members)
        out.print(f"{why}: 7 contracts to deploy from {account.address}")
        out.print(
            f"  governed by {config.threshold} of {len(config.members)} ({members}); "
            f"delay {format_duration(config.delay)}; guardian {config.guardian or 'none'}"
        )
        confirm(
            "Deploy renderer, council, timelock, registry, pathway registry, membership "
            f"contract and employer registry (7 transactions) from {account.address}?",
            yes,
        )
    deployment, created = ensure_deployed(account, config, name=name, symbol=symbol)
    verb = "deployed" if created else "already deployed; nothing sent"
    out.print(f"credstack {verb} on chain {deployment.chain_id} ({deployment.network})")
    out.print(f"  registry  {deployment.registry}")
    pathways = deployment.pathways or "none (recorded before the pathway registry existed)"
    out.print(f"  pathways  {pathways} (the pathway registry)")
    membership = deployment.membership or "none (recorded before the membership contract existed)"
    out.print(f"  membership {membership}")
    employers = deployment.employers or "none (recorded before the employer registry existed)"
    out.print(f"  employers {employers} (the employer registry)")
    out.print(f"  renderer  {deployment.renderer}")
    out.print(f"  council   {deployment.council}")
    out.print(f"  timelock  {deployment.timelock} (holds the registry's admin role)")
    members = ", ".join(deployment.members)
    out.print(
        f"  rules     {deployment.threshold} of {len(deployment.members)} ({members}); "
        f"delay {format_duration(deployment.delay)}"
    )
    out.print(f"  guardian  {deployment.guardian or 'none'} (may pause; only the council unpauses)")
    out.print(f"  deployer  {deployment.deployer} (holds no role)")
    out.print(f"  block     {deployment.block_number}")
    out.print(f"  recorded in {deployments.path_for(deployment.chain_id)}")


def _needs_deploying() -> str | None:
    """Why ``ensure_deployed`` will send (no record for this chain, or a
    record of a chain that was reset), or None: the deployment is live and a
    re-run sends nothing, so it asks nothing."""
    from ape import chain

    chain_id = int(chain.chain_id)
    existing = deployments.read(chain_id)
    if existing is None:
        return f"no credstack deployment on chain {chain_id}"
    if not deployments.is_live(existing, chain):
        return f"{deployments.path_for(chain_id)} is from a chain that was reset"
    return None
