"""`ape run deploy`: deploys and records, idempotent, and recognises a
deployments file left over from a chain that was reset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from credstack import catalog as catalog_mod
from credstack import deployments
from credstack.cli import deploy as deploy_cli
from credstack.errors import DeploymentError
from tests.tooling.conftest import CATALOG


def summary(output: str) -> list[str]:
    """The lines from "credstack deployed ..." on (after the plan, if any)."""
    lines = output.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("credstack ")) :]


@pytest.fixture
def fresh_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CREDSTACK_DEPLOYMENTS_DIR", str(tmp_path / "deployments"))
    return tmp_path / "deployments"


def test_deploy__from_catalog__no_account_holds_any_role(
    invoke: Any, fresh_dir: Path, chain: Any, project: Any, accounts: Any
) -> None:
    result = invoke(deploy_cli.cli, "--account", "TEST::0", "--catalog", CATALOG, "--yes")
    assert result.exit_code == 0, result.output
    assert summary(result.output)[0].startswith("credstack deployed on chain ")
    assert "2 of 3" in result.output and "delay 2 d" in result.output
    record = json.loads((fresh_dir / f"{chain.chain_id}.json").read_text())
    listed = {line.split()[0]: line.split()[1] for line in summary(result.output)[1:8]}
    assert listed == {
        "registry": record["registry"],
        "pathways": record["pathways"],
        "membership": record["membership"],
        "employers": record["employers"],
        "renderer": record["renderer"],
        "council": record["council"],
        "timelock": record["timelock"],
    }
    assert project.PathwayRegistry.at(record["pathways"]).registry() == record["registry"]
    assert project.Membership.at(record["membership"]).registry() == record["registry"]
    employers = project.EmployerRegistry.at(record["employers"])
    assert (employers.registry(), employers.pathways()) == (record["registry"], record["pathways"])
    registry = project.CredentialRegistry.at(record["registry"])
    timelock = project.Timelock.at(record["timelock"])
    council = project.Council.at(record["council"])
    assert registry.renderer() == record["renderer"]
    assert "admin" not in record  # the timelock is the only admin
    assert council.timelock() == timelock.address
    governance = catalog_mod.load(CATALOG).governance
    assert governance is not None
    assert council.member_list() == list(governance.members)
    assert (council.threshold(), timelock.get_minimum_delay()) == (2, 48 * 3_600)
    assert registry.guardian() == governance.guardian
    roles = [registry.DEFAULT_ADMIN_ROLE(), registry.ISSUER_ROLE()]
    lock_roles = [timelock.DEFAULT_ADMIN_ROLE(), timelock.PROPOSER_ROLE(), timelock.EXECUTOR_ROLE()]
    for account in accounts:
        assert not any(registry.hasRole(r, account) for r in roles)
        assert not any(timelock.hasRole(r, account) for r in lock_roles)
    assert registry.hasRole(roles[0], timelock)
    assert record["block_hash"] == "0x" + bytes(chain.blocks[record["block_number"]].hash).hex()


def test_deploy__options_override_catalog(
    invoke: Any, fresh_dir: Path, chain: Any, project: Any, accounts: Any
) -> None:
    members = f"{accounts[7].address},{accounts[8].address}"
    result = invoke(
        deploy_cli.cli, "--account", "TEST::0", "--catalog", CATALOG,
        "--council", members, "--threshold", "1", "--delay", "90m", "--yes",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads((fresh_dir / f"{chain.chain_id}.json").read_text())
    council = project.Council.at(record["council"])
    assert council.member_list() == [accounts[7].address, accounts[8].address]
    assert council.threshold() == 1
    assert project.Timelock.at(record["timelock"]).get_minimum_delay() == 5_400
    assert record["guardian"] == catalog_mod.load(CATALOG).governance.guardian  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "who governs the registry?"),
        (("--council", "0x90F79bf6EB2c4f870365E785982E1f101E93b906"), "threshold = 0"),
        (
            ("--council", "0x90f79bf6eb2c4f870365e785982e1f101e93b906", "--threshold", "1"),
            "no EIP-55 checksum (all one case)",
        ),
        (("--catalog", CATALOG, "--threshold", "4"), "threshold = 4: 1 to 3"),
        (("--catalog", CATALOG, "--delay", "soon"), "--delay 'soon'"),
    ],
)
def test_deploy__bad_governance__refused_before_sending(
    invoke: Any, fresh_dir: Path, accounts: Any, args: tuple[str, ...], message: str
) -> None:
    nonce = accounts[0].nonce
    result = invoke(deploy_cli.cli, "--account", "TEST::0", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert accounts[0].nonce == nonce


def test_deploy__rerun__nothing_sent_nothing_asked(
    invoke: Any, fresh_dir: Path, accounts: Any
) -> None:
    deploy = (deploy_cli.cli, "--account", "TEST::0", "--catalog", CATALOG)
    assert invoke(*deploy, "--yes").exit_code == 0
    nonce = accounts[0].nonce
    result = invoke(*deploy)  # no --yes, and no question: nothing to send
    assert result.exit_code == 0
    assert "already deployed; nothing sent" in result.output.splitlines()[0]
    assert "?" not in result.output
    assert accounts[0].nonce == nonce


@pytest.mark.parametrize("answer", ["n\n", "\n"])
def test_deploy__not_confirmed__nothing_sent(
    fresh_dir: Path, accounts: Any, chain: Any, answer: str
) -> None:
    nonce = accounts[0].nonce
    result = CliRunner(mix_stderr=False).invoke(
        deploy_cli.cli, ["--account", "TEST::0", "--catalog", str(CATALOG)], input=answer
    )
    assert result.exit_code == 1
    assert f"no credstack deployment on chain {chain.chain_id}: 7 contracts to deploy" in (
        result.stdout
    )
    assert (
        "Deploy renderer, council, timelock, registry, pathway registry, membership contract "
        "and employer registry (7 transactions)" in result.stdout
    )
    assert result.stderr == "error: stopped at the confirmation; nothing was sent\n"
    assert accounts[0].nonce == nonce
    assert not (fresh_dir / f"{chain.chain_id}.json").exists()


def test_deploy__confirmed__deploys(invoke: Any, fresh_dir: Path, chain: Any) -> None:
    result = CliRunner().invoke(
        deploy_cli.cli, ["--account", "TEST::0", "--catalog", str(CATALOG)], input="y\n"
    )
    assert result.exit_code == 0, result.output
    assert "credstack deployed on chain " in result.output
    assert (fresh_dir / f"{chain.chain_id}.json").exists()


def test_deploy__stale_file__deploys_again(invoke: Any, fresh_dir: Path, chain: Any) -> None:
    deploy = (deploy_cli.cli, "--account", "TEST::0", "--catalog", CATALOG, "--yes")
    assert invoke(*deploy).exit_code == 0
    path = fresh_dir / f"{chain.chain_id}.json"
    record = json.loads(path.read_text())
    record["block_hash"] = "0x" + "ab" * 32  # a chain that has since been reset
    path.write_text(json.dumps(record))
    result = invoke(*deploy)
    assert f"{path} is from a chain that was reset" in result.output.splitlines()[0]
    assert summary(result.output)[0].startswith("credstack deployed on chain ")
    assert json.loads(path.read_text())["registry"] != record["registry"]


def test_stale_file__commands_refuse(invoke: Any, fresh_dir: Path, chain: Any) -> None:
    assert invoke(deploy_cli.cli, "--account", "TEST::0", "--catalog", CATALOG, "-y").exit_code == 0
    path = fresh_dir / f"{chain.chain_id}.json"
    record = json.loads(path.read_text())
    record["registry"] = "0x" + "12" * 20
    path.write_text(json.dumps(record))
    with pytest.raises(DeploymentError, match="points at a registry this chain does not have"):
        deployments.load_live(chain)


def test_unreadable_file__clear_error(fresh_dir: Path, chain: Any) -> None:
    fresh_dir.mkdir(parents=True)
    (fresh_dir / f"{chain.chain_id}.json").write_text("{not json")
    with pytest.raises(DeploymentError, match="unreadable deployments file"):
        deployments.read(int(chain.chain_id))
