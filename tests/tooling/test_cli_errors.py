"""Usage errors of every command and group: one line on stderr, `error: ...`,
exit 1, nothing on stdout; `--help` still exits 0. (As real `ape run`
processes: tests/e2e/test_cli_edges.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from credstack.cli import (
    catalog,
    consent,
    deploy,
    employer,
    export,
    governance,
    issue,
    membership,
    pathway,
    pilot,
    recover,
    serve,
    verify,
)
from credstack.cli.common import one_line
from credstack.cli.lifecycle import make_command

DIR = "{dir}"  # a directory where a file is expected

COMMANDS: dict[str, click.Command] = {
    "issue": issue.cli,
    "revoke": make_command("revoke"),
    "suspend": make_command("suspend"),
    "reinstate": make_command("reinstate"),
    "renew": make_command("renew"),
    "recover": recover.cli,
    "verify": verify.cli,
    "deploy": deploy.cli,
    "catalog": catalog.cli,
    "governance": governance.cli,
    "pathway": pathway.cli,
    "membership": membership.cli,
    "employer": employer.cli,
    "consent": consent.cli,
    "pilot": pilot.cli,
    "export": export.cli,
    "serve": serve.cli,
}

CASES: list[tuple[str, tuple[str, ...], str]] = [
    ("issue", ("--class", "x", "--csv", DIR), "invalid value for '--csv': File '{dir}' is a dir"),
    ("issue", ("--csv", "learners.csv"), "missing option '--class'"),
    ("issue", ("--class", "x", "--csv", "f.csv", "--batch-size", "0"), "'--batch-size': 0 is not"),
    ("issue", ("--timeout", "0"), "'--timeout': 0.0 is not in the range x>=1"),
    ("revoke", ("--token",), "option '--token' requires an argument"),
    ("suspend", ("--bogus",), "no such option: --bogus"),
    ("reinstate", ("--csv", DIR), "invalid value for '--csv'"),
    ("renew", ("--token", "1", "--until"), "option '--until' requires an argument"),
    ("recover", ("--from", "0x1"), "missing option '--to'"),
    ("recover", ("--from", "a", "--to", "b", "--token", "x"), "'x' is not a valid integer"),
    ("recover", ("--confirmations", "-1"), "'--confirmations': -1 is not in the range x>=0"),
    ("verify", ("--token", "0"), "invalid value for '--token': 0 is not in the range x>=1"),
    ("verify", ("--holder",), "option '--holder' requires an argument"),
    ("deploy", ("--threshold", "two"), "invalid value for '--threshold': 'two' is not a valid"),
    ("deploy", ("--catalog", DIR), "invalid value for '--catalog'"),
    ("deploy", ("--network", "nowhere:at:all"), "invalid value for '--network'"),
    ("deploy", ("-v", "LOUD"), "'LOUD' is not one of ERROR, WARNING, SUCCESS, INFO, DEBUG"),
    ("catalog", (), "missing command (apply or show)"),
    ("catalog", ("frob",), "no such command 'frob' (apply or show)"),
    ("catalog", ("-v", "LOUD", "show"), "'LOUD' is not one of"),
    ("catalog", ("apply", "--bogus"), "no such option: --bogus"),
    ("catalog", ("show", "a.yaml", "b.yaml"), "got unexpected extra argument (b.yaml)"),
    ("catalog", ("show", DIR), "invalid value for 'CATALOG'"),
    ("governance", (), "missing command (approve or cancel or execute or propose or status)"),
    ("governance", ("vote",), "no such command 'vote'"),
    ("governance", ("propose",), "missing argument 'TARGET'"),
    ("governance", ("approve",), "missing argument 'ID...'"),
    ("governance", ("approve", "one"), "invalid value for 'ID...': 'one' is not a valid integer"),
    ("governance", ("execute", "1", "--yes=no"), "option '--yes' does not take a value"),
    ("governance", ("cancel",), "missing argument 'ID...'"),
    ("governance", ("status", "x"), "invalid value for '[PROPOSAL_ID]'"),
    ("pathway", (), "missing command (claim or progress)"),
    ("pathway", ("progress",), "missing option '--holder'"),
    ("pathway", ("claim", "--holder", "0x1"), "missing option '--pathway'"),
    ("membership", (), "missing command (book or join or offers or pass or redeem or sign or"),
    ("membership", ("join",), "missing option '--tier'"),
    ("membership", ("status", "--tier", "1"), "missing option '--holder'"),
    ("membership", ("redeem", "--tier", "1", "--ref", "r"), "missing option '--perk'"),
    (
        "membership",
        ("sign", "--tier", "1", "--perk", "p", "--ref", "r"),
        "missing option '--provider'",
    ),
    ("membership", ("offers", "--bogus"), "no such option: --bogus"),
    ("membership", ("book", "--offer", "1"), "missing option '--ref'"),
    ("membership", ("pass", "--offer", "1", "--token", "0"), "0 is not in the range x>=1"),
    ("employer", (), "missing command (endorse or record or status or withdraw)"),
    ("employer", ("endorse",), "missing option '--task'"),
    ("employer", ("withdraw", "--task", "x", "--bogus"), "no such option: --bogus"),
    ("employer", ("record", "--outcome", "verified"), "missing option '--consent'"),
    ("employer", ("status", "--json=1"), "option '--json' does not take a value"),
    ("consent", (), "missing command (revoke or sign)"),
    ("consent", ("--employer", "0x1", "--token", "0"), "0 is not in the range x>=1"),
    ("consent", ("sign", "--token", "1"), "missing option '--employer'"),
    ("consent", ("revoke",), "missing option '--nonce'"),
    ("pilot", ("--learners", "0"), "invalid value for '--learners': 0 is not in the range"),
    ("pilot", ("--weeks", "many"), "'many' is not a valid integer range"),
    ("export", ("--token", "0"), "invalid value for '--token': 0 is not in the range x>=1"),
    ("export", ("--workers", "0"), "'--workers': 0 is not in the range 1<=x<=64"),
    ("serve", ("--port", "70000"), "'--port': 70000 is not in the range 0<=x<=65535"),
]


def run(command: click.Command, *args: str) -> Any:
    return CliRunner(mix_stderr=False).invoke(command, list(args), catch_exceptions=False)


@pytest.mark.parametrize(("name", "args", "expected"), CASES)
def test_usage_error__one_line_exit_1(
    tmp_path: Path, name: str, args: tuple[str, ...], expected: str
) -> None:
    args = tuple(a.replace(DIR, str(tmp_path)) for a in args)
    result = run(COMMANDS[name], *args)
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ")
    assert expected.replace(DIR, str(tmp_path)) in line
    assert line.endswith("--help'")  # where the usage is


def test_every_command_has_a_case() -> None:
    named = {name for name, _, _ in CASES}
    assert named == set(COMMANDS)
    for group in ("catalog", "governance", "pathway", "membership", "employer", "consent"):
        subcommands = {args[0] for name, args, _ in CASES if name == group and args}
        assert set(COMMANDS[group].commands) <= subcommands  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help__exits_0(name: str) -> None:
    command = COMMANDS[name]
    result = run(command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ") and result.stderr == ""
    for sub in getattr(command, "commands", {}):
        result = run(command, sub, "--help")
        assert result.exit_code == 0 and result.stdout.startswith("Usage: ")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("one", "one"),
        ("bad 'x'. Options:\nbase\noptimism\n", "bad 'x'. Options: base, optimism"),
        ("first\n  second", "first second"),
        ("", ""),
    ],
)
def test_one_line(text: str, line: str) -> None:
    assert one_line(text) == line
