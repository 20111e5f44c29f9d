"""Deployment, roles at birth, ERC-165."""

from typing import Any

import ape
import pytest

from credstack.deploy import deploy_registry
from credstack.registry import DEFAULT_NAME, DEFAULT_SYMBOL
from tests.constants import INTERFACE_IDS, ZERO_ADDRESS


def test_deploy__metadata_and_empty_state(registry: Any) -> None:
    assert registry.name() == DEFAULT_NAME
    assert registry.symbol() == DEFAULT_SYMBOL
    assert registry.totalSupply() == 0
    assert registry.total_issued() == 0
    assert registry.class_count() == 0
    assert registry.paused() is False


def test_deploy__admin_holds_admin_role_and_deployer_none(
    registry: Any, deployer: Any, admin: Any
) -> None:
    admin_role = registry.DEFAULT_ADMIN_ROLE()
    assert registry.hasRole(admin_role, admin)
    for role in (admin_role, registry.ISSUER_ROLE()):
        assert not registry.hasRole(role, deployer)


def test_deploy__deployer_as_admin_keeps_role(project: Any, deployer: Any) -> None:
    reg = deploy_registry(project, deployer)
    assert reg.hasRole(reg.DEFAULT_ADMIN_ROLE(), deployer)


def test_deploy__role_granted_events(project: Any, chain: Any, deployer: Any, admin: Any) -> None:
    reg = deploy_registry(project, deployer, admin=admin.address)
    receipt = chain.get_receipt(reg.txn_hash)
    granted = reg.RoleGranted.from_receipt(receipt)
    revoked = reg.RoleRevoked.from_receipt(receipt)
    assert [(e.account, e.sender) for e in granted] == [
        (deployer.address, deployer.address),
        (admin.address, deployer.address),
    ]
    assert [e.account for e in revoked] == [deployer.address]


def test_deploy__zero_admin__reverts(project: Any, deployer: Any) -> None:
    renderer = project.CredentialRenderer.deploy(sender=deployer)
    with ape.reverts("credential: zero address"):
        project.CredentialRegistry.deploy(
            "n", "s", ZERO_ADDRESS, renderer, ZERO_ADDRESS, sender=deployer
        )


def test_deploy__renderer_not_contract__reverts(project: Any, deployer: Any, stranger: Any) -> None:
    with ape.reverts("credential: renderer not a contract"):
        project.CredentialRegistry.deploy(
            "n", "s", deployer, stranger, ZERO_ADDRESS, sender=deployer
        )


def test_renderer__is_the_deployed_one(registry: Any, project: Any) -> None:
    renderer = project.CredentialRenderer.at(registry.renderer())
    assert renderer.render(1, 1, "A", "u", ZERO_ADDRESS, 1, 0, 0).startswith(
        "data:application/json;base64,"
    )


@pytest.mark.parametrize("name", sorted(INTERFACE_IDS))
def test_supports_interface__declared(registry: Any, name: str) -> None:
    assert registry.supportsInterface(INTERFACE_IDS[name]) is True


@pytest.mark.parametrize("interface_id", ["0xffffffff", "0x00000000", "0x780e9d63", "0x7965db0b"])
def test_supports_interface__others_false(registry: Any, interface_id: str) -> None:
    # 0x780e9d63 is ERC721Enumerable, which we do not implement; 0x7965db0b is
    # IAccessControl, which snekmate's module reports but ours leaves out.
    assert registry.supportsInterface(interface_id) is False
