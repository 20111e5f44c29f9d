"""Pause: the guardian or the admin pauses at once; only the admin unpauses."""

from typing import Any

import ape
import pytest


@pytest.mark.parametrize("who", ["guardian", "admin"])
def test_pause__by_pauser_or_admin(registry: Any, who: str, request: pytest.FixtureRequest) -> None:
    sender = request.getfixturevalue(who)
    tx = registry.pause(sender=sender)
    [event] = registry.Paused.from_receipt(tx)
    assert event.account == sender.address
    assert registry.paused() is True


@pytest.mark.parametrize("who", ["issuer", "delegate", "learner", "stranger"])
def test_pause__others__revert(registry: Any, who: str, request: pytest.FixtureRequest) -> None:
    with ape.reverts("credential: not guardian"):
        registry.pause(sender=request.getfixturevalue(who))


def test_pause__twice__reverts(registry: Any, guardian: Any) -> None:
    registry.pause(sender=guardian)
    with ape.reverts("credential: paused"):
        registry.pause(sender=guardian)


def test_unpause__admin_only(registry: Any, admin: Any, guardian: Any) -> None:
    registry.pause(sender=guardian)
    with ape.reverts("credential: not admin"):
        registry.unpause(sender=guardian)
    tx = registry.unpause(sender=admin)
    [event] = registry.Unpaused.from_receipt(tx)
    assert event.account == admin.address
    assert registry.paused() is False


def test_unpause__not_paused__reverts(registry: Any, admin: Any) -> None:
    with ape.reverts("credential: not paused"):
        registry.unpause(sender=admin)


def test_pause__keeps_supply_counters(
    registry: Any, soulbound_token: int, admin: Any, guardian: Any
) -> None:
    # The pause flag shares a storage word with the supply counters.
    registry.pause(sender=guardian)
    assert (registry.totalSupply(), registry.total_issued()) == (1, 1)
    registry.unpause(sender=admin)
    assert (registry.totalSupply(), registry.total_issued()) == (1, 1)


def test_pause__lifecycle_and_transfers_go_on(
    registry: Any,
    soulbound_token: int,
    transferable_token: int,
    guardian: Any,
    issuer: Any,
    learner: Any,
    learner2: Any,
) -> None:
    registry.pause(sender=guardian)
    registry.suspend(soulbound_token, sender=issuer)
    registry.reinstate(soulbound_token, sender=issuer)
    registry.transferFrom(learner, learner2, transferable_token, sender=learner)
    registry.burn(transferable_token, sender=learner2)
    registry.revoke(soulbound_token, "key compromised at issue", sender=issuer)
    assert registry.totalSupply() == 0


def test_guardian__admin_replaces_it(
    registry: Any, admin: Any, guardian: Any, stranger: Any
) -> None:
    tx = registry.set_guardian(stranger, sender=admin)
    [event] = registry.GuardianChanged.from_receipt(tx)
    assert (event.previous, event.guardian) == (guardian.address, stranger.address)
    assert registry.guardian() == stranger.address
    with ape.reverts("credential: not guardian"):
        registry.pause(sender=guardian)
    registry.pause(sender=stranger)
    with ape.reverts("credential: not admin"):
        registry.set_guardian(guardian, sender=stranger)


def test_guardian__holds_no_role(registry: Any, guardian: Any) -> None:
    roles = (registry.DEFAULT_ADMIN_ROLE(), registry.ISSUER_ROLE())
    assert not any(registry.hasRole(role, guardian) for role in roles)
