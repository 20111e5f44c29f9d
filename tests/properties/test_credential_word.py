"""The `credential_word` module, tested directly (as scrvusd tests TWA.vy's
internals): its encoders and decoders agree with the documented layout, and
the registry, which writes words inline from the module's constants on its
hot paths, writes exactly what the module's encoders describe.

Runs on titanoboa: the module is loaded as a contract and its internal
functions called through `.internal`.
"""

from __future__ import annotations

from typing import Any

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credstack import Status
from tests.constants import MAX_EXPIRY, MAX_SCORE, ZERO_ADDRESS
from tests.properties import world
from tests.properties.model import ADMIN, ISSUER_A, LEARNERS

WORD = boa.load(str(world.CONTRACTS / "utils" / "credential_word.vy"))
STORED = [Status.ACTIVE, Status.SUSPENDED, Status.REVOKED, Status.BURNED]

holders = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
class_ids = st.integers(0, 2**32 - 1)
expiries = st.integers(0, MAX_EXPIRY)
scores = st.integers(0, 2**16 - 1)
statuses = st.sampled_from(STORED)


def fields(word: int) -> tuple[Any, ...]:
    """Every field of a word, through the module's decoders."""
    w = WORD.internal
    return (
        w._holder(word).lower(),
        w._class_id(word),
        w._expires_at(word),
        w._score(word),
        w._stored_status(word),
        w._is_locked(word),
    )


def test_constants__match_the_package_statuses() -> None:
    constants = WORD._constants
    for status in Status:
        assert getattr(constants, f"STATUS_{status.name}") == status
    assert constants.STATUS_ACTIVE_BITS == Status.ACTIVE << 248


@settings(max_examples=50, deadline=None)
@given(holders, class_ids, expiries, scores, statuses, st.booleans())
def test_pack__matches_layout_and_decodes_back(
    holder: str, class_id: int, expires_at: int, score: int, status: int, locked: bool
) -> None:
    word = WORD.internal._pack(holder, class_id, expires_at, score, status, locked)
    assert word == world.credential_word(holder, class_id, expires_at, score, status, locked)
    assert fields(word) == (holder, class_id, expires_at, score, status, locked)


@settings(max_examples=50, deadline=None)
@given(holders, class_ids, expiries, scores, statuses, st.booleans(), holders, expiries, statuses)
def test_with__changes_one_field_only(
    holder: str,
    class_id: int,
    expires_at: int,
    score: int,
    status: int,
    locked: bool,
    new_holder: str,
    new_expiry: int,
    new_status: int,
) -> None:
    w = WORD.internal
    word = world.credential_word(holder, class_id, expires_at, score, status, locked)
    assert fields(w._with_holder(word, new_holder)) == (
        new_holder, class_id, expires_at, score, status, locked
    )  # fmt: skip
    assert fields(w._with_expiry(word, new_expiry)) == (
        holder, class_id, new_expiry, score, status, locked
    )  # fmt: skip
    assert fields(w._with_status(word, new_status)) == (
        holder, class_id, expires_at, score, new_status, locked
    )  # fmt: skip


@pytest.mark.parametrize(("offset", "expired"), [(-1, True), (0, True), (1, False)])
def test_is_expired__from_expires_at_on(offset: int, expired: bool) -> None:
    now = int(boa.env.timestamp)
    assert (
        WORD.internal._is_expired(world.credential_word(ZERO_ADDRESS, 1, now + offset, 0, 1, False))
        == expired
    )
    assert not WORD.internal._is_expired(world.credential_word(ZERO_ADDRESS, 1, 0, 0, 1, False))


# The registry's writes #


@pytest.fixture
def deployed() -> Any:
    """A fresh deployment, rolled back when the test ends."""
    with boa.env.anchor():
        yield world.deploy()


def word_of(d: Any, token_id: int) -> int:
    [word] = d.registry.credential_words([token_id])
    return int(word)


@pytest.mark.parametrize("transferable", [False, True])
def test_registry__writes_what_the_encoders_describe(deployed: Any, transferable: bool) -> None:
    """Issue (`_pack`), suspend and reinstate (`_with_status`), renew
    (`_with_expiry`), transfer or recovery (`_with_holder`), revoke and burn
    (`_with_status`): each word the registry stores is the encoder's."""
    reg, w, addr = deployed.registry, WORD.internal, deployed.addresses
    first, second, third = (addr[i] for i in LEARNERS[:3])
    with boa.env.prank(addr[ISSUER_A]):
        class_id = reg.create_class("C", "u", transferable, True, 1_000, 0)
        token = reg.issue(class_id, first, MAX_SCORE, b"\x01" * 32)
        expires_at = int(boa.env.timestamp) + 1_000
        issued = w._pack(first, class_id, expires_at, MAX_SCORE, Status.ACTIVE, not transferable)
        assert word_of(deployed, token) == issued

        reg.suspend(token)
        assert word_of(deployed, token) == w._with_status(issued, Status.SUSPENDED)
        reg.reinstate(token)
        assert word_of(deployed, token) == issued

        reg.renew(token, expires_at + 5)
        renewed = w._with_expiry(issued, expires_at + 5)
        assert word_of(deployed, token) == renewed

    if transferable:
        with boa.env.prank(first):
            reg.transferFrom(first, second, token)
    else:
        with boa.env.prank(addr[ISSUER_A]):
            reg.recover(token, second, [])
    moved = w._with_holder(renewed, second)
    assert word_of(deployed, token) == moved

    with boa.env.prank(addr[ISSUER_A]):
        reg.revoke(token, "fraud")
    assert word_of(deployed, token) == w._with_status(moved, Status.REVOKED)

    with boa.env.prank(addr[ISSUER_A]):
        other = reg.issue(class_id, third, 0, b"\x02" * 32)
    with boa.env.prank(third):
        reg.burn(other)
    burned = w._pack(third, class_id, expires_at, 0, Status.BURNED, not transferable)
    assert word_of(deployed, other) == burned


def test_registry__force_revoke_and_batch(deployed: Any) -> None:
    """Governance's revocation and a batch write the same words."""
    reg, w, addr = deployed.registry, WORD.internal, deployed.addresses
    holders = [addr[i] for i in LEARNERS]
    with boa.env.prank(addr[ISSUER_A]):
        class_id = reg.create_class("C", "u", False, False, 0, 0)
        first = reg.issue_batch(class_id, holders, [1, 2, 3, 4], [b"\x03" * 32] * 4)
    words = [
        w._pack(h, class_id, 0, s, Status.ACTIVE, True)
        for h, s in zip(holders, [1, 2, 3, 4], strict=True)
    ]
    assert [int(x) for x in reg.credential_words(list(range(first, first + 4)))] == words
    with boa.env.prank(addr[ADMIN]):
        reg.force_revoke(first, "fraud")
    assert word_of(deployed, first) == w._with_status(words[0], Status.REVOKED)
