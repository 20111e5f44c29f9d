"""What every credstack command shares: `.env`, the network check before ape
connects, the account option, and one clear line per error."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from typing import Any

import click
from ape.cli import ConnectedProviderCommand
from ape.cli.choices import AccountAliasPromptChoice
from ape.cli.options import verbosity_option
from ape.exceptions import ApeException, ContractLogicError
from ape.logging import logger
from rich.console import Console

from credstack import send
from credstack.config import ACCOUNT_VAR, check_network_env, load_env, require
from credstack.context import Context
from credstack.errors import CredstackError

load_env()


def console() -> Console:
    """Plain text (no markup), as wide as the terminal; 140 when piped."""
    width = shutil.get_terminal_size((140, 40)).columns
    return Console(highlight=False, markup=False, width=width)


def fail(message: str) -> None:
    """Print ``error: message`` on stderr and exit 1."""
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(1)


class CredstackCommand(ConnectedProviderCommand):
    """ape's connected command, plus: a network whose RPC URL comes from .env
    needs that variable before ape connects, and a CredstackError (or a
    revert) becomes one line on stderr and exit code 1."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        choice = None
        for i, arg in enumerate(args):
            if arg == "--network" and i + 1 < len(args):
                choice = args[i + 1]
            elif arg.startswith("--network="):
                choice = arg.split("=", 1)[1]
        ctx.meta["credstack.network"] = choice
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            check_network_env(ctx.meta.get("credstack.network"))
            return super().invoke(ctx)
        except CredstackError as err:
            fail(str(err))
        except ContractLogicError as err:
            fail(f"the chain refused the transaction: {err.message}")
        except ApeException as err:
            fail(f"{type(err).__name__}: {err}")


def quiet_by_default() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """ape's ``-v/--verbosity``, defaulting to WARNING: one INFO line per
    confirmed transaction drowns a batch run; ``-v INFO`` shows them."""
    return verbosity_option(logger, default="WARNING")


def _set_waiting(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta[f"credstack.{param.name}"] = value
    send.configure(
        send.Waiting(
            confirmations=ctx.meta.get("credstack.confirmations"),
            timeout=ctx.meta.get("credstack.timeout"),
        )
    )
    return value


def waiting_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--confirmations N`` and ``--timeout SECONDS``, for every command:
    how the send path waits for each transaction (credstack.send). They set
    the process's default and are not passed to the command."""
    f = click.option(
        "--confirmations",
        type=click.IntRange(min=0),
        expose_value=False,
        callback=_set_waiting,
        help="blocks on top of a transaction before it counts as done (default: the "
        "network's; 0 on local chains)",
    )(f)
    return click.option(
        "--timeout",
        type=click.FloatRange(min=1),
        expose_value=False,
        callback=_set_waiting,
        help=f"seconds to wait for each transaction's receipt (default "
        f"{send.DEFAULT_TIMEOUT:g}, or the network's if longer)",
    )(f)


def credstack_command(**kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """A command of its own script (deploy, issue, verify...)."""

    def decorate(f: Callable[..., Any]) -> click.Command:
        return click.command(cls=CredstackCommand, **kwargs)(quiet_by_default()(waiting_options(f)))

    return decorate


class CredstackGroup(click.Group):
    """A script with subcommands (catalog, governance, pathway): each
    subcommand is a CredstackCommand with the quiet verbosity option."""

    def command(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Command]:
        kwargs.setdefault("cls", CredstackCommand)
        make: Callable[[Callable[..., Any]], click.Command] = super().command(*args, **kwargs)

        def decorate(f: Callable[..., Any]) -> click.Command:
            return make(quiet_by_default()(waiting_options(f)))

        return decorate


def credstack_group(**kwargs: Any) -> Callable[[Callable[..., Any]], CredstackGroup]:
    def decorate(f: Callable[..., Any]) -> CredstackGroup:
        group: CredstackGroup = click.group(cls=CredstackGroup, **kwargs)(f)
        return group

    return decorate


def pass_context(f: Callable[..., Any]) -> Callable[..., Any]:
    """Hand the command a ``ctx`` (credstack.context.Context) as its first
    argument, as ape's ``ape_cli_context()`` hands ``cli_ctx``. It connects
    to the deployment on first use, so input checks come first."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return f(Context(), *args, **kwargs)

    return wrapper


def _load_account(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is None:
        require(ACCOUNT_VAR, "the account alias to sign with; or pass --account")
    if isinstance(value, str):  # from the environment, not yet converted
        value = AccountAliasPromptChoice(prompt_message=None).convert(value, param, ctx)
    alias = getattr(value, "alias", None)
    passphrase = os.environ.get(f"APE_ACCOUNTS_{alias}_PASSPHRASE") if alias else None
    if passphrase and hasattr(value, "set_autosign"):
        # Unattended runs: ape's documented variable unlocks the keyfile once.
        value.set_autosign(True, passphrase=passphrase)
    return value


def account_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--account ALIAS`` (or ``TEST::n`` on local chains); defaults to
    CREDSTACK_ACCOUNT from the environment or .env."""
    return click.option(
        "--account",
        type=AccountAliasPromptChoice(prompt_message=None),
        envvar=ACCOUNT_VAR,
        callback=lambda ctx, param, value: _guard(_load_account, ctx, param, value),
        help=f"ape account alias to sign with (default: ${ACCOUNT_VAR})",
    )


def _guard(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except CredstackError as err:
        fail(str(err))


def yes_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--yes", "-y", is_flag=True, help="do not ask for confirmation")


def confirm(question: str, yes: bool) -> None:
    if not yes and not click.confirm(question, default=False):
        raise CredstackError("stopped at the confirmation; nothing was sent")
