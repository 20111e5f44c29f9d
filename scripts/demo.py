"""`ape run demo`: the registry walk-through on the embedded chain."""

import logging

import click
from ape.cli import ConnectedProviderCommand, ape_cli_context
from ape.logging import logger
from rich.console import Console

from credstack.demo import run_demo


@click.command(cls=ConnectedProviderCommand)
@ape_cli_context()
def cli(cli_ctx: object) -> None:
    """Deploy, issue, revoke, suspend, expire and renew; print each status."""
    if logger.level == logging.INFO:
        # One line per confirmed transaction drowns the story; -v DEBUG or
        # -v INFO still shows them.
        logger.set_level("WARNING")
    run_demo(Console(width=100))
