"""End-to-end: the commands as separate `ape run` processes sharing one anvil
chain (ape-foundry connects to the anvil at APE_FOUNDRY_HOST)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from credstack.anvil import Anvil, plain_anvil

ROOT = Path(__file__).resolve().parents[2]
NETWORK = "ethereum:local:foundry"
CATALOG = ROOT / "examples" / "catalog.yaml"


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    with plain_anvil() as node:
        yield node


@dataclass
class Cli:
    """Runs `ape run <script> ... --network ethereum:local:foundry` as a
    separate process, with its own deployments and output folders."""

    env: dict[str, str]
    out: Path

    def command(self, script: str, *args: Any) -> list[str]:
        ape = str(Path(sys.executable).with_name("ape"))
        return [ape, "run", script, *map(str, args), "--network", NETWORK]

    def run(self, script: str, *args: Any, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(script, *args),
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,  # a question nobody expected fails, never hangs
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{script} {args} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self, script: str, *args: Any) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(script, *args),
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


@pytest.fixture(scope="session")
def cli(anvil: Anvil, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    base = tmp_path_factory.mktemp("e2e")
    bin_dirs = f"{Path(sys.executable).parent}:{ROOT / 'node_modules' / '.bin'}"
    env = {
        **os.environ,
        "PATH": f"{bin_dirs}:{os.environ['PATH']}",
        "APE_FOUNDRY_HOST": anvil.url,
        "CREDSTACK_DEPLOYMENTS_DIR": str(base / "deployments"),
        "CREDSTACK_OUT_DIR": str(base / "out"),
        "PYTHONWARNINGS": "ignore",
        # Lines as wide as when piped, whatever the terminal or COLUMNS
        # (pytest-xdist's workers set 80) the tests run under.
        "COLUMNS": "140",
    }
    env.pop("CREDSTACK_ACCOUNT", None)
    return Cli(env, base / "out")


@pytest.fixture(scope="session")
def deployed(cli: Cli, anvil: Anvil) -> Cli:
    """deploy under the catalog's council; a member's catalog apply proposes
    the issuers' onboarding; a second member approves; 48 hours pass on
    anvil; it is executed; both issuers apply their classes: separate
    processes, one chain. (The early execution's refusal is tested in
    process, in tests/tooling/test_governance_command.py.)"""
    cli.run("deploy", "--account", "TEST::0", "--catalog", CATALOG, "--yes")
    proposed = cli.run("catalog", "apply", "--account", "TEST::3", "--yes")
    assert "[done] northwind, lumen, employer acme-retail" in proposed.stdout
    approved = cli.run("governance", "approve", "1", "--account", "TEST::4", "--yes")
    assert "approvals 2 of 2" in approved.stdout
    anvil.rpc("evm_increaseTime", 48 * 3_600)
    anvil.rpc("evm_mine")
    cli.run("governance", "execute", "1", "--account", "TEST::3", "--yes")
    # Lumen first: Northwind's pathway cross-credits Lumen's classes.
    for account in ("TEST::2", "TEST::1"):
        cli.run("catalog", "apply", "--account", account, "--yes")
    return cli
