"""What every credstack command shares: `.env`, the network check before ape
connects, the account option, and one clear line per error."""

from __future__ import annotations

import functools
import os
import re
import shutil
from collections.abc import Callable
from typing import Any, NoReturn

import click
from ape.cli import ConnectedProviderCommand
from ape.cli.choices import AccountAliasPromptChoice
from ape.cli.options import verbosity_option
from ape.exceptions import ApeException, ContractLogicError
from ape.logging import LogLevel, logger
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


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit 1."""
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(1)


# USAGE ERRORS #
# click prints a usage error as three lines (usage, a hint, the error) and
# exits 2, ape's own options included (a bad --network lists every ecosystem,
# one per line). A credstack command prints it as every other error: one
# line, exit 1. ``--help`` is not an error and still exits 0.


def one_line(text: str) -> str:
    """``text`` on one line; lines after one ending in ``:`` are a list
    (ape's "Options:" under a bad --network) and are joined with commas."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined, listing = (lines[0] if lines else ""), False
    for line in lines[1:]:
        if joined.endswith(":"):
            joined, listing = f"{joined} {line}", True
        else:
            joined += f", {line}" if listing else f" {line}"
    return joined


def usage_error(err: click.ClickException, command_path: str | None) -> NoReturn:
    """One line for a click error: click's own message (it names the option
    and the value), lower-cased like ours, and where the help is."""
    message = one_line(err.format_message()).rstrip(".")
    if re.match(r"[A-Z][a-z]", message):
        message = message[0].lower() + message[1:]
    if command_path:
        message += f"; try '{command_path} --help'"
    fail(message)


class OneLineErrors(click.Command):
    """Parsing errors (missing, unknown or bad options and arguments, from
    click or ape) become one line and exit 1; see `usage_error`."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as err:
            ctx = getattr(err, "ctx", None)
            path = ctx.command_path if ctx is not None else None
            if path is None and info_name:
                path = f"{parent.command_path} {info_name}" if parent else info_name
            usage_error(err, path)


class CredstackCommand(OneLineErrors, ConnectedProviderCommand):
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
        except click.ClickException as err:
            usage_error(err, ctx.command_path)


def _check_level(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """ape hands any string to logging, which raises ValueError (a
    traceback) for a level it does not know: a usage error here."""
    if isinstance(value, str) and value not in LogLevel.__members__:
        names = ", ".join(LogLevel.__members__)
        raise click.BadParameter(f"{value!r} is not one of {names}", ctx, param)
    return value


def quiet_by_default() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """ape's ``-v/--verbosity``, defaulting to WARNING: one INFO line per
    confirmed transaction drowns a batch run; ``-v INFO`` shows them."""
    return verbosity_option(logger, default="WARNING", callback=_check_level)


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


class CredstackGroup(OneLineErrors, click.Group):
    """A script with subcommands (catalog, governance, pathway): each
    subcommand is a CredstackCommand with the quiet verbosity option. A
    missing or unknown subcommand is a usage error (one line, exit 1) that
    names the subcommands."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("no_args_is_help", False)  # no subcommand is an error, not help
        super().__init__(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            if not ctx.protected_args and not self.invoke_without_command:
                raise click.UsageError(f"missing command ({self._names(ctx)})", ctx)
            return super().invoke(ctx)
        except click.ClickException as err:
            usage_error(err, ctx.command_path)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and self.get_command(ctx, args[0]) is None:
            raise click.UsageError(f"no such command {args[0]!r} ({self._names(ctx)})", ctx)
        return super().resolve_command(ctx, args)

    def _names(self, ctx: click.Context) -> str:
        return " or ".join(self.list_commands(ctx))

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
        # Its own checked verbosity option, so that `ape run` adds none of its own.
        kwargs.setdefault("cls", CredstackGroup)  # or a subclass
        group: CredstackGroup = click.group(**kwargs)(quiet_by_default()(f))
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
    """Ask before sending, unless ``--yes``. No answer (stdin closed, as in
    a pipeline) is a no, with the way to run unattended."""
    if yes:
        return
    try:
        answer = click.confirm(question, default=False)
    except click.Abort:
        raise CredstackError(
            "no answer to the confirmation (pass --yes to run unattended); nothing was sent"
        ) from None
    if not answer:
        raise CredstackError("stopped at the confirmation; nothing was sent")
