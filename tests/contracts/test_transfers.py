"""Soulbound classes never move; transferable ones move only while valid."""

from collections.abc import Callable
from typing import Any

import ape
import pytest

from tests.constants import ZERO_ADDRESS

SAFE_DATA = "safeTransferFrom(address,address,uint256,bytes)"
SAFE = "safeTransferFrom(address,address,uint256)"


def _transfer(registry: Any, path: str, sender: Any, frm: Any, to: Any, token_id: int) -> Any:
    # ape picks the overload by the number of arguments.
    if path == "transferFrom":
        return registry.transferFrom(frm, to, token_id, sender=sender)
    if path == SAFE:
        return registry.safeTransferFrom(frm, to, token_id, sender=sender)
    return registry.safeTransferFrom(frm, to, token_id, b"hello", sender=sender)


PATHS = ["transferFrom", SAFE, SAFE_DATA]


# SOULBOUND #


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("who", ["learner", "issuer", "stranger"])
def test_soulbound__every_path_reverts(
    registry: Any,
    soulbound_token: int,
    learner: Any,
    learner2: Any,
    path: str,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    sender = request.getfixturevalue(who)
    with ape.reverts("credential: soulbound"):
        _transfer(registry, path, sender, learner, learner2, soulbound_token)
    assert registry.ownerOf(soulbound_token) == learner.address


@pytest.mark.parametrize("path", PATHS)
def test_soulbound__operator_cannot_move(
    registry: Any, soulbound_token: int, learner: Any, learner2: Any, employer: Any, path: str
) -> None:
    registry.setApprovalForAll(employer, True, sender=learner)
    with ape.reverts("credential: soulbound"):
        _transfer(registry, path, employer, learner, learner2, soulbound_token)


def test_soulbound__approve_reverts(
    registry: Any, soulbound_token: int, learner: Any, employer: Any
) -> None:
    with ape.reverts("credential: soulbound"):
        registry.approve(employer, soulbound_token, sender=learner)


# TRANSFERABLE #


@pytest.mark.parametrize("path", PATHS)
def test_transferable__holder_transfers(
    registry: Any, transferable_token: int, learner: Any, learner2: Any, path: str
) -> None:
    tx = _transfer(registry, path, learner, learner, learner2, transferable_token)
    [event] = registry.Transfer.from_receipt(tx)
    assert (event.sender, event.receiver, event.token_id) == (
        learner.address,
        learner2.address,
        transferable_token,
    )
    assert registry.ownerOf(transferable_token) == learner2.address
    assert (registry.balanceOf(learner), registry.balanceOf(learner2)) == (0, 1)
    assert registry.credential(transferable_token).holder == learner2.address
    assert registry.is_valid(transferable_token) is True


def test_transferable__approved_transfers_and_approval_clears(
    registry: Any, transferable_token: int, learner: Any, learner2: Any, employer: Any
) -> None:
    tx = registry.approve(employer, transferable_token, sender=learner)
    [event] = registry.Approval.from_receipt(tx)
    assert (event.owner, event.approved, event.token_id) == (
        learner.address,
        employer.address,
        transferable_token,
    )
    assert registry.getApproved(transferable_token) == employer.address
    registry.transferFrom(learner, learner2, transferable_token, sender=employer)
    assert registry.ownerOf(transferable_token) == learner2.address
    assert registry.getApproved(transferable_token) == ZERO_ADDRESS
    with ape.reverts("credential: not approved"):
        registry.transferFrom(learner2, learner, transferable_token, sender=employer)


def test_transferable__operator_transfers_and_approves(
    registry: Any, transferable_token: int, learner: Any, learner2: Any, employer: Any
) -> None:
    tx = registry.setApprovalForAll(employer, True, sender=learner)
    [event] = registry.ApprovalForAll.from_receipt(tx)
    assert (event.owner, event.operator, bool(event.approved)) == (
        learner.address,
        employer.address,
        True,
    )
    assert registry.isApprovedForAll(learner, employer) is True
    registry.approve(learner2, transferable_token, sender=employer)
    assert registry.getApproved(transferable_token) == learner2.address
    registry.transferFrom(learner, employer, transferable_token, sender=employer)
    assert registry.ownerOf(transferable_token) == employer.address


def test_transferable__operator_revoked(
    registry: Any, transferable_token: int, learner: Any, learner2: Any, employer: Any
) -> None:
    registry.setApprovalForAll(employer, True, sender=learner)
    registry.setApprovalForAll(employer, False, sender=learner)
    assert registry.isApprovedForAll(learner, employer) is False
    with ape.reverts("credential: not approved"):
        registry.transferFrom(learner, learner2, transferable_token, sender=employer)


def test_set_approval_for_all__zero__reverts(registry: Any, learner: Any) -> None:
    with ape.reverts("credential: zero address"):
        registry.setApprovalForAll(ZERO_ADDRESS, True, sender=learner)


@pytest.mark.parametrize("path", PATHS)
def test_transferable__stranger__reverts(
    registry: Any, transferable_token: int, learner: Any, stranger: Any, path: str
) -> None:
    with ape.reverts("credential: not approved"):
        _transfer(registry, path, stranger, learner, stranger, transferable_token)


def test_approve__stranger__reverts(registry: Any, transferable_token: int, stranger: Any) -> None:
    with ape.reverts("credential: not approved"):
        registry.approve(stranger, transferable_token, sender=stranger)


def test_transferable__wrong_from__reverts(
    registry: Any, transferable_token: int, learner: Any, learner2: Any
) -> None:
    with ape.reverts("credential: from not holder"):
        registry.transferFrom(learner2, learner2, transferable_token, sender=learner)


def test_transferable__to_zero__reverts(
    registry: Any, transferable_token: int, learner: Any
) -> None:
    with ape.reverts("credential: zero address"):
        registry.transferFrom(learner, ZERO_ADDRESS, transferable_token, sender=learner)


def test_transferable__nonexistent__reverts(registry: Any, learner: Any, learner2: Any) -> None:
    with ape.reverts("credential: nonexistent token"):
        registry.transferFrom(learner, learner2, 5, sender=learner)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("state", ["revoked", "suspended", "expired", "burned"])
def test_transferable__not_valid__reverts(
    registry: Any,
    chain: Any,
    transferable_token: int,
    issuer: Any,
    learner: Any,
    learner2: Any,
    path: str,
    state: str,
) -> None:
    if state == "revoked":
        registry.revoke(transferable_token, "pass resold for cash", sender=issuer)
    elif state == "suspended":
        registry.suspend(transferable_token, sender=issuer)
    elif state == "burned":
        registry.burn(transferable_token, sender=learner)
    else:
        chain.mine(timestamp=registry.credential(transferable_token).expires_at)
    with ape.reverts(f"credential: {state}"):
        _transfer(registry, path, learner, learner, learner2, transferable_token)
    if state in ("suspended", "expired"):
        with ape.reverts(f"credential: {state}"):
            registry.approve(learner2, transferable_token, sender=learner)


def test_transferable__renewed_can_move_again(
    registry: Any, chain: Any, transferable_token: int, issuer: Any, learner: Any, learner2: Any
) -> None:
    expires_at = registry.credential(transferable_token).expires_at
    chain.mine(timestamp=expires_at)
    registry.renew(transferable_token, expires_at + 1_000_000, sender=issuer)
    registry.transferFrom(learner, learner2, transferable_token, sender=learner)
    assert registry.ownerOf(transferable_token) == learner2.address


# SAFE TRANSFERS TO CONTRACTS #


def test_safe_transfer__receiver_accepts(
    registry: Any, project: Any, transferable_token: int, learner: Any, deployer: Any
) -> None:
    receiver = project.ReceiverMock.deploy(True, sender=deployer)
    registry.safeTransferFrom(
        learner, receiver, transferable_token, b"mentor-slot-7", sender=learner
    )
    assert registry.ownerOf(transferable_token) == receiver.address
    assert receiver.last_operator() == learner.address
    assert receiver.last_from() == learner.address
    assert receiver.last_token_id() == transferable_token
    assert receiver.last_data() == b"mentor-slot-7"


def test_safe_transfer__receiver_rejects__reverts(
    registry: Any, project: Any, transferable_token: int, learner: Any, deployer: Any
) -> None:
    receiver = project.ReceiverMock.deploy(False, sender=deployer)
    with ape.reverts("credential: receiver rejected"):
        registry.safeTransferFrom(learner, receiver, transferable_token, sender=learner)
    assert registry.ownerOf(transferable_token) == learner.address


def test_safe_transfer__contract_without_hook__reverts(
    registry: Any, transferable_token: int, learner: Any
) -> None:
    # The renderer is a contract with no onERC721Received.
    with ape.reverts():
        registry.safeTransferFrom(learner, registry.renderer(), transferable_token, sender=learner)
    assert registry.ownerOf(transferable_token) == learner.address


def test_transfer_from__contract_without_hook__allowed(
    registry: Any, transferable_token: int, learner: Any
) -> None:
    registry.transferFrom(learner, registry.renderer(), transferable_token, sender=learner)
    assert registry.ownerOf(transferable_token) == registry.renderer()


def test_transfer__rejects_ether(
    registry: Any, transferable_token: int, learner: Any, learner2: Any
) -> None:
    # Non-payable on purpose: ether sent along would be stuck in the registry.
    with ape.reverts():
        registry.transferFrom(learner, learner2, transferable_token, sender=learner, value=1)
    assert registry.ownerOf(transferable_token) == learner.address


def test_balances__follow_transfers(
    registry: Any,
    transferable_class: int,
    issue: Callable[..., int],
    learner: Any,
    learner2: Any,
) -> None:
    ids = [issue(transferable_class, learner) for _ in range(3)]
    registry.transferFrom(learner, learner2, ids[0], sender=learner)
    registry.transferFrom(learner, learner2, ids[1], sender=learner)
    registry.transferFrom(learner2, learner, ids[0], sender=learner2)
    assert (registry.balanceOf(learner), registry.balanceOf(learner2)) == (2, 1)
    assert registry.totalSupply() == 3
