"""Issuance: single and batch, events, and every rejection."""

from collections.abc import Callable
from typing import Any

import ape
import pytest

from credstack import Status
from credstack.registry import issued_token_ids
from tests.constants import DAY, EVIDENCE, MAX_SCORE, ZERO_ADDRESS


def test_issue__soulbound__state_and_events(
    registry: Any, chain: Any, soulbound_class: int, issuer: Any, learner: Any
) -> None:
    assert registry.issue.call(soulbound_class, learner, 8_500, EVIDENCE, sender=issuer) == 1
    tx = registry.issue(soulbound_class, learner, 8_500, EVIDENCE, sender=issuer)
    expires_at = chain.blocks[tx.block_number].timestamp + 365 * DAY

    [transfer] = registry.Transfer.from_receipt(tx)
    assert (transfer.sender, transfer.receiver, transfer.token_id) == (
        ZERO_ADDRESS,
        learner.address,
        1,
    )
    [locked] = registry.Locked.from_receipt(tx)
    assert locked.tokenId == 1
    [issued] = registry.CredentialIssued.from_receipt(tx)
    assert issued.token_id == 1
    assert issued.class_id == soulbound_class
    assert issued.holder == learner.address
    assert issued.score == 8_500
    assert issued.expires_at == expires_at
    assert issued.evidence_hash == EVIDENCE

    assert registry.ownerOf(1) == learner.address
    assert registry.balanceOf(learner) == 1
    assert registry.totalSupply() == 1
    assert registry.total_issued() == 1
    assert registry.locked(1) is True
    assert registry.is_valid(1) is True
    assert registry.status_of(1) == Status.ACTIVE
    record = registry.credential(1)
    assert (record.holder, record.class_id, record.score, record.expires_at, record.status) == (
        learner.address,
        soulbound_class,
        8_500,
        expires_at,
        Status.ACTIVE,
    )


def test_issue__transferable__not_locked_no_locked_event(
    registry: Any, transferable_class: int, issuer: Any, learner: Any
) -> None:
    tx = registry.issue(transferable_class, learner, 0, EVIDENCE, sender=issuer)
    assert registry.Locked.from_receipt(tx) == []
    [token_id] = issued_token_ids(registry, tx)
    assert registry.locked(token_id) is False


def test_issue__never_expiring_class__expires_at_zero(
    registry: Any, permanent_class: int, issue: Callable[..., int], learner: Any
) -> None:
    token_id = issue(permanent_class, learner)
    assert registry.credential(token_id).expires_at == 0
    assert registry.is_valid(token_id) is True


def test_issue__by_delegate(
    registry: Any, soulbound_class: int, issue: Callable[..., int], delegate: Any, learner: Any
) -> None:
    token_id = issue(soulbound_class, learner, sender=delegate)
    assert registry.ownerOf(token_id) == learner.address


@pytest.mark.parametrize("score", [7_000, MAX_SCORE])
def test_issue__score_at_bounds(
    registry: Any, soulbound_class: int, issue: Callable[..., int], learner: Any, score: int
) -> None:
    token_id = issue(soulbound_class, learner, score=score)
    assert registry.credential(token_id).score == score


def test_issue__token_ids_sequential_across_classes(
    soulbound_class: int,
    transferable_class: int,
    issue: Callable[..., int],
    learner: Any,
    learner2: Any,
) -> None:
    ids = [
        issue(soulbound_class, learner),
        issue(transferable_class, learner),
        issue(soulbound_class, learner2),
    ]
    assert ids == [1, 2, 3]


def test_issue__score_below_minimum__reverts(
    registry: Any, soulbound_class: int, issuer: Any, learner: Any
) -> None:
    with ape.reverts("credential: score below minimum"):
        registry.issue(soulbound_class, learner, 6_999, EVIDENCE, sender=issuer)


def test_issue__score_out_of_range__reverts(
    registry: Any, soulbound_class: int, issuer: Any, learner: Any
) -> None:
    with ape.reverts("credential: score out of range"):
        registry.issue(soulbound_class, learner, MAX_SCORE + 1, EVIDENCE, sender=issuer)


def test_issue__zero_address__reverts(registry: Any, soulbound_class: int, issuer: Any) -> None:
    with ape.reverts("credential: zero address"):
        registry.issue(soulbound_class, ZERO_ADDRESS, 8_000, EVIDENCE, sender=issuer)


def test_issue__inactive_class__reverts(
    registry: Any, soulbound_class: int, issuer: Any, learner: Any
) -> None:
    registry.set_class_active(soulbound_class, False, sender=issuer)
    with ape.reverts("credential: class inactive"):
        registry.issue(soulbound_class, learner, 8_000, EVIDENCE, sender=issuer)


def test_issue__unknown_class__reverts(registry: Any, issuer: Any, learner: Any) -> None:
    with ape.reverts("credential: unknown class"):
        registry.issue(1, learner, 8_000, EVIDENCE, sender=issuer)


@pytest.mark.parametrize("who", ["other_issuer", "learner", "stranger", "admin"])
def test_issue__not_class_issuer__reverts(
    registry: Any, soulbound_class: int, learner: Any, who: str, request: pytest.FixtureRequest
) -> None:
    with ape.reverts("credential: not class issuer"):
        registry.issue(
            soulbound_class, learner, 8_000, EVIDENCE, sender=request.getfixturevalue(who)
        )


def test_issue__issuer_removed__reverts_for_issuer_and_delegate(
    registry: Any, soulbound_class: int, admin: Any, issuer: Any, delegate: Any, learner: Any
) -> None:
    registry.revokeRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    for sender in (issuer, delegate):
        with ape.reverts("credential: issuer removed"):
            registry.issue(soulbound_class, learner, 8_000, EVIDENCE, sender=sender)


def test_issue__paused__reverts(
    registry: Any, soulbound_class: int, guardian: Any, issuer: Any, learner: Any
) -> None:
    registry.pause(sender=guardian)
    with ape.reverts("credential: paused"):
        registry.issue(soulbound_class, learner, 8_000, EVIDENCE, sender=issuer)


def test_issue__nothing_changes_on_revert(
    registry: Any, soulbound_class: int, issuer: Any, learner: Any
) -> None:
    with ape.reverts("credential: score below minimum"):
        registry.issue(soulbound_class, learner, 1, EVIDENCE, sender=issuer)
    assert (registry.total_issued(), registry.totalSupply(), registry.balanceOf(learner)) == (
        0,
        0,
        0,
    )


# BATCH #


def _wallets(accounts: Any, count: int) -> list[str]:
    return [accounts[i % len(accounts)].address for i in range(count)]


def test_issue_batch__ids_events_balances(
    registry: Any, chain: Any, soulbound_class: int, issuer: Any, accounts: Any
) -> None:
    holders = _wallets(accounts, 5)
    scores = [7_000, 7_500, 8_000, 9_000, 10_000]
    hashes = [bytes([i]) * 32 for i in range(1, 6)]
    assert registry.issue_batch.call(soulbound_class, holders, scores, hashes, sender=issuer) == 1
    tx = registry.issue_batch(soulbound_class, holders, scores, hashes, sender=issuer)
    expires_at = chain.blocks[tx.block_number].timestamp + 365 * DAY

    issued = registry.CredentialIssued.from_receipt(tx)
    assert [(e.token_id, e.holder, e.score, e.evidence_hash) for e in issued] == [
        (i + 1, holders[i], scores[i], hashes[i]) for i in range(5)
    ]
    assert all(e.class_id == soulbound_class and e.expires_at == expires_at for e in issued)
    assert [e.tokenId for e in registry.Locked.from_receipt(tx)] == [1, 2, 3, 4, 5]
    assert [(e.receiver, e.token_id) for e in registry.Transfer.from_receipt(tx)] == [
        (holders[i], i + 1) for i in range(5)
    ]
    assert registry.totalSupply() == 5
    assert all(registry.ownerOf(i + 1) == holders[i] for i in range(5))


def test_issue_batch__second_batch_continues_ids(
    registry: Any, soulbound_class: int, issue: Callable[..., int], issuer: Any, accounts: Any
) -> None:
    issue(soulbound_class, accounts[5])
    holders = _wallets(accounts, 3)
    tx = registry.issue_batch(soulbound_class, holders, [8_000] * 3, [EVIDENCE] * 3, sender=issuer)
    assert issued_token_ids(registry, tx) == [2, 3, 4]


def test_issue_batch__same_holder_twice_counts_twice(
    registry: Any, soulbound_class: int, issuer: Any, learner: Any
) -> None:
    registry.issue_batch(
        soulbound_class, [learner, learner], [8_000, 8_000], [EVIDENCE] * 2, sender=issuer
    )
    assert registry.balanceOf(learner) == 2


def test_issue_batch__empty__reverts(registry: Any, soulbound_class: int, issuer: Any) -> None:
    with ape.reverts("credential: empty batch"):
        registry.issue_batch(soulbound_class, [], [], [], sender=issuer)


@pytest.mark.parametrize("lengths", [(2, 1, 2), (2, 2, 1), (1, 2, 2)])
def test_issue_batch__length_mismatch__reverts(
    registry: Any, soulbound_class: int, issuer: Any, accounts: Any, lengths: tuple[int, int, int]
) -> None:
    holders = _wallets(accounts, lengths[0])
    with ape.reverts("credential: length mismatch"):
        registry.issue_batch(
            soulbound_class,
            holders,
            [8_000] * lengths[1],
            [EVIDENCE] * lengths[2],
            sender=issuer,
        )


@pytest.mark.parametrize(
    ("bad_holder", "bad_score", "message"),
    [
        (ZERO_ADDRESS, 8_000, "credential: zero address"),
        (None, 6_000, "credential: score below minimum"),
        (None, MAX_SCORE + 1, "credential: score out of range"),
    ],
)
def test_issue_batch__one_bad_entry__whole_batch_reverts(
    registry: Any,
    soulbound_class: int,
    issuer: Any,
    accounts: Any,
    bad_holder: str | None,
    bad_score: int,
    message: str,
) -> None:
    holders = _wallets(accounts, 3)
    scores = [8_000, 8_000, 8_000]
    holders[1] = bad_holder or holders[1]
    scores[1] = bad_score
    with ape.reverts(message):
        registry.issue_batch(soulbound_class, holders, scores, [EVIDENCE] * 3, sender=issuer)
    assert registry.total_issued() == 0


def test_issue_batch__paused__reverts(
    registry: Any, soulbound_class: int, admin: Any, issuer: Any, learner: Any
) -> None:
    registry.pause(sender=admin)
    with ape.reverts("credential: paused"):
        registry.issue_batch(soulbound_class, [learner], [8_000], [EVIDENCE], sender=issuer)


def test_issue_batch__inactive_class__reverts(
    registry: Any, soulbound_class: int, issuer: Any, learner: Any
) -> None:
    registry.set_class_active(soulbound_class, False, sender=issuer)
    with ape.reverts("credential: class inactive"):
        registry.issue_batch(soulbound_class, [learner], [8_000], [EVIDENCE], sender=issuer)


def test_issue_batch__not_class_issuer__reverts(
    registry: Any, soulbound_class: int, stranger: Any, learner: Any
) -> None:
    with ape.reverts("credential: not class issuer"):
        registry.issue_batch(soulbound_class, [learner], [8_000], [EVIDENCE], sender=stranger)


def test_issue_batch__by_delegate(
    registry: Any, soulbound_class: int, delegate: Any, learner: Any, learner2: Any
) -> None:
    tx = registry.issue_batch(
        soulbound_class, [learner, learner2], [8_000, 9_000], [EVIDENCE] * 2, sender=delegate
    )
    assert issued_token_ids(registry, tx) == [1, 2]
