"""`issue` with an explicit expiry (the optional fifth argument): in the
future, and not beyond what the class allows (its validity from now, or the
largest expiry a word holds for a class that never expires). 0, or the
four-argument call, keeps the class's validity. The pathway registry issues
a pathway credential with its parts' earliest expiry through it."""

from collections.abc import Callable
from typing import Any

import ape
from ape import chain

from tests.constants import DAY, EVIDENCE, MAX_EXPIRY


def issued(registry: Any, tx: Any) -> Any:
    [event] = registry.CredentialIssued.from_receipt(tx)
    return event


def block_time(tx: Any) -> int:
    return int(chain.blocks[tx.block_number].timestamp)


def test_issue__explicit_expiry__one_event_states_it(
    registry: Any, issuer: Any, learner: Any, create_class: Callable[..., int]
) -> None:
    class_id = create_class(validity=365 * DAY)
    expires_at = chain.pending_timestamp + 30 * DAY
    tx = registry.issue(class_id, learner, 8_000, EVIDENCE, expires_at, sender=issuer)
    event = issued(registry, tx)
    assert event.expires_at == expires_at
    assert registry.credential(event.token_id).expires_at == expires_at
    assert registry.CredentialRenewed.from_receipt(tx) == []


def test_issue__zero_or_four_arguments__class_validity(
    registry: Any, issuer: Any, learner: Any, create_class: Callable[..., int]
) -> None:
    class_id = create_class(validity=365 * DAY)
    for args in ((), (0,)):
        tx = registry.issue(class_id, learner, 8_000, EVIDENCE, *args, sender=issuer)
        assert issued(registry, tx).expires_at == block_time(tx) + 365 * DAY


def test_issue__explicit_expiry_at_the_class_validity__allowed(
    registry: Any, issuer: Any, learner: Any, create_class: Callable[..., int]
) -> None:
    class_id = create_class(validity=365 * DAY)
    expires_at = chain.pending_timestamp + 365 * DAY
    chain.pending_timestamp = expires_at - 365 * DAY
    tx = registry.issue(class_id, learner, 8_000, EVIDENCE, expires_at, sender=issuer)
    assert issued(registry, tx).expires_at == expires_at


def test_issue__explicit_expiry_refusals(
    registry: Any, issuer: Any, learner: Any, create_class: Callable[..., int]
) -> None:
    class_id = create_class(validity=365 * DAY)
    past = int(chain.blocks.head.timestamp)
    with ape.reverts("credential: expiry not in future"):
        registry.issue(class_id, learner, 8_000, EVIDENCE, past, sender=issuer)
    now = chain.pending_timestamp + 100
    chain.pending_timestamp = now
    with ape.reverts("credential: expiry beyond validity"):
        registry.issue(class_id, learner, 8_000, EVIDENCE, now + 365 * DAY + 1, sender=issuer)


def test_issue__never_expiring_class__any_future_expiry_that_fits(
    registry: Any, issuer: Any, learner: Any, create_class: Callable[..., int]
) -> None:
    class_id = create_class(validity=0)
    tx = registry.issue(class_id, learner, 8_000, EVIDENCE, MAX_EXPIRY, sender=issuer)
    assert issued(registry, tx).expires_at == MAX_EXPIRY
    with ape.reverts("credential: expiry too large"):
        registry.issue(class_id, learner, 8_000, EVIDENCE, MAX_EXPIRY + 1, sender=issuer)
