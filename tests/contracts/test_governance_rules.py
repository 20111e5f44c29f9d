"""The registry's governance powers, with an account standing in for the
timelock: forced revocation, closed-pilot rules (allowlist, last issuance
date) and key recovery by a class's issuer. The council and timelock that
hold these powers in a deployment are tested in test_council.py."""

from collections.abc import Callable
from typing import Any

import ape
import pytest

from credstack import Status
from tests.constants import DAY, EVIDENCE, ZERO_ADDRESS

REVOKED, EXPIRED = 3, 4


# Forced revocation


@pytest.mark.parametrize("kind", ["soulbound_class", "permanent_class", "transferable_class"])
def test_force_revoke__any_class_even_not_revocable(
    registry: Any,
    admin: Any,
    learner: Any,
    issue: Callable[..., int],
    kind: str,
    request: pytest.FixtureRequest,
) -> None:
    token = issue(request.getfixturevalue(kind), learner)
    tx = registry.force_revoke(token, "fraud: evidence copied", sender=admin)
    [event] = registry.CredentialRevoked.from_receipt(tx)
    assert (event.token_id, event.holder, event.reason) == (
        token,
        learner.address,
        "fraud: evidence copied",
    )
    assert registry.status_of(token) == REVOKED
    assert registry.balanceOf(learner) == 0


def test_force_revoke__issuer_removed_still_works(
    registry: Any, admin: Any, issuer: Any, soulbound_token: int
) -> None:
    registry.revokeRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    registry.force_revoke(soulbound_token, "fraud", sender=admin)
    assert registry.status_of(soulbound_token) == REVOKED


def test_force_revoke__empty_reason__reverts(
    registry: Any, admin: Any, soulbound_token: int
) -> None:
    with ape.reverts("credential: empty reason"):
        registry.force_revoke(soulbound_token, "", sender=admin)


def test_force_revoke__twice_or_unknown__reverts(
    registry: Any, admin: Any, soulbound_token: int
) -> None:
    registry.force_revoke(soulbound_token, "fraud", sender=admin)
    with ape.reverts("credential: revoked"):
        registry.force_revoke(soulbound_token, "fraud", sender=admin)
    with ape.reverts("credential: nonexistent token"):
        registry.force_revoke(999, "fraud", sender=admin)


@pytest.mark.parametrize("kind", ["soulbound_class", "permanent_class"])
def test_force_revoke__burned__records_the_revocation(
    registry: Any,
    admin: Any,
    learner: Any,
    issue: Callable[..., int],
    kind: str,
    request: pytest.FixtureRequest,
) -> None:
    """Governance records a fraud revocation over a burned record, of any
    class; the token is not counted out of the wallet twice."""
    class_id = request.getfixturevalue(kind)
    token, kept = issue(class_id, learner), issue(class_id, learner)
    registry.burn(token, sender=learner)
    tx = registry.force_revoke(token, "fraud: evidence copied", sender=admin)
    [event] = registry.CredentialRevoked.from_receipt(tx)
    assert (event.token_id, event.class_id, event.holder, event.reason) == (
        token,
        class_id,
        learner.address,
        "fraud: evidence copied",
    )
    [update] = registry.MetadataUpdate.from_receipt(tx)
    assert update._tokenId == token
    assert list(registry.Transfer.from_receipt(tx)) == []
    assert registry.status_of(token) == REVOKED
    assert (registry.balanceOf(learner), registry.totalSupply()) == (1, 1)
    assert registry.ownerOf(kept) == learner.address
    with ape.reverts("credential: revoked"):
        registry.force_revoke(token, "fraud", sender=admin)


def test_force_revoke__class_issuer__reverts(
    registry: Any, issuer: Any, permanent_class: int, issue: Callable[..., int], learner: Any
) -> None:
    token = issue(permanent_class, learner)
    with ape.reverts("credential: not admin"):
        registry.force_revoke(token, "fraud", sender=issuer)
    with ape.reverts("credential: not revocable"):
        registry.revoke(token, "fraud", sender=issuer)


# Closed pilot: last issuance date


def test_issue_until__issuing_stops_after_the_date(
    registry: Any, chain: Any, admin: Any, issuer: Any, learner: Any, soulbound_class: int
) -> None:
    until = chain.pending_timestamp + 10 * DAY
    tx = registry.set_class_rules(soulbound_class, False, until, sender=admin)
    [event] = registry.ClassRulesChanged.from_receipt(tx)
    assert (event.class_id, event.restricted, event.issue_until) == (soulbound_class, False, until)
    assert tuple(registry.class_rules(soulbound_class)) == (False, until)
    chain.pending_timestamp = until  # the last second still issues
    registry.issue(soulbound_class, learner, 9_000, EVIDENCE, sender=issuer)
    chain.pending_timestamp = until + 1
    with ape.reverts("credential: issuance closed"):
        registry.issue(soulbound_class, learner, 9_000, EVIDENCE, sender=issuer)
    with ape.reverts("credential: issuance closed"):
        registry.issue_batch(soulbound_class, [learner], [9_000], [EVIDENCE], sender=issuer)


def test_issue_until__existing_credentials_stay_and_renew(
    registry: Any,
    chain: Any,
    admin: Any,
    issuer: Any,
    soulbound_token: int,
    soulbound_class: int,
) -> None:
    until = chain.pending_timestamp + DAY
    registry.set_class_rules(soulbound_class, False, until, sender=admin)
    chain.pending_timestamp = until + 400 * DAY
    chain.mine()
    assert registry.status_of(soulbound_token) == EXPIRED
    registry.renew(soulbound_token, until + 800 * DAY, sender=issuer)
    assert registry.is_valid(soulbound_token)


def test_issue_until__zero_reopens(
    registry: Any, chain: Any, admin: Any, issuer: Any, learner: Any, soulbound_class: int
) -> None:
    registry.set_class_rules(soulbound_class, False, chain.pending_timestamp - 1, sender=admin)
    with ape.reverts("credential: issuance closed"):
        registry.issue(soulbound_class, learner, 9_000, EVIDENCE, sender=issuer)
    registry.set_class_rules(soulbound_class, False, 0, sender=admin)
    registry.issue(soulbound_class, learner, 9_000, EVIDENCE, sender=issuer)


def test_class_rules__bad_input__reverts(registry: Any, admin: Any, soulbound_class: int) -> None:
    with ape.reverts("credential: date too large"):
        registry.set_class_rules(soulbound_class, False, 2**36, sender=admin)
    with ape.reverts("credential: unknown class"):
        registry.set_class_rules(999, True, 0, sender=admin)
    with ape.reverts("credential: unknown class"):
        registry.set_allowlist(999, [admin], True, sender=admin)
    with ape.reverts("credential: zero address"):
        registry.set_allowlist(soulbound_class, [ZERO_ADDRESS], True, sender=admin)


def test_class_rules__keep_the_class_record(
    registry: Any, chain: Any, admin: Any, soulbound_class: int
) -> None:
    before = tuple(registry.class_info(soulbound_class))
    registry.set_class_rules(soulbound_class, True, 2**36 - 1, sender=admin)
    assert tuple(registry.class_info(soulbound_class)) == before
    assert tuple(registry.class_rules(soulbound_class)) == (True, 2**36 - 1)
    registry.set_class_rules(soulbound_class, False, 0, sender=admin)
    assert tuple(registry.class_info(soulbound_class)) == before
    assert tuple(registry.class_rules(soulbound_class)) == (False, 0)


# Closed pilot: allowlist


def test_allowlist__restricted_class_issues_only_to_listed(
    registry: Any,
    admin: Any,
    issuer: Any,
    learner: Any,
    learner2: Any,
    soulbound_class: int,
) -> None:
    registry.set_class_rules(soulbound_class, True, 0, sender=admin)
    tx = registry.set_allowlist(soulbound_class, [learner], True, sender=admin)
    [event] = registry.AllowlistChanged.from_receipt(tx)
    assert (event.class_id, event.account, event.allowed) == (
        soulbound_class,
        learner.address,
        True,
    )
    assert registry.allowlist(soulbound_class, learner) is True
    registry.issue(soulbound_class, learner, 9_000, EVIDENCE, sender=issuer)
    with ape.reverts("credential: receiver not allowlisted"):
        registry.issue(soulbound_class, learner2, 9_000, EVIDENCE, sender=issuer)
    with ape.reverts("credential: receiver not allowlisted"):
        registry.issue_batch(
            soulbound_class, [learner, learner2], [9_000] * 2, [EVIDENCE] * 2, sender=issuer
        )
    registry.set_allowlist(soulbound_class, [learner], False, sender=admin)
    with ape.reverts("credential: receiver not allowlisted"):
        registry.issue(soulbound_class, learner, 9_000, EVIDENCE, sender=issuer)


def test_allowlist__unrestricted_class_ignores_it(
    registry: Any, admin: Any, issuer: Any, learner2: Any, soulbound_class: int
) -> None:
    registry.set_allowlist(soulbound_class, [admin], True, sender=admin)
    registry.issue(soulbound_class, learner2, 9_000, EVIDENCE, sender=issuer)


def test_allowlist__limits_transfer_destinations(
    registry: Any,
    admin: Any,
    learner: Any,
    learner2: Any,
    employer: Any,
    transferable_class: int,
    transferable_token: int,
) -> None:
    registry.set_class_rules(transferable_class, True, 0, sender=admin)
    registry.set_allowlist(transferable_class, [learner2], True, sender=admin)
    with ape.reverts("credential: receiver not allowlisted"):
        registry.transferFrom(learner, employer, transferable_token, sender=learner)
    with ape.reverts("credential: receiver not allowlisted"):
        registry.safeTransferFrom(learner, employer, transferable_token, sender=learner)
    registry.transferFrom(learner, learner2, transferable_token, sender=learner)
    assert registry.ownerOf(transferable_token) == learner2.address


def test_allowlist__chunk_bound(registry: Any, admin: Any, soulbound_class: int) -> None:
    chunk = registry.ALLOWLIST_CHUNK()
    accounts = [f"0x{i:040x}" for i in range(1, chunk + 2)]
    registry.set_allowlist(soulbound_class, accounts[:chunk], True, sender=admin)
    assert registry.allowlist(soulbound_class, accounts[chunk - 1]) is True
    with pytest.raises(Exception):  # noqa: B017 - ABI encoding refuses the 28th entry
        registry.set_allowlist(soulbound_class, accounts, True, sender=admin)


# Key recovery


def test_recover__moves_a_soulbound_credential(
    registry: Any,
    issuer: Any,
    learner: Any,
    stranger: Any,
    soulbound_class: int,
    soulbound_token: int,
) -> None:
    record = tuple(registry.credential(soulbound_token))
    tx = registry.recover(soulbound_token, stranger, [], sender=issuer)
    [event] = registry.CredentialRecovered.from_receipt(tx)
    assert (event.token_id, event.old_holder, event.new_holder, event.class_id) == (
        soulbound_token,
        learner.address,
        stranger.address,
        soulbound_class,
    )
    [transfer] = registry.Transfer.from_receipt(tx)
    assert (transfer.sender, transfer.receiver) == (learner.address, stranger.address)
    assert registry.ownerOf(soulbound_token) == stranger.address
    assert (registry.balanceOf(learner), registry.balanceOf(stranger)) == (0, 1)
    assert registry.locked(soulbound_token) is True
    assert tuple(registry.credential(soulbound_token))[1:] == record[1:]
    with ape.reverts("credential: soulbound"):
        registry.transferFrom(stranger, learner, soulbound_token, sender=stranger)


def test_recover__by_delegate_keeps_suspension_and_clears_approval(
    registry: Any,
    issuer: Any,
    delegate: Any,
    learner: Any,
    stranger: Any,
    employer: Any,
    transferable_token: int,
) -> None:
    registry.approve(employer, transferable_token, sender=learner)
    registry.suspend(transferable_token, sender=issuer)
    registry.recover(transferable_token, stranger, [], sender=delegate)
    assert registry.status_of(transferable_token) == Status.SUSPENDED
    assert registry.getApproved(transferable_token) == ZERO_ADDRESS


def test_recover__expired_credential_moves(
    registry: Any, chain: Any, issuer: Any, stranger: Any, soulbound_token: int
) -> None:
    chain.pending_timestamp += 400 * DAY
    registry.recover(soulbound_token, stranger, [], sender=issuer)
    assert registry.status_of(soulbound_token) == EXPIRED
    assert registry.ownerOf(soulbound_token) == stranger.address


def test_recover__new_wallet_holding_the_class__reverts(
    registry: Any,
    chain: Any,
    issuer: Any,
    learner2: Any,
    soulbound_class: int,
    soulbound_token: int,
    issue: Callable[..., int],
) -> None:
    other = issue(soulbound_class, learner2)
    with ape.reverts("credential: holder has class"):
        registry.recover(soulbound_token, learner2, [other], sender=issuer)
    # Expired or suspended, it is still held: still refused.
    registry.suspend(other, sender=issuer)
    chain.pending_timestamp += 400 * DAY
    with ape.reverts("credential: holder has class"):
        registry.recover(soulbound_token, learner2, [other], sender=issuer)


def test_recover__new_wallet_holding_other_classes_is_fine(
    registry: Any,
    issuer: Any,
    learner2: Any,
    soulbound_token: int,
    transferable_class: int,
    permanent_class: int,
    issue: Callable[..., int],
) -> None:
    held = sorted([issue(transferable_class, learner2), issue(permanent_class, learner2)])
    registry.recover(soulbound_token, learner2, held, sender=issuer)
    assert registry.balanceOf(learner2) == 3


def test_recover__revoked_or_burned_class_token_does_not_block(
    registry: Any,
    admin: Any,
    issuer: Any,
    learner2: Any,
    soulbound_class: int,
    soulbound_token: int,
    issue: Callable[..., int],
) -> None:
    old = issue(soulbound_class, learner2)
    registry.revoke(old, "reissued", sender=issuer)
    registry.recover(soulbound_token, learner2, [], sender=issuer)
    assert registry.ownerOf(soulbound_token) == learner2.address


def test_recover__token_list_must_prove_the_wallet(
    registry: Any,
    issuer: Any,
    learner: Any,
    learner2: Any,
    soulbound_token: int,
    transferable_class: int,
    permanent_class: int,
    issue: Callable[..., int],
) -> None:
    a, b = issue(transferable_class, learner2), issue(permanent_class, learner2)
    mine = issue(permanent_class, learner)
    with ape.reverts("credential: token list incomplete"):
        registry.recover(soulbound_token, learner2, [a], sender=issuer)
    with ape.reverts("credential: token list not increasing"):
        registry.recover(soulbound_token, learner2, [b, a], sender=issuer)
    with ape.reverts("credential: token list not increasing"):
        registry.recover(soulbound_token, learner2, [a, a], sender=issuer)
    with ape.reverts("credential: token not held"):
        registry.recover(soulbound_token, learner2, [a, mine], sender=issuer)


def test_recover__refusals(
    registry: Any,
    admin: Any,
    guardian: Any,
    issuer: Any,
    other_issuer: Any,
    learner: Any,
    stranger: Any,
    soulbound_class: int,
    soulbound_token: int,
) -> None:
    with ape.reverts("credential: zero address"):
        registry.recover(soulbound_token, ZERO_ADDRESS, [], sender=issuer)
    with ape.reverts("credential: same holder"):
        registry.recover(soulbound_token, learner, [1], sender=issuer)
    with ape.reverts("credential: not class issuer"):
        registry.recover(soulbound_token, stranger, [], sender=other_issuer)
    with ape.reverts("credential: not class issuer"):
        registry.recover(soulbound_token, stranger, [], sender=learner)
    with ape.reverts("credential: nonexistent token"):
        registry.recover(999, stranger, [], sender=issuer)
    registry.set_class_rules(soulbound_class, True, 0, sender=admin)
    with ape.reverts("credential: receiver not allowlisted"):
        registry.recover(soulbound_token, stranger, [], sender=issuer)
    registry.set_class_rules(soulbound_class, False, 0, sender=admin)
    registry.pause(sender=guardian)
    with ape.reverts("credential: paused"):
        registry.recover(soulbound_token, stranger, [], sender=issuer)


def test_recover__revoked_token__reverts(
    registry: Any, issuer: Any, stranger: Any, soulbound_token: int
) -> None:
    registry.revoke(soulbound_token, "fraud", sender=issuer)
    with ape.reverts("credential: revoked"):
        registry.recover(soulbound_token, stranger, [], sender=issuer)
