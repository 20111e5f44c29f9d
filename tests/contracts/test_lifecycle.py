"""Revocation, suspension, reinstatement, renewal, burning and expiry."""

from collections.abc import Callable
from typing import Any

import ape
import pytest

from credstack import Status
from tests.conftest import credential_event
from tests.constants import DAY, MAX_EXPIRY, ZERO_ADDRESS

REASON = "plagiarism in the capstone project"


# REVOKE #


@pytest.mark.parametrize("who", ["issuer", "delegate"])
def test_revoke__removes_from_wallet_keeps_record(
    registry: Any,
    soulbound_class: int,
    soulbound_token: int,
    learner: Any,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    before = registry.credential(soulbound_token)
    tx = registry.revoke(soulbound_token, REASON, sender=request.getfixturevalue(who))

    revoked = credential_event(
        registry.CredentialRevoked, tx, soulbound_token, soulbound_class, learner
    )
    assert revoked.reason == REASON
    [transfer] = registry.Transfer.from_receipt(tx)
    assert (transfer.sender, transfer.receiver, transfer.token_id) == (
        learner.address,
        ZERO_ADDRESS,
        soulbound_token,
    )
    [update] = registry.MetadataUpdate.from_receipt(tx)
    assert update._tokenId == soulbound_token

    assert registry.balanceOf(learner) == 0
    assert registry.totalSupply() == 0
    assert registry.total_issued() == 1
    assert registry.is_valid(soulbound_token) is False
    assert registry.status_of(soulbound_token) == Status.REVOKED
    after = registry.credential(soulbound_token)
    assert (after.holder, after.class_id, after.score, after.expires_at) == (
        before.holder,
        before.class_id,
        before.score,
        before.expires_at,
    )
    assert after.status == Status.REVOKED
    with ape.reverts("credential: revoked"):
        registry.ownerOf(soulbound_token)
    with ape.reverts("credential: revoked"):
        registry.locked(soulbound_token)


def test_revoke__suspended_and_expired_can_be_revoked(
    registry: Any,
    chain: Any,
    soulbound_class: int,
    issue: Callable[..., int],
    issuer: Any,
    learner: Any,
) -> None:
    suspended = issue(soulbound_class, learner)
    expired = issue(soulbound_class, learner)
    registry.suspend(suspended, sender=issuer)
    chain.mine(timestamp=registry.credential(expired).expires_at + 1)
    registry.revoke(suspended, REASON, sender=issuer)
    registry.revoke(expired, REASON, sender=issuer)
    assert registry.status_of(suspended) == registry.status_of(expired) == Status.REVOKED
    assert registry.balanceOf(learner) == 0


def test_revoke__twice__reverts(registry: Any, soulbound_token: int, issuer: Any) -> None:
    registry.revoke(soulbound_token, REASON, sender=issuer)
    with ape.reverts("credential: revoked"):
        registry.revoke(soulbound_token, REASON, sender=issuer)


def test_revoke__not_revocable__reverts(
    registry: Any, permanent_class: int, issue: Callable[..., int], issuer: Any, learner: Any
) -> None:
    token_id = issue(permanent_class, learner)
    with ape.reverts("credential: not revocable"):
        registry.revoke(token_id, REASON, sender=issuer)


def test_revoke__empty_reason__reverts(registry: Any, soulbound_token: int, issuer: Any) -> None:
    with ape.reverts("credential: empty reason"):
        registry.revoke(soulbound_token, "", sender=issuer)


def test_revoke__nonexistent__reverts(registry: Any, issuer: Any) -> None:
    with ape.reverts("credential: nonexistent token"):
        registry.revoke(1, REASON, sender=issuer)


@pytest.mark.parametrize("who", ["issuer", "delegate"])
def test_revoke__burned__records_the_revocation(
    registry: Any,
    soulbound_class: int,
    issue: Callable[..., int],
    learner: Any,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    """Burning does not escape revocation: the record reads revoked, with
    the reason, and the token (already out of the wallet) is not counted
    out twice."""
    token, kept = issue(soulbound_class, learner), issue(soulbound_class, learner)
    registry.burn(token, sender=learner)
    before = registry.credential(token)
    tx = registry.revoke(token, REASON, sender=request.getfixturevalue(who))

    revoked = credential_event(registry.CredentialRevoked, tx, token, soulbound_class, learner)
    assert revoked.reason == REASON
    [update] = registry.MetadataUpdate.from_receipt(tx)
    assert update._tokenId == token
    # The burn already sent it to the zero address; no second Transfer.
    assert list(registry.Transfer.from_receipt(tx)) == []

    assert registry.status_of(token) == Status.REVOKED
    assert registry.is_valid(token) is False
    after = registry.credential(token)
    assert (after.holder, after.class_id, after.score, after.expires_at) == (
        before.holder,
        before.class_id,
        before.score,
        before.expires_at,
    )
    assert after.status == Status.REVOKED
    assert registry.balanceOf(learner) == 1
    assert registry.totalSupply() == 1
    assert registry.total_issued() == 2
    assert registry.ownerOf(kept) == learner.address
    with ape.reverts("credential: revoked"):
        registry.ownerOf(token)
    with ape.reverts("credential: revoked"):
        registry.revoke(token, REASON, sender=request.getfixturevalue(who))
    with ape.reverts("credential: revoked"):
        registry.burn(token, sender=learner)


def test_revoke__burned_not_revocable__reverts(
    registry: Any, permanent_class: int, issue: Callable[..., int], issuer: Any, learner: Any
) -> None:
    token_id = issue(permanent_class, learner)
    registry.burn(token_id, sender=learner)
    with ape.reverts("credential: not revocable"):
        registry.revoke(token_id, REASON, sender=issuer)
    assert registry.status_of(token_id) == Status.BURNED


def test_revoke__burned__empty_reason_or_not_class_issuer__reverts(
    registry: Any, soulbound_token: int, issuer: Any, other_issuer: Any, learner: Any
) -> None:
    registry.burn(soulbound_token, sender=learner)
    with ape.reverts("credential: empty reason"):
        registry.revoke(soulbound_token, "", sender=issuer)
    with ape.reverts("credential: not class issuer"):
        registry.revoke(soulbound_token, REASON, sender=other_issuer)


@pytest.mark.parametrize("who", ["other_issuer", "learner", "stranger", "admin"])
def test_revoke__not_class_issuer__reverts(
    registry: Any, soulbound_token: int, who: str, request: pytest.FixtureRequest
) -> None:
    with ape.reverts("credential: not class issuer"):
        registry.revoke(soulbound_token, REASON, sender=request.getfixturevalue(who))


def test_revoke__works_while_paused(
    registry: Any, soulbound_token: int, guardian: Any, issuer: Any
) -> None:
    registry.pause(sender=guardian)
    registry.revoke(soulbound_token, REASON, sender=issuer)
    assert registry.status_of(soulbound_token) == Status.REVOKED


# SUSPEND AND REINSTATE #


def test_suspend__keeps_token_not_valid(
    registry: Any, soulbound_class: int, soulbound_token: int, issuer: Any, learner: Any
) -> None:
    tx = registry.suspend(soulbound_token, sender=issuer)
    credential_event(registry.CredentialSuspended, tx, soulbound_token, soulbound_class, learner)
    assert [e._tokenId for e in registry.MetadataUpdate.from_receipt(tx)] == [soulbound_token]
    assert registry.ownerOf(soulbound_token) == learner.address
    assert registry.balanceOf(learner) == 1
    assert registry.is_valid(soulbound_token) is False
    assert registry.status_of(soulbound_token) == Status.SUSPENDED


def test_reinstate__restores(
    registry: Any, soulbound_class: int, soulbound_token: int, delegate: Any, learner: Any
) -> None:
    registry.suspend(soulbound_token, sender=delegate)
    tx = registry.reinstate(soulbound_token, sender=delegate)
    credential_event(registry.CredentialReinstated, tx, soulbound_token, soulbound_class, learner)
    assert [e._tokenId for e in registry.MetadataUpdate.from_receipt(tx)] == [soulbound_token]
    assert registry.is_valid(soulbound_token) is True
    assert registry.status_of(soulbound_token) == Status.ACTIVE


def test_suspend__twice__reverts(registry: Any, soulbound_token: int, issuer: Any) -> None:
    registry.suspend(soulbound_token, sender=issuer)
    with ape.reverts("credential: already suspended"):
        registry.suspend(soulbound_token, sender=issuer)


def test_suspend__not_revocable__reverts(
    registry: Any, permanent_class: int, issue: Callable[..., int], issuer: Any, learner: Any
) -> None:
    token_id = issue(permanent_class, learner)
    with ape.reverts("credential: not revocable"):
        registry.suspend(token_id, sender=issuer)


def test_suspend__revoked__reverts(registry: Any, soulbound_token: int, issuer: Any) -> None:
    registry.revoke(soulbound_token, REASON, sender=issuer)
    with ape.reverts("credential: revoked"):
        registry.suspend(soulbound_token, sender=issuer)


def test_reinstate__not_suspended__reverts(
    registry: Any, soulbound_token: int, issuer: Any
) -> None:
    with ape.reverts("credential: not suspended"):
        registry.reinstate(soulbound_token, sender=issuer)


def test_reinstate__revoked__reverts(registry: Any, soulbound_token: int, issuer: Any) -> None:
    registry.revoke(soulbound_token, REASON, sender=issuer)
    with ape.reverts("credential: revoked"):
        registry.reinstate(soulbound_token, sender=issuer)


def test_suspend_reinstate__nonexistent__reverts(registry: Any, issuer: Any) -> None:
    for call in (registry.suspend, registry.reinstate):
        with ape.reverts("credential: nonexistent token"):
            call(42, sender=issuer)


# EXPIRY #


def test_expiry__boundaries(registry: Any, chain: Any, soulbound_token: int) -> None:
    expires_at = registry.credential(soulbound_token).expires_at
    chain.mine(timestamp=expires_at - 1)
    assert registry.is_valid(soulbound_token) is True
    assert registry.status_of(soulbound_token) == Status.ACTIVE
    chain.mine(timestamp=expires_at)
    assert registry.is_valid(soulbound_token) is False
    assert registry.status_of(soulbound_token) == Status.EXPIRED
    chain.mine(timestamp=expires_at + 1)
    assert registry.is_valid(soulbound_token) is False
    assert registry.status_of(soulbound_token) == Status.EXPIRED
    assert registry.credential(soulbound_token).status == Status.EXPIRED


def test_expiry__keeps_token_in_wallet(
    registry: Any, chain: Any, soulbound_token: int, learner: Any
) -> None:
    chain.mine(timestamp=registry.credential(soulbound_token).expires_at)
    assert registry.ownerOf(soulbound_token) == learner.address
    assert registry.balanceOf(learner) == 1
    assert registry.totalSupply() == 1
    assert registry.locked(soulbound_token) is True


def test_expiry__suspension_reported_first(
    registry: Any, chain: Any, soulbound_token: int, issuer: Any
) -> None:
    registry.suspend(soulbound_token, sender=issuer)
    chain.mine(timestamp=registry.credential(soulbound_token).expires_at + DAY)
    assert registry.status_of(soulbound_token) == Status.SUSPENDED
    registry.reinstate(soulbound_token, sender=issuer)
    assert registry.status_of(soulbound_token) == Status.EXPIRED


def test_expiry__never_for_validity_zero(
    registry: Any, chain: Any, permanent_class: int, issue: Callable[..., int], learner: Any
) -> None:
    token_id = issue(permanent_class, learner)
    chain.mine(timestamp=chain.pending_timestamp + 200 * 365 * DAY)
    assert registry.is_valid(token_id) is True


# RENEW #


@pytest.mark.parametrize("who", ["issuer", "delegate"])
def test_renew__expired_becomes_valid(
    registry: Any,
    chain: Any,
    soulbound_class: int,
    soulbound_token: int,
    learner: Any,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    old = registry.credential(soulbound_token).expires_at
    chain.mine(timestamp=old + 10)
    new = old + 365 * DAY
    tx = registry.renew(soulbound_token, new, sender=request.getfixturevalue(who))
    event = credential_event(
        registry.CredentialRenewed, tx, soulbound_token, soulbound_class, learner
    )
    assert event.expires_at == new
    assert [e._tokenId for e in registry.MetadataUpdate.from_receipt(tx)] == [soulbound_token]
    record = registry.credential(soulbound_token)
    assert (record.expires_at, record.status, record.score) == (new, Status.ACTIVE, 8_500)
    assert registry.is_valid(soulbound_token) is True


def test_renew__suspended_stays_suspended(
    registry: Any, soulbound_token: int, issuer: Any, chain: Any
) -> None:
    registry.suspend(soulbound_token, sender=issuer)
    registry.renew(soulbound_token, chain.pending_timestamp + 1000 * DAY, sender=issuer)
    assert registry.status_of(soulbound_token) == Status.SUSPENDED


def test_renew__never_expiring_gets_an_expiry(
    registry: Any,
    chain: Any,
    permanent_class: int,
    issue: Callable[..., int],
    issuer: Any,
    learner: Any,
) -> None:
    token_id = issue(permanent_class, learner)
    new = chain.pending_timestamp + 30 * DAY
    registry.renew(token_id, new, sender=issuer)
    assert registry.credential(token_id).expires_at == new


def test_renew__not_in_future__reverts(
    registry: Any, chain: Any, soulbound_token: int, issuer: Any
) -> None:
    chain.mine(timestamp=chain.pending_timestamp + 10)
    now = chain.blocks.head.timestamp
    # The renewal's block is at least one second later than `now`.
    with ape.reverts("credential: expiry not in future"):
        registry.renew(soulbound_token, now, sender=issuer)
    with ape.reverts("credential: expiry not in future"):
        registry.renew(soulbound_token, 0, sender=issuer)


def test_renew__too_large__reverts(registry: Any, soulbound_token: int, issuer: Any) -> None:
    registry.renew(soulbound_token, MAX_EXPIRY, sender=issuer)
    with ape.reverts("credential: expiry too large"):
        registry.renew(soulbound_token, MAX_EXPIRY + 1, sender=issuer)


def test_renew__inactive_class__reverts(
    registry: Any, chain: Any, soulbound_class: int, soulbound_token: int, issuer: Any
) -> None:
    registry.set_class_active(soulbound_class, False, sender=issuer)
    with ape.reverts("credential: class inactive"):
        registry.renew(soulbound_token, chain.pending_timestamp + DAY, sender=issuer)


def test_renew__paused__reverts(
    registry: Any, chain: Any, soulbound_token: int, guardian: Any, issuer: Any
) -> None:
    registry.pause(sender=guardian)
    with ape.reverts("credential: paused"):
        registry.renew(soulbound_token, chain.pending_timestamp + DAY, sender=issuer)


@pytest.mark.parametrize(("action", "message"), [("revoke", "revoked"), ("burn", "burned")])
def test_renew__removed__reverts(
    registry: Any,
    chain: Any,
    soulbound_token: int,
    issuer: Any,
    learner: Any,
    action: str,
    message: str,
) -> None:
    if action == "revoke":
        registry.revoke(soulbound_token, REASON, sender=issuer)
    else:
        registry.burn(soulbound_token, sender=learner)
    with ape.reverts(f"credential: {message}"):
        registry.renew(soulbound_token, chain.pending_timestamp + DAY, sender=issuer)


# BURN #


def test_burn__by_holder(
    registry: Any, soulbound_class: int, soulbound_token: int, learner: Any
) -> None:
    tx = registry.burn(soulbound_token, sender=learner)
    credential_event(registry.CredentialBurned, tx, soulbound_token, soulbound_class, learner)
    [transfer] = registry.Transfer.from_receipt(tx)
    assert (transfer.sender, transfer.receiver) == (learner.address, ZERO_ADDRESS)
    assert registry.balanceOf(learner) == 0
    assert registry.totalSupply() == 0
    assert registry.status_of(soulbound_token) == Status.BURNED
    assert registry.credential(soulbound_token).holder == learner.address
    with ape.reverts("credential: burned"):
        registry.ownerOf(soulbound_token)


def test_burn__expired_allowed(
    registry: Any, chain: Any, soulbound_token: int, learner: Any
) -> None:
    chain.mine(timestamp=registry.credential(soulbound_token).expires_at)
    registry.burn(soulbound_token, sender=learner)
    assert registry.status_of(soulbound_token) == Status.BURNED
    assert registry.balanceOf(learner) == 0


def test_burn__suspended__reverts(
    registry: Any, soulbound_token: int, issuer: Any, learner: Any
) -> None:
    """A suspension is the issuer's open question; burning would close it
    as "burned" and keep a revocation from ever being recorded."""
    registry.suspend(soulbound_token, sender=issuer)
    with ape.reverts("credential: suspended"):
        registry.burn(soulbound_token, sender=learner)
    registry.reinstate(soulbound_token, sender=issuer)
    registry.burn(soulbound_token, sender=learner)
    assert registry.status_of(soulbound_token) == Status.BURNED


@pytest.mark.parametrize("who", ["issuer", "delegate", "stranger", "admin"])
def test_burn__not_holder__reverts(
    registry: Any, soulbound_token: int, who: str, request: pytest.FixtureRequest
) -> None:
    with ape.reverts("credential: not holder"):
        registry.burn(soulbound_token, sender=request.getfixturevalue(who))


def test_burn__twice__reverts(registry: Any, soulbound_token: int, learner: Any) -> None:
    registry.burn(soulbound_token, sender=learner)
    with ape.reverts("credential: burned"):
        registry.burn(soulbound_token, sender=learner)


def test_burn__revoked__reverts(
    registry: Any, soulbound_token: int, issuer: Any, learner: Any
) -> None:
    registry.revoke(soulbound_token, REASON, sender=issuer)
    with ape.reverts("credential: revoked"):
        registry.burn(soulbound_token, sender=learner)


def test_burn__nonexistent__reverts(registry: Any, learner: Any) -> None:
    with ape.reverts("credential: nonexistent token"):
        registry.burn(9, sender=learner)


# READS ON UNKNOWN IDS #


def test_reads__never_issued(registry: Any) -> None:
    assert registry.status_of(77) == Status.NONE
    assert registry.is_valid(77) is False
    record = registry.credential(77)
    assert (record.holder, record.class_id, record.score, record.expires_at, record.status) == (
        ZERO_ADDRESS,
        0,
        0,
        0,
        0,
    )
    for view in (registry.ownerOf, registry.locked, registry.getApproved, registry.tokenURI):
        with ape.reverts("credential: nonexistent token"):
            view(77)


def test_balance_of__zero_address__reverts(registry: Any) -> None:
    with ape.reverts("credential: zero address"):
        registry.balanceOf(ZERO_ADDRESS)
