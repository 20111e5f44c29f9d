"""Fixtures for the tooling tests: the commands run in-process (click's
runner) on ape's embedded chain, against the example catalog."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from eth_utils import keccak, to_checksum_address

from credstack.cli import catalog as catalog_cli
from credstack.cli import deploy as deploy_cli
from credstack.cli import governance as governance_cli

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "examples" / "catalog.yaml"
HEADER = ["wallet", "score", "evidence", "external_id"]
# The example catalog's council (2 of 3, 48 h) and guardian.
COUNCIL = ("TEST::3", "TEST::4", "TEST::5")
GUARDIAN = "TEST::6"
DELAY = 48 * 3_600


def wallet(i: int) -> str:
    """A fresh checksummed address nobody holds a key for."""
    return to_checksum_address(keccak(text=f"credstack-test-wallet-{i}")[:20])


def digest(text: str) -> str:
    return "0x" + hashlib.sha256(text.encode()).hexdigest()


def write_csv(path: Path, rows: list[list[Any]], header: list[str] | None = None) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header or HEADER)
        writer.writerows(rows)
    return path


def learner_rows(start: int, count: int, score: str = "80") -> list[list[Any]]:
    return [[wallet(i), score, digest(f"doc-{i}"), f"EXT-{i}"] for i in range(start, start + count)]


@pytest.fixture(scope="session", autouse=True)
def commands_use_test_provider() -> Any:
    """ape test has connected the embedded chain already. A command's own
    network context would disconnect it on exit, which throws away ape's
    snapshots (state would leak between tests), so commands run on the
    connected provider as they are."""
    import ape.cli.commands

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ape.cli.commands, "parse_network", lambda ctx: None)
        yield


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """Run a command as `ape run` would; output holds stdout and stderr."""

    def run(command: click.Command, *args: str) -> Result:
        return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture(scope="module")
def deployments_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deployments")


@pytest.fixture(autouse=True)
def tooling_env(monkeypatch: pytest.MonkeyPatch, deployments_dir: Path, tmp_path: Path) -> Path:
    """Deployments per module, output per test, no account from a .env, and
    output 140 columns wide whatever the terminal (the commands print as wide
    as it is; an 80-column one, or pytest-xdist's workers, which set COLUMNS
    to 80, would wrap the lines the tests look for)."""
    monkeypatch.setenv("COLUMNS", "140")
    monkeypatch.setenv("CREDSTACK_DEPLOYMENTS_DIR", str(deployments_dir))
    monkeypatch.setenv("CREDSTACK_OUT_DIR", str(tmp_path / "out"))
    monkeypatch.delenv("CREDSTACK_ACCOUNT", raising=False)
    return tmp_path / "out"


@pytest.fixture(scope="module")
def deployed(deployments_dir: Path, accounts: Any, chain: Any) -> dict[str, Any]:
    """Deployed by TEST::0 under the catalog's council (TEST::3..5, 2 of 3,
    48 h); a member's catalog apply proposes the issuers' onboarding, a
    second member approves, the delay passes, it is executed; then both
    issuers (TEST::2 lumen, TEST::1 northwind) apply their classes, and
    Northwind its pathway. Asks for ape's session fixtures so they exist
    before ape snapshots the module."""
    import os

    from credstack import deployments

    os.environ["CREDSTACK_DEPLOYMENTS_DIR"] = str(deployments_dir)
    runner = CliRunner()

    def run(command: click.Command, *args: str) -> None:
        result = runner.invoke(command, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output

    run(deploy_cli.cli, "--account", "TEST::0", "--catalog", str(CATALOG), "--yes")
    run(catalog_cli.cli, "apply", str(CATALOG), "--account", COUNCIL[0], "--yes")
    run(governance_cli.cli, "approve", "1", "--account", COUNCIL[1], "--yes")
    chain.pending_timestamp += DELAY
    run(governance_cli.cli, "execute", "1", "--account", COUNCIL[0], "--yes")
    # Lumen first: Northwind's pathway cross-credits Lumen's classes.
    for account in ("TEST::2", "TEST::1"):
        run(catalog_cli.cli, "apply", str(CATALOG), "--account", account, "--yes")
    deployment = deployments.read(int(chain.chain_id))
    assert deployment is not None
    return {"deployment": deployment, "classes": deployment.classes}


@pytest.fixture
def deployed_registry(deployed: dict[str, Any]) -> Any:
    from ape import project

    return project.CredentialRegistry.at(deployed["deployment"].registry)
