"""Pause: a pauser (guardian) or the admin pauses at once; only the admin unpauses."""

from typing import Any

import ape
import pytest


@pytest.mark.parametrize("who", ["guardian", "governance"])
def test_pause__by_pauser_or_admin(registry: Any, who: str, request: pytest.FixtureRequest) -> None:
    sender = request.getfixturevalue(who)
    tx = registry.pause(sender=sender)
    [event] = registry.Paused.from_receipt(tx)
    assert event.account == sender.address
    assert registry.paused() is True


@pytest.mark.parametrize("who", ["issuer", "delegate", "learner", "stranger"])
def test_pause__others__revert(registry: Any, who: str, request: pytest.FixtureRequest) -> None:
    with ape.reverts("credential: not pauser"):
        registry.pause(sender=request.getfixturevalue(who))


def test_pause__twice__reverts(registry: Any, guardian: Any) -> None:
    registry.pause(sender=guardian)
    with ape.reverts("credential: paused"):
        registry.pause(sender=guardian)


def test_unpause__admin_only(registry: Any, governance: Any, guardian: Any) -> None:
    registry.pause(sender=guardian)
    with ape.reverts("credential: not admin"):
        registry.unpause(sender=guardian)
    tx = registry.unpause(sender=governance)
    [event] = registry.Unpaused.from_receipt(tx)
    assert event.account == governance.address
    assert registry.paused() is False


def test_unpause__not_paused__reverts(registry: Any, governance: Any) -> None:
    with ape.reverts("credential: not paused"):
        registry.unpause(sender=governance)


def test_pause__keeps_supply_counters(
    registry: Any, soulbound_token: int, governance: Any, guardian: Any
) -> None:
    # The pause flag shares a storage word with the supply counters.
    registry.pause(sender=guardian)
    assert (registry.totalSupply(), registry.total_issued()) == (1, 1)
    registry.unpause(sender=governance)
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


def test_pauser_role__admin_grants_and_removes(
    registry: Any, governance: Any, guardian: Any
) -> None:
    registry.revokeRole(registry.PAUSER_ROLE(), guardian, sender=governance)
    with ape.reverts("credential: not pauser"):
        registry.pause(sender=guardian)
