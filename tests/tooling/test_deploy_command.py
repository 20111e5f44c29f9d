"""`ape run deploy`: deploys and records, idempotent, and recognises a
deployments file left over from a chain that was reset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from credstack import deployments
from credstack.cli import deploy as deploy_cli
from credstack.errors import DeploymentError


@pytest.fixture
def fresh_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CREDSTACK_DEPLOYMENTS_DIR", str(tmp_path / "deployments"))
    return tmp_path / "deployments"


def test_deploy__records_and_admin(invoke: Any, fresh_dir: Path, chain: Any, project: Any) -> None:
    admin = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
    result = invoke(deploy_cli.cli, "--account", "TEST::0", "--admin", admin)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("credstack deployed on chain ")
    record = json.loads((fresh_dir / f"{chain.chain_id}.json").read_text())
    deployed_registry = project.CredentialRegistry.at(record["registry"])
    assert deployed_registry.renderer() == record["renderer"]
    assert record["admin"] == admin
    assert deployed_registry.hasRole(b"\x00" * 32, admin)
    assert not deployed_registry.hasRole(b"\x00" * 32, record["deployer"])
    assert record["block_hash"] == "0x" + bytes(chain.blocks[record["block_number"]].hash).hex()


def test_deploy__rerun__nothing_sent(invoke: Any, fresh_dir: Path, accounts: Any) -> None:
    assert invoke(deploy_cli.cli, "--account", "TEST::0").exit_code == 0
    nonce = accounts[0].nonce
    result = invoke(deploy_cli.cli, "--account", "TEST::0")
    assert result.exit_code == 0
    assert "already deployed; nothing sent" in result.output.splitlines()[0]
    assert accounts[0].nonce == nonce


def test_deploy__stale_file__deploys_again(invoke: Any, fresh_dir: Path, chain: Any) -> None:
    assert invoke(deploy_cli.cli, "--account", "TEST::0").exit_code == 0
    path = fresh_dir / f"{chain.chain_id}.json"
    record = json.loads(path.read_text())
    record["block_hash"] = "0x" + "ab" * 32  # a chain that has since been reset
    path.write_text(json.dumps(record))
    result = invoke(deploy_cli.cli, "--account", "TEST::0")
    assert result.output.splitlines()[0].startswith("credstack deployed on chain ")
    assert json.loads(path.read_text())["registry"] != record["registry"]


def test_stale_file__commands_refuse(invoke: Any, fresh_dir: Path, chain: Any) -> None:
    assert invoke(deploy_cli.cli, "--account", "TEST::0").exit_code == 0
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
