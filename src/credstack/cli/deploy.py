"""`ape run deploy`: deploy the registry and its renderer, record them."""

from __future__ import annotations

from typing import Any

import click

from credstack import deployments
from credstack.cli.common import account_option, console, credstack_command
from credstack.deploy import ensure_deployed
from credstack.registry import DEFAULT_NAME, DEFAULT_SYMBOL


@credstack_command()
@account_option()
@click.option("--admin", help="address that holds the admin role (default: the account)")
@click.option("--name", default=DEFAULT_NAME, show_default=True)
@click.option("--symbol", default=DEFAULT_SYMBOL, show_default=True)
def cli(account: Any, admin: str | None, name: str, symbol: str) -> None:
    """Deploy credstack on the network, or report the deployment it already has."""
    deployment, created = ensure_deployed(account, admin=admin, name=name, symbol=symbol)
    out = console()
    verb = "deployed" if created else "already deployed; nothing sent"
    out.print(f"credstack {verb} on chain {deployment.chain_id} ({deployment.network})")
    out.print(f"  registry  {deployment.registry}")
    out.print(f"  renderer  {deployment.renderer}")
    out.print(f"  admin     {deployment.admin}")
    out.print(f"  block     {deployment.block_number}")
    out.print(f"  recorded in {deployments.path_for(deployment.chain_id)}")
