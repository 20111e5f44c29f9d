"""The commands as a user's shell runs them: `ape run` processes with no
PYTHONWARNINGS and no stdin. A usage error is one line and exit 1 through
ape's own command (it would otherwise print click's usage and exit 2); a
command that reaches the chain prints no warning; deploy without --yes and
nobody to answer sends nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from credstack.anvil import Anvil
from tests.e2e.conftest import CATALOG, NETWORK, ROOT, Cli

ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # TEST::0


def shell_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "CREDSTACK_ACCOUNT")}
    env["PATH"] = f"{Path(sys.executable).parent}:{ROOT / 'node_modules' / '.bin'}:{env['PATH']}"
    env["COLUMNS"] = "140"  # as wide as when piped, whatever the terminal
    return {**env, **extra}


def ape_run(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    ape = str(Path(sys.executable).with_name("ape"))
    return subprocess.run(
        [ape, "run", *map(str, args)],
        cwd=ROOT,
        env=env or shell_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


USAGE = [
    (
        ("issue", "--csv", "{tmp}"),
        "error: invalid value for '--csv': File '{tmp}' is a directory; try 'ape run issue --help'",
    ),
    (("catalog",), "error: missing command (apply or show); try 'ape run catalog --help'"),
]  # every other case, ape's --network included, in process: tests/tooling/test_cli_errors.py


@pytest.mark.parametrize(("args", "line"), USAGE)
def test_usage_error__ape_run__one_line_exit_1(
    tmp_path: Path, args: tuple[str, ...], line: str
) -> None:
    result = ape_run(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert (result.returncode, result.stdout) == (1, "")
    [printed] = result.stderr.splitlines()
    assert printed.startswith(line.replace("{tmp}", str(tmp_path)))


def test_help__ape_run__exit_0_nothing_on_stderr() -> None:
    result = ape_run("verify", "--help")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("Usage: ape run verify [OPTIONS]")


def test_deploy__rerun__nothing_on_stderr(deployed: Cli) -> None:
    """Outside make (no PYTHONWARNINGS), a command that reaches the chain
    prints no pydantic-settings warning (without credstack's filter, this
    deploy prints one)."""
    env = shell_env(
        APE_FOUNDRY_HOST=deployed.env["APE_FOUNDRY_HOST"],
        CREDSTACK_DEPLOYMENTS_DIR=deployed.env["CREDSTACK_DEPLOYMENTS_DIR"],
    )
    deploy = ("deploy", "--account", "TEST::0", "--catalog", CATALOG, "--network", NETWORK)
    again = ape_run(*deploy, env=env)
    assert (again.returncode, again.stderr) == (0, "")
    assert "already deployed; nothing sent" in again.stdout
    assert "  pathways  0x" in again.stdout


def test_deploy__no_answer__nothing_sent(anvil: Anvil, tmp_path: Path) -> None:
    """A chain with no deployment recorded (its own deployments folder):
    deploy asks, stdin is closed, so it stops before sending."""
    env = shell_env(APE_FOUNDRY_HOST=anvil.url, CREDSTACK_DEPLOYMENTS_DIR=str(tmp_path))
    nonce = anvil.rpc("eth_getTransactionCount", ACCOUNT_0, "latest")
    deploy = ("deploy", "--account", "TEST::0", "--catalog", CATALOG, "--network", NETWORK)
    result = ape_run(*deploy, env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: no answer to the confirmation (pass --yes to run unattended); nothing was sent"
    ]
    assert (
        "Deploy renderer, council, timelock, registry, pathway registry, membership contract "
        "and employer registry (7 transactions)" in result.stdout
    )
    assert anvil.rpc("eth_getTransactionCount", ACCOUNT_0, "latest") == nonce
    assert not list(tmp_path.iterdir())
