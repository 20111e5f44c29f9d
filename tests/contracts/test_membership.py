"""Membership: tiers earned with credentials, joins and renewals, the
soulbound ERC-721 (ERC-5192, ERC-5643's expiry), the live validity check,
perks with per-period allowances redeemed by the member or by a provider
with the member's EIP-712 signature, offers with capacity, and passes
redeemed through the registry's `safeTransferFrom`.

The tier used here ("Analyst Circle", issued by `issuer`, a 90-day period):
  group 0, 1 of 2: SQL (min 75%), Statistics
  group 1, 1 of 1: Python (`other_issuer`'s class, min 80%: cross-credit)
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ape
import pytest
from ape import chain
from eth_abi.abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from credstack.registry import created_class_id
from tests.constants import DAY, EVIDENCE, INTERFACE_IDS, ZERO_ADDRESS

PERIOD = 90 * DAY
OK = "ok"


@dataclass
class Setup:
    membership: Any
    tier_id: int
    sql: int
    stats: int
    python: int
    unrelated: int
    pass_class: int


# The contract, classes, tier and the learner's credentials are made once
# per module: ape takes a snapshot after module-scoped fixtures and restores
# it after each test, so every test starts from the same state (and ids).


@pytest.fixture(scope="module")
def setup(project: Any, registry: Any, deployer: Any, issuer: Any, other_issuer: Any) -> Setup:
    membership = project.Membership.deploy(registry, sender=deployer)

    def klass(
        name: str, validity: int = 365 * DAY, sender: Any = issuer, transferable: bool = False
    ) -> int:
        tx = registry.create_class(
            name, f"ipfs://bafy/{name}", transferable, True, validity, 0, sender=sender
        )
        return created_class_id(registry, tx)

    s = Setup(
        membership=membership,
        tier_id=0,
        sql=klass("SQL"),
        stats=klass("Statistics", validity=0),
        python=klass("Python", sender=other_issuer),
        unrelated=klass("Unrelated"),
        pass_class=klass("Mentor Session Pass", validity=90 * DAY, transferable=True),
    )
    tx = membership.create_tier(
        "Analyst Circle",
        PERIOD,
        [1, 1],
        [(s.sql, 7_500, 0), (s.stats, 0, 0), (s.python, 8_000, 1)],
        sender=issuer,
    )
    s.tier_id = membership.TierCreated.from_receipt(tx)[0].tier_id
    return s


@pytest.fixture(scope="module")
def parts(
    setup: Setup, registry: Any, issuer: Any, other_issuer: Any, learner: Any
) -> dict[str, int]:
    """`learner` holds SQL, Statistics and the cross-credit Python."""

    def give(class_id: int, score: int, sender: Any = issuer) -> int:
        tx = registry.issue(class_id, learner, score, EVIDENCE, sender=sender)
        return int(registry.CredentialIssued.from_receipt(tx)[0].token_id)

    return {
        "sql": give(setup.sql, 9_000),
        "stats": give(setup.stats, 6_000),
        "python": give(setup.python, 8_400, other_issuer),
    }


def left(m: Any, membership_id: int, perk_id: int) -> int:
    """What is left of a perk's allowance in the current period."""
    return int(m.perk(perk_id).allowance - m.used(membership_id, perk_id))


def arg(event: Any, name: str) -> Any:
    """An event argument by name (`provider` is also an attribute of ape's
    logs)."""
    return event.event_arguments[name]


def mid(tier_id: int, holder: Any) -> int:
    return (tier_id << 160) | int(holder.address, 16)


def block_time(tx: Any) -> int:
    return int(chain.blocks[tx.block_number].timestamp)


def at(timestamp: int) -> None:
    """The next transaction is mined at `timestamp`."""
    chain.pending_timestamp = timestamp


def view_at(timestamp: int) -> None:
    """Mine an empty block at `timestamp`, so views read that time."""
    chain.mine(timestamp=timestamp)


@pytest.fixture
def joined(setup: Setup, parts: dict[str, int], learner: Any) -> tuple[int, int]:
    """`learner` joined with SQL and Python; (membership id, expiry)."""
    tx = setup.membership.join(setup.tier_id, [parts["sql"], parts["python"]], sender=learner)
    return mid(setup.tier_id, learner), block_time(tx) + PERIOD


# Deployment


def test_deploy__registry_not_a_contract__reverts(
    project: Any, deployer: Any, stranger: Any
) -> None:
    with ape.reverts("membership: registry not a contract"):
        project.Membership.deploy(stranger, sender=deployer)


def test_deploy__metadata_and_no_payable_function(setup: Setup, registry: Any) -> None:
    m = setup.membership
    assert (m.name(), m.symbol(), m.registry()) == (
        "credstack Membership",
        "CSMEM",
        registry.address,
    )
    assert (m.tier_count(), m.perk_count(), m.offer_count()) == (1, 0, 0)
    functions = [item for item in m.contract_type.abi if item.type == "function"]
    assert {f.name: f.stateMutability for f in functions}["join"] == "nonpayable"
    assert [f.name for f in functions if f.stateMutability == "payable"] == []
    assert m.contract_type.constructor.stateMutability == "nonpayable"


@pytest.mark.parametrize("name", ["ERC165", "ERC721", "ERC721Metadata", "ERC5192"])
def test_supports_interface__declared(setup: Setup, name: str) -> None:
    assert setup.membership.supportsInterface(INTERFACE_IDS[name]) is True


@pytest.mark.parametrize(
    # ERC-5643 (0x8c65f84d) is not claimed: its renewSubscription is payable.
    "interface_id",
    ["0x8c65f84d", "0x49064906", "0xffffffff", "0x00000000"],
)
def test_supports_interface__others_false(setup: Setup, interface_id: str) -> None:
    assert setup.membership.supportsInterface(interface_id) is False


# Tiers


def test_create_tier__records_rules_and_event(setup: Setup, issuer: Any) -> None:
    info = setup.membership.tier(setup.tier_id)
    assert (info.issuer, info.period, info.active) == (issuer.address, PERIOD, True)
    assert list(info.required) == [1, 1]
    assert [tuple(o) for o in info.options] == [
        (setup.sql, 7_500, 0),
        (setup.stats, 0, 0),
        (setup.python, 8_000, 1),
    ]


def test_create_tier__event_field_by_field(
    setup: Setup, issuer: Any, create_class: Callable[..., int]
) -> None:
    classes = [create_class(name=f"C{i}", min_score=0) for i in range(7)]
    options = [(c, 100 * i, i % 3) for i, c in enumerate(classes)]
    tx = setup.membership.create_tier("Big", DAY, [2, 2, 1], options, sender=issuer)
    [event] = setup.membership.TierCreated.from_receipt(tx)
    assert (event.tier_id, event.issuer, event.name, event.period) == (
        2,
        issuer.address,
        "Big",
        DAY,
    )
    assert list(event.required) == [2, 2, 1]
    assert [tuple(o) for o in event.options] == options
    # Seven options span two option words; the view reads them back.
    assert [tuple(o) for o in setup.membership.tier(2).options] == options
    assert setup.membership.tier_count() == 2


@pytest.mark.parametrize(
    ("period", "required", "options", "message"),
    [
        (DAY - 1, [1], [("sql", 0, 0)], "membership: bad period"),
        (2 * 365 * DAY + 1, [1], [("sql", 0, 0)], "membership: bad period"),
        (DAY, [], [], "membership: no groups"),
        (DAY, [1], [("sql", 0, 1)], "membership: bad group"),
        (DAY, [2], [("sql", 0, 0)], "membership: bad required count"),
        (DAY, [0], [("sql", 0, 0)], "membership: bad required count"),
        (DAY, [1, 1], [("sql", 0, 0)], "membership: bad required count"),
        (DAY, [1], [("sql", 0, 0), ("sql", 5, 0)], "membership: class listed twice"),
        (DAY, [1], [("sql", 10_001, 0)], "membership: score out of range"),
        (DAY, [1], [("pass_class", 0, 0)], "membership: transferable part"),
        (DAY, [1], [(999, 0, 0)], "credential: unknown class"),
    ],
)
def test_create_tier__bad_rules__revert(
    setup: Setup,
    issuer: Any,
    period: int,
    required: list[int],
    options: list[tuple],
    message: str,
) -> None:
    resolved = [(getattr(setup, c) if isinstance(c, str) else c, m, g) for c, m, g in options]
    with ape.reverts(message):
        setup.membership.create_tier("T", period, required, resolved, sender=issuer)


def test_create_tier__periods_at_the_bounds(setup: Setup, issuer: Any) -> None:
    for period in (DAY, 2 * 365 * DAY):
        tx = setup.membership.create_tier("T", period, [1], [(setup.sql, 0, 0)], sender=issuer)
        [event] = setup.membership.TierCreated.from_receipt(tx)
        assert setup.membership.tier(event.tier_id).period == period


def test_create_tier_for__governance_names_the_issuer(
    setup: Setup, admin: Any, other_issuer: Any, stranger: Any, issuer: Any
) -> None:
    rules = (DAY, [1], [(setup.sql, 0, 0)])
    tx = setup.membership.create_tier_for(other_issuer, "G", *rules, sender=admin)
    [event] = setup.membership.TierCreated.from_receipt(tx)
    assert (event.issuer, setup.membership.tier(event.tier_id).issuer) == (
        other_issuer.address,
        other_issuer.address,
    )
    with ape.reverts("membership: not issuer"):
        setup.membership.create_tier_for(stranger, "G", *rules, sender=admin)
    with ape.reverts("membership: not governance"):
        setup.membership.create_tier_for(issuer, "G", *rules, sender=issuer)


def test_set_tier_active__event_and_state(setup: Setup, issuer: Any, admin: Any) -> None:
    tx = setup.membership.set_tier_active(setup.tier_id, False, sender=issuer)
    [event] = setup.membership.TierActiveChanged.from_receipt(tx)
    assert (event.tier_id, event.active) == (setup.tier_id, False)
    assert setup.membership.tier(setup.tier_id).active is False
    setup.membership.set_tier_active(setup.tier_id, True, sender=admin)
    assert setup.membership.tier(setup.tier_id).active is True
    with ape.reverts("membership: unknown tier"):
        setup.membership.set_tier_active(99, True, sender=admin)


def test_removed_issuer__cannot_manage_or_take_joins(
    setup: Setup, registry: Any, parts: dict[str, int], admin: Any, issuer: Any, learner: Any
) -> None:
    registry.revokeRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    with ape.reverts("membership: issuer removed"):
        setup.membership.set_tier_active(setup.tier_id, False, sender=issuer)
    with ape.reverts("membership: not issuer"):
        setup.membership.create_tier("T", DAY, [1], [(setup.sql, 0, 0)], sender=issuer)
    with ape.reverts("membership: issuer removed"):
        setup.membership.join(setup.tier_id, [parts["sql"], parts["python"]], sender=learner)
    # Governance still manages it.
    setup.membership.set_tier_active(setup.tier_id, False, sender=admin)


# Joining


def test_join__mints_a_soulbound_membership_with_events(
    setup: Setup, parts: dict[str, int], learner: Any
) -> None:
    m = setup.membership
    tokens = [parts["sql"], parts["python"]]
    assert m.join.call(setup.tier_id, tokens, sender=learner) == mid(setup.tier_id, learner)
    tx = m.join(setup.tier_id, tokens, sender=learner)
    now = block_time(tx)
    membership_id = mid(setup.tier_id, learner)
    [transfer] = m.Transfer.from_receipt(tx)
    assert (transfer.sender, transfer.receiver, transfer.token_id) == (
        ZERO_ADDRESS,
        learner.address,
        membership_id,
    )
    [locked] = m.Locked.from_receipt(tx)
    assert locked.tokenId == membership_id
    [joined] = m.Joined.from_receipt(tx)
    assert (
        joined.membership_id,
        joined.tier_id,
        joined.holder,
        joined.expires_at,
        list(joined.parts),
    ) == (membership_id, setup.tier_id, learner.address, now + PERIOD, tokens)
    [update] = m.SubscriptionUpdate.from_receipt(tx)
    assert (update.tokenId, update.expiration) == (membership_id, now + PERIOD)
    assert m.Renewed.from_receipt(tx) == []
    assert m.ownerOf(membership_id) == learner.address
    assert m.balanceOf(learner) == 1
    assert m.locked(membership_id) is True
    assert m.expiresAt(membership_id) == now + PERIOD
    assert m.is_valid(membership_id) is True
    info = m.membership(membership_id)
    assert (info.holder, info.tier_id, info.joined_at, info.expires_at, list(info.parts)) == (
        learner.address,
        setup.tier_id,
        now,
        now + PERIOD,
        tokens,
    )
    assert m.membership_id(setup.tier_id, learner) == membership_id
    assert m.tokenURI(membership_id) == (
        'data:application/json;utf8,{"name":"credstack membership","tier_id":1,'
        f'"expires_at":{now + PERIOD},"valid":true}}'
    )


def test_join__three_parts_and_many_parts_stored(
    setup: Setup,
    registry: Any,
    parts: dict[str, int],
    issuer: Any,
    learner: Any,
    create_class: Callable[..., int],
) -> None:
    """Parts past the third go to further words, five to a word; the view
    and the live check read every one."""
    classes = [create_class(name=f"E{i}", min_score=0) for i in range(13)]
    options = [(c, 0, 0) for c in classes]
    tx = setup.membership.create_tier("Many", DAY, [13], options, sender=issuer)
    tier_id = setup.membership.TierCreated.from_receipt(tx)[0].tier_id
    tokens = []
    for c in classes:
        t = registry.issue(c, learner, 5_000, EVIDENCE, sender=issuer)
        tokens.append(registry.CredentialIssued.from_receipt(t)[0].token_id)
    setup.membership.join(tier_id, tokens, sender=learner)
    membership_id = mid(tier_id, learner)
    assert list(setup.membership.membership(membership_id).parts) == tokens
    assert setup.membership.is_valid(membership_id)
    registry.suspend(tokens[-1], sender=issuer)
    assert not setup.membership.is_valid(membership_id)
    registry.reinstate(tokens[-1], sender=issuer)
    registry.suspend(tokens[7], sender=issuer)
    assert not setup.membership.is_valid(membership_id)


def test_join_for__issuer_or_delegate_only(
    setup: Setup,
    parts: dict[str, int],
    issuer: Any,
    delegate: Any,
    other_issuer: Any,
    learner: Any,
    stranger: Any,
    admin: Any,
) -> None:
    tokens = [parts["sql"], parts["python"]]
    for who in (other_issuer, stranger, admin, learner):
        with ape.reverts("membership: not tier issuer"):
            setup.membership.join_for(setup.tier_id, learner, tokens, sender=who)
    tx = setup.membership.join_for(setup.tier_id, learner, tokens, sender=delegate)
    [joined] = setup.membership.Joined.from_receipt(tx)
    assert joined.holder == learner.address
    assert setup.membership.ownerOf(mid(setup.tier_id, learner)) == learner.address
    with ape.reverts("membership: zero address"):
        setup.membership.join_for(setup.tier_id, ZERO_ADDRESS, tokens, sender=issuer)
    with ape.reverts("membership: unknown tier"):
        setup.membership.join_for(99, learner, tokens, sender=issuer)


def test_join__twice__already_member_until_expiry_then_renews(
    setup: Setup, parts: dict[str, int], learner: Any, joined: tuple[int, int]
) -> None:
    membership_id, expires_at = joined
    joined_at = expires_at - PERIOD
    tokens = [parts["stats"], parts["python"]]
    at(expires_at - 1)
    with ape.reverts("membership: already member"):
        setup.membership.join(setup.tier_id, tokens, sender=learner)
    at(expires_at + 5)
    tx = setup.membership.join(setup.tier_id, tokens, sender=learner)
    [renewed] = setup.membership.Renewed.from_receipt(tx)
    assert (renewed.membership_id, renewed.tier_id, renewed.holder, renewed.expires_at) == (
        membership_id,
        setup.tier_id,
        learner.address,
        expires_at + 5 + PERIOD,
    )
    assert list(renewed.parts) == tokens
    assert setup.membership.Joined.from_receipt(tx) == []
    assert setup.membership.Transfer.from_receipt(tx) == []
    [update] = setup.membership.SubscriptionUpdate.from_receipt(tx)
    assert update.expiration == expires_at + 5 + PERIOD
    assert setup.membership.balanceOf(learner) == 1
    info = setup.membership.membership(membership_id)
    assert (info.joined_at, list(info.parts)) == (joined_at, tokens)


def refuse_cases() -> list[tuple[str, str]]:
    return [
        ("unknown", "membership: unknown token"),
        ("not_holder", "membership: not holder"),
        ("suspended", "membership: credential suspended"),
        ("revoked", "membership: credential revoked"),
        ("burned", "membership: credential burned"),
        ("expired", "membership: credential expired"),
        ("not_in_tier", "membership: token not in tier"),
        ("below_minimum", "membership: score below minimum"),
    ]


@pytest.mark.parametrize(("case", "message"), refuse_cases())
def test_join__bad_credential__reverts(
    setup: Setup,
    registry: Any,
    parts: dict[str, int],
    issuer: Any,
    other_issuer: Any,
    learner: Any,
    learner2: Any,
    case: str,
    message: str,
) -> None:
    sql, python = parts["sql"], parts["python"]
    tokens = [sql, python]
    if case == "unknown":
        tokens = [sql, 999]
    elif case == "not_holder":
        tx = registry.issue(setup.sql, learner2, 9_000, EVIDENCE, sender=issuer)
        tokens = [python, registry.CredentialIssued.from_receipt(tx)[0].token_id]
    elif case == "suspended":
        registry.suspend(sql, sender=issuer)
    elif case == "revoked":
        registry.revoke(sql, "fraud", sender=issuer)
    elif case == "burned":
        registry.burn(sql, sender=learner)
    elif case == "expired":
        at(registry.credential(sql).expires_at)
    elif case == "not_in_tier":
        tx = registry.issue(setup.unrelated, learner, 9_000, EVIDENCE, sender=issuer)
        tokens = [sql, python, registry.CredentialIssued.from_receipt(tx)[0].token_id]
    elif case == "below_minimum":
        tx = registry.issue(setup.python, learner2, 7_999, EVIDENCE, sender=other_issuer)
        low = registry.CredentialIssued.from_receipt(tx)[0].token_id
        stats = registry.issue(setup.stats, learner2, 0, EVIDENCE, sender=issuer)
        tokens = [registry.CredentialIssued.from_receipt(stats)[0].token_id, low]
        tokens.sort()
        with ape.reverts(message):
            setup.membership.join(setup.tier_id, tokens, sender=learner2)
        return
    with ape.reverts(message):
        setup.membership.join(setup.tier_id, tokens, sender=learner)


def test_join__score_at_the_minimum__counts(
    setup: Setup, registry: Any, issuer: Any, other_issuer: Any, learner2: Any
) -> None:
    a = registry.issue(setup.sql, learner2, 7_500, EVIDENCE, sender=issuer)
    b = registry.issue(setup.python, learner2, 8_000, EVIDENCE, sender=other_issuer)
    tokens = [
        registry.CredentialIssued.from_receipt(a)[0].token_id,
        registry.CredentialIssued.from_receipt(b)[0].token_id,
    ]
    setup.membership.join(setup.tier_id, tokens, sender=learner2)
    assert setup.membership.is_valid(mid(setup.tier_id, learner2))


def test_join__order_groups_and_state__revert(
    setup: Setup,
    registry: Any,
    parts: dict[str, int],
    learner: Any,
    issuer: Any,
    admin: Any,
    guardian: Any,
) -> None:
    sql, stats, python = parts["sql"], parts["stats"], parts["python"]
    m = setup.membership
    with ape.reverts("membership: tokens not increasing"):
        m.join(setup.tier_id, [python, sql], sender=learner)
    with ape.reverts("membership: token used twice"):
        m.join(setup.tier_id, [sql, sql, python], sender=learner)
    with ape.reverts("membership: requirements not met"):
        m.join(setup.tier_id, [sql, stats], sender=learner)
    with ape.reverts("membership: requirements not met"):
        m.join(setup.tier_id, [], sender=learner)
    with ape.reverts("membership: unknown tier"):
        m.join(99, [sql, python], sender=learner)
    m.set_tier_active(setup.tier_id, False, sender=issuer)
    with ape.reverts("membership: tier inactive"):
        m.join(setup.tier_id, [sql, python], sender=learner)
    m.set_tier_active(setup.tier_id, True, sender=issuer)
    registry.pause(sender=guardian)
    with ape.reverts("membership: paused"):
        m.join(setup.tier_id, [sql, python], sender=learner)
    registry.unpause(sender=admin)
    # Both options of group 0 and the one of group 1: more than required is fine.
    m.join(setup.tier_id, [sql, stats, python], sender=learner)


# Renewal


def test_renew__from_90_percent_of_the_term_to_the_second(
    setup: Setup, parts: dict[str, int], learner: Any, joined: tuple[int, int]
) -> None:
    membership_id, expires_at = joined
    opens = expires_at - PERIOD // 10
    tokens = [parts["sql"], parts["python"]]
    view_at(opens - 2)
    assert setup.membership.isRenewable(membership_id) is False
    at(opens - 1)
    with ape.reverts("membership: too early to renew"):
        setup.membership.renew(membership_id, tokens, sender=learner)
    at(opens)
    tx = setup.membership.renew(membership_id, tokens, sender=learner)
    [renewed] = setup.membership.Renewed.from_receipt(tx)
    assert (renewed.membership_id, renewed.tier_id, renewed.holder, renewed.expires_at) == (
        membership_id,
        setup.tier_id,
        learner.address,
        expires_at + PERIOD,
    )
    assert list(renewed.parts) == tokens
    [update] = setup.membership.SubscriptionUpdate.from_receipt(tx)
    assert (update.tokenId, update.expiration) == (membership_id, expires_at + PERIOD)
    assert setup.membership.expiresAt(membership_id) == expires_at + PERIOD
    # The term restarted: the next renewal opens at 90% of the new one.
    with ape.reverts("membership: too early to renew"):
        setup.membership.renew(membership_id, tokens, sender=learner)


def test_renew__after_expiry__from_now(
    setup: Setup, parts: dict[str, int], learner: Any, joined: tuple[int, int]
) -> None:
    membership_id, expires_at = joined
    view_at(expires_at)
    assert setup.membership.is_valid(membership_id) is False
    assert setup.membership.isRenewable(membership_id) is True
    at(expires_at + 100)
    tx = setup.membership.renew(membership_id, [parts["sql"], parts["python"]], sender=learner)
    assert setup.membership.Renewed.from_receipt(tx)[0].expires_at == expires_at + 100 + PERIOD
    assert setup.membership.is_valid(membership_id) is True


def test_renew__who_and_what(
    setup: Setup,
    registry: Any,
    parts: dict[str, int],
    learner: Any,
    issuer: Any,
    delegate: Any,
    stranger: Any,
    other_issuer: Any,
    admin: Any,
    guardian: Any,
    joined: tuple[int, int],
) -> None:
    membership_id, expires_at = joined
    tokens = [parts["sql"], parts["python"]]
    at(expires_at - 100)
    for who in (stranger, other_issuer, admin):
        with ape.reverts("membership: not tier issuer"):
            setup.membership.renew(membership_id, tokens, sender=who)
    with ape.reverts("membership: unknown membership"):
        setup.membership.renew(mid(setup.tier_id, stranger), tokens, sender=stranger)
    registry.suspend(parts["sql"], sender=issuer)
    with ape.reverts("membership: credential suspended"):
        setup.membership.renew(membership_id, tokens, sender=learner)
    registry.reinstate(parts["sql"], sender=issuer)
    setup.membership.set_tier_active(setup.tier_id, False, sender=issuer)
    with ape.reverts("membership: tier inactive"):
        setup.membership.renew(membership_id, tokens, sender=learner)
    assert setup.membership.isRenewable(membership_id) is False
    setup.membership.set_tier_active(setup.tier_id, True, sender=issuer)
    registry.pause(sender=guardian)
    with ape.reverts("membership: paused"):
        setup.membership.renew(membership_id, tokens, sender=learner)
    registry.unpause(sender=admin)
    setup.membership.renew(membership_id, tokens, sender=delegate)
    at(expires_at + PERIOD - 10)
    setup.membership.renew(membership_id, tokens, sender=issuer)
    assert setup.membership.expiresAt(membership_id) == expires_at + 2 * PERIOD


# Validity, live


def test_is_valid__to_the_second_of_expiry(setup: Setup, joined: tuple[int, int]) -> None:
    membership_id, expires_at = joined
    view_at(expires_at - 1)
    assert setup.membership.is_valid(membership_id) is True
    view_at(expires_at)
    assert setup.membership.is_valid(membership_id) is False
    assert (
        setup.membership.ownerOf(membership_id) == setup.membership.membership(membership_id).holder
    )


@pytest.mark.parametrize("change", ["revoke", "suspend", "expire", "recover", "force_revoke"])
def test_is_valid__a_part_stops_being_valid__false_at_once(
    setup: Setup,
    registry: Any,
    parts: dict[str, int],
    issuer: Any,
    other_issuer: Any,
    admin: Any,
    learner: Any,
    learner2: Any,
    joined: tuple[int, int],
    change: str,
) -> None:
    membership_id, _ = joined
    sql = parts["sql"]
    if change == "revoke":
        registry.revoke(sql, "error", sender=issuer)
    elif change == "suspend":
        registry.suspend(sql, sender=issuer)
        assert setup.membership.is_valid(membership_id) is False
        registry.reinstate(sql, sender=issuer)
        assert setup.membership.is_valid(membership_id) is True
        registry.suspend(parts["python"], sender=other_issuer)
    elif change == "expire":
        view_at(registry.credential(sql).expires_at)
    elif change == "recover":
        registry.recover(sql, learner2, [], sender=issuer)
    elif change == "force_revoke":
        registry.force_revoke(parts["python"], "fraud", sender=admin)
    assert setup.membership.is_valid(membership_id) is False
    assert setup.membership.tokenURI(membership_id).endswith('"valid":false}')


def test_views__unknown_membership(setup: Setup, learner: Any) -> None:
    unknown = mid(setup.tier_id, learner)
    assert setup.membership.is_valid(unknown) is False
    assert setup.membership.balanceOf(learner) == 0
    for view in ("ownerOf", "locked", "expiresAt", "isRenewable", "tokenURI", "getApproved"):
        with ape.reverts("membership: unknown membership"):
            getattr(setup.membership, view)(unknown)
    with ape.reverts("membership: unknown membership"):
        setup.membership.membership(unknown)
    with ape.reverts("membership: unknown tier"):
        setup.membership.tier(99)
    with ape.reverts("membership: zero address"):
        setup.membership.balanceOf(ZERO_ADDRESS)


# Soulbound


def test_soulbound__every_transfer_and_approval_reverts(
    setup: Setup, learner: Any, stranger: Any, joined: tuple[int, int]
) -> None:
    membership_id, _ = joined
    m = setup.membership
    calls = [
        lambda: m.approve(stranger, membership_id, sender=learner),
        lambda: m.setApprovalForAll(stranger, True, sender=learner),
        lambda: m.transferFrom(learner, stranger, membership_id, sender=learner),
        lambda: m.safeTransferFrom(learner, stranger, membership_id, sender=learner),
        lambda: m.safeTransferFrom(learner, stranger, membership_id, b"x", sender=learner),
    ]
    for call in calls:
        with ape.reverts("membership: soulbound"):
            call()
    assert m.getApproved(membership_id) == ZERO_ADDRESS
    assert m.isApprovedForAll(learner, stranger) is False
    assert m.ownerOf(membership_id) == learner.address


# Perks and providers


@pytest.fixture
def perk(setup: Setup, issuer: Any) -> int:
    """Mentor hours: 2 a period."""
    tx = setup.membership.add_perk(setup.tier_id, "Mentor hours", 2, sender=issuer)
    return int(setup.membership.PerkAdded.from_receipt(tx)[0].perk_id)


@pytest.fixture
def provider(employer: Any, setup: Setup, issuer: Any) -> Any:
    """A mentor registered for the tier (the `employer` account)."""
    mentor = employer
    setup.membership.set_provider(setup.tier_id, mentor, True, sender=issuer)
    return mentor


REF = b"\x11" * 32


def test_add_perk__event_view_and_refusals(setup: Setup, issuer: Any, admin: Any) -> None:
    m = setup.membership
    tx = m.add_perk(setup.tier_id, "Mentor hours", 2, sender=issuer)
    [event] = m.PerkAdded.from_receipt(tx)
    assert (event.tier_id, event.perk_id, event.name, event.allowance) == (
        setup.tier_id,
        1,
        "Mentor hours",
        2,
    )
    assert tuple(m.perk(1)) == (setup.tier_id, 2, PERIOD)
    assert m.perk_count() == 1
    m.add_perk(setup.tier_id, "Workshop seat", 2**32 - 1, sender=admin)
    for allowance in (0, 2**32):
        with ape.reverts("membership: bad allowance"):
            m.add_perk(setup.tier_id, "P", allowance, sender=issuer)
    with ape.reverts("membership: unknown tier"):
        m.add_perk(99, "P", 1, sender=issuer)
    with ape.reverts("membership: unknown perk"):
        m.perk(99)


def test_set_provider__event_and_refusals(
    setup: Setup, issuer: Any, admin: Any, employer: Any
) -> None:
    m = setup.membership
    mentor = employer
    tx = m.set_provider(setup.tier_id, mentor, True, sender=issuer)
    [event] = m.ProviderSet.from_receipt(tx)
    assert (event.tier_id, arg(event, "provider"), event.allowed) == (
        setup.tier_id,
        mentor.address,
        True,
    )
    assert m.is_provider(setup.tier_id, mentor) is True
    m.set_provider(setup.tier_id, mentor, False, sender=admin)
    assert m.is_provider(setup.tier_id, mentor) is False
    with ape.reverts("membership: zero address"):
        m.set_provider(setup.tier_id, ZERO_ADDRESS, True, sender=issuer)
    with ape.reverts("membership: unknown tier"):
        m.set_provider(99, mentor, True, sender=issuer)


def test_redeem__by_the_member__event_and_allowance(
    setup: Setup, perk: int, learner: Any, joined: tuple[int, int]
) -> None:
    membership_id, _ = joined
    m = setup.membership
    assert left(m, membership_id, perk) == 2
    tx = m.redeem(membership_id, perk, 1, REF, sender=learner)
    [event] = m.PerkRedeemed.from_receipt(tx)
    assert (
        event.membership_id,
        event.perk_id,
        event.member,
        event.tier_id,
        event.quantity,
        arg(event, "provider"),
        event.ref,
        event.period,
    ) == (membership_id, perk, learner.address, setup.tier_id, 1, ZERO_ADDRESS, REF, 0)
    assert (m.used(membership_id, perk), left(m, membership_id, perk)) == (1, 1)
    with ape.reverts("membership: allowance used up"):
        m.redeem(membership_id, perk, 2, REF, sender=learner)
    m.redeem(membership_id, perk, 1, REF, sender=learner)
    assert left(m, membership_id, perk) == 0
    with ape.reverts("membership: allowance used up"):
        m.redeem(membership_id, perk, 1, REF, sender=learner)
    with ape.reverts("membership: allowance used up"):
        m.redeem(membership_id, perk, 2**256 - 1, REF, sender=learner)


def test_redeem__refusals(
    setup: Setup,
    registry: Any,
    perk: int,
    parts: dict[str, int],
    issuer: Any,
    other_issuer: Any,
    learner: Any,
    stranger: Any,
    admin: Any,
    guardian: Any,
    joined: tuple[int, int],
) -> None:
    membership_id, expires_at = joined
    m = setup.membership
    other_tier = m.create_tier("T", DAY, [1], [(setup.sql, 0, 0)], sender=issuer)
    other_perk = m.add_perk(
        m.TierCreated.from_receipt(other_tier)[0].tier_id, "P", 1, sender=issuer
    )
    foreign = m.PerkAdded.from_receipt(other_perk)[0].perk_id
    with ape.reverts("membership: not member"):
        m.redeem(membership_id, perk, 1, REF, sender=stranger)
    with ape.reverts("membership: unknown perk"):
        m.redeem(membership_id, 99, 1, REF, sender=learner)
    with ape.reverts("membership: perk not in tier"):
        m.redeem(membership_id, foreign, 1, REF, sender=learner)
    with ape.reverts("membership: zero quantity"):
        m.redeem(membership_id, perk, 0, REF, sender=learner)
    with ape.reverts("membership: unknown membership"):
        m.redeem(mid(setup.tier_id, stranger), perk, 1, REF, sender=stranger)
    registry.pause(sender=guardian)
    with ape.reverts("membership: paused"):
        m.redeem(membership_id, perk, 1, REF, sender=learner)
    registry.unpause(sender=admin)
    registry.suspend(parts["python"], sender=other_issuer)
    with ape.reverts("membership: credential invalid"):
        m.redeem(membership_id, perk, 1, REF, sender=learner)
    registry.reinstate(parts["python"], sender=other_issuer)
    at(expires_at - 1)
    m.redeem(membership_id, perk, 1, REF, sender=learner)
    at(expires_at)
    with ape.reverts("membership: expired"):
        m.redeem(membership_id, perk, 1, REF, sender=learner)


def test_redeem__revoked_qualifying_credential_stops_perks_at_once(
    setup: Setup,
    registry: Any,
    perk: int,
    parts: dict[str, int],
    issuer: Any,
    learner: Any,
    joined: tuple[int, int],
) -> None:
    membership_id, _ = joined
    setup.membership.redeem(membership_id, perk, 1, REF, sender=learner)
    registry.revoke(parts["sql"], "assessment annulled", sender=issuer)
    assert setup.membership.is_valid(membership_id) is False
    with ape.reverts("membership: credential invalid"):
        setup.membership.redeem(membership_id, perk, 1, REF, sender=learner)
    # A credential not among the parts changes nothing: Statistics could
    # have qualified, but the membership names SQL; rejoining with it needs
    # the renewal window.
    with ape.reverts("membership: already member"):
        setup.membership.join(setup.tier_id, [parts["stats"], parts["python"]], sender=learner)


def test_redeem__periods_from_the_join_to_the_second(
    setup: Setup, perk: int, parts: dict[str, int], learner: Any, joined: tuple[int, int]
) -> None:
    """Period k runs from joined_at + k * period; the allowance resets at
    its first second. Renewal keeps joined_at, so the periods continue."""
    membership_id, expires_at = joined
    joined_at = expires_at - PERIOD
    m = setup.membership
    m.redeem(membership_id, perk, 2, REF, sender=learner)
    at(joined_at + PERIOD - PERIOD // 10)
    m.renew(membership_id, [parts["sql"], parts["python"]], sender=learner)
    view_at(joined_at + PERIOD - 2)
    assert (m.period_of(membership_id), left(m, membership_id, perk)) == (0, 0)
    at(joined_at + PERIOD - 1)
    with ape.reverts("membership: allowance used up"):
        m.redeem(membership_id, perk, 1, REF, sender=learner)
    at(joined_at + PERIOD)
    tx = m.redeem(membership_id, perk, 2, REF, sender=learner)
    assert m.PerkRedeemed.from_receipt(tx)[0].period == 1
    assert (m.period_of(membership_id), left(m, membership_id, perk)) == (1, 0)
    at(joined_at + 2 * PERIOD - 1)
    with ape.reverts("membership: allowance used up"):
        m.redeem(membership_id, perk, 1, REF, sender=learner)


# Redemption by a provider, with the member's signature


def sign_redeem(
    m: Any,
    signer: Any,
    membership_id: int,
    perk_id: int,
    quantity: int,
    ref: bytes,
    provider: Any,
    nonce: int,
    deadline: int,
) -> bytes:
    """The member's EIP-712 signature of a Redeem."""
    data = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Redeem": [
                {"name": "membership_id", "type": "uint256"},
                {"name": "perk_id", "type": "uint256"},
                {"name": "quantity", "type": "uint256"},
                {"name": "ref", "type": "bytes32"},
                {"name": "provider", "type": "address"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Redeem",
        "domain": {
            "name": "credstack Membership",
            "version": "1",
            "chainId": chain.chain_id,
            "verifyingContract": m.address,
        },
        "message": {
            "membership_id": membership_id,
            "perk_id": perk_id,
            "quantity": quantity,
            "ref": ref,
            "provider": provider.address,
            "nonce": nonce,
            "deadline": deadline,
        },
    }
    signed = Account.sign_message(encode_typed_data(full_message=data), signer.private_key)
    return bytes(signed.signature)


SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def malleable(sig: bytes) -> bytes:
    """The other valid form of a signature: s -> n - s, v flipped."""
    s = int.from_bytes(sig[32:64], "big")
    v = 27 + 28 - sig[64]
    return sig[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([v])


def test_domain__separator_from_name_version_chain_and_contract(setup: Setup) -> None:
    def h(text: str) -> bytes:
        return keccak(text=text)

    expected = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                h(
                    "EIP712Domain(string name,string version,uint256 chainId,"
                    "address verifyingContract)"
                ),
                h("credstack Membership"),
                h("1"),
                chain.chain_id,
                setup.membership.address,
            ],
        )
    )
    assert setup.membership.DOMAIN_SEPARATOR() == expected


def test_redeem_for__signed_by_the_member(
    setup: Setup, perk: int, provider: Any, learner: Any, joined: tuple[int, int]
) -> None:
    membership_id, _ = joined
    m = setup.membership
    deadline = chain.pending_timestamp + 3_600
    assert m.nonces(learner) == 0
    sig = sign_redeem(m, learner, membership_id, perk, 1, REF, provider, 0, deadline)
    tx = m.redeem_for(membership_id, perk, 1, REF, deadline, sig, sender=provider)
    [event] = m.PerkRedeemed.from_receipt(tx)
    assert (event.member, arg(event, "provider"), event.quantity, event.ref, event.period) == (
        learner.address,
        provider.address,
        1,
        REF,
        0,
    )
    assert m.nonces(learner) == 1
    assert left(m, membership_id, perk) == 1
    # Replay: the nonce has moved on.
    with ape.reverts("membership: bad signature"):
        m.redeem_for(membership_id, perk, 1, REF, deadline, sig, sender=provider)
    sig = sign_redeem(m, learner, membership_id, perk, 1, REF, provider, 1, deadline)
    m.redeem_for(membership_id, perk, 1, REF, deadline, sig, sender=provider)
    assert (m.nonces(learner), left(m, membership_id, perk)) == (2, 0)


def test_redeem_for__deadline_to_the_second(
    setup: Setup, perk: int, provider: Any, learner: Any, joined: tuple[int, int]
) -> None:
    membership_id, _ = joined
    m = setup.membership
    deadline = chain.pending_timestamp + 100
    sig = sign_redeem(m, learner, membership_id, perk, 1, REF, provider, 0, deadline)
    at(deadline + 1)
    with ape.reverts("membership: signature expired"):
        m.redeem_for(membership_id, perk, 1, REF, deadline, sig, sender=provider)
    deadline = deadline + 100
    sig = sign_redeem(m, learner, membership_id, perk, 1, REF, provider, 0, deadline)
    at(deadline)
    m.redeem_for(membership_id, perk, 1, REF, deadline, sig, sender=provider)


def test_redeem_for__foreign_or_altered_signatures__refused(
    setup: Setup,
    perk: int,
    provider: Any,
    learner: Any,
    learner2: Any,
    issuer: Any,
    deployer: Any,
    joined: tuple[int, int],
) -> None:
    membership_id, _ = joined
    m = setup.membership
    other_provider = deployer
    m.set_provider(setup.tier_id, other_provider, True, sender=issuer)
    deadline = chain.pending_timestamp + 3_600
    signed = sign_redeem(m, learner, membership_id, perk, 1, REF, provider, 0, deadline)
    cases = [
        # Signed by someone else.
        (sign_redeem(m, learner2, membership_id, perk, 1, REF, provider, 0, deadline), {}),
        # The member's signature, with a larger quantity, another ref or
        # deadline, or sent by another provider.
        (signed, {"quantity": 2}),
        (signed, {"ref": b"\x22" * 32}),
        (signed, {"deadline": deadline + 1}),
        (signed, {"sender": other_provider}),
        # Signed for a nonce ahead, and garbage.
        (sign_redeem(m, learner, membership_id, perk, 1, REF, provider, 1, deadline), {}),
        (b"\x00" * 65, {}),
        (signed[:64], {}),
        (signed[:64] + b"\x1d", {}),
        # The same signature with s in the upper half (the malleable twin).
        (malleable(signed), {}),
    ]
    for sig, change in cases:
        args = {"quantity": 1, "ref": REF, "deadline": deadline, "sender": provider} | change
        with ape.reverts("membership: bad signature"):
            m.redeem_for(
                membership_id,
                perk,
                args["quantity"],
                args["ref"],
                args["deadline"],
                sig,
                sender=args["sender"],
            )
    assert m.nonces(learner) == 0
    m.redeem_for(membership_id, perk, 1, REF, deadline, signed, sender=provider)


def test_redeem_for__only_registered_providers(
    setup: Setup,
    perk: int,
    provider: Any,
    learner: Any,
    stranger: Any,
    issuer: Any,
    joined: tuple[int, int],
) -> None:
    membership_id, _ = joined
    m = setup.membership
    deadline = chain.pending_timestamp + 3_600
    for who in (stranger, learner, issuer):
        sig = sign_redeem(m, learner, membership_id, perk, 1, REF, who, 0, deadline)
        with ape.reverts("membership: not provider"):
            m.redeem_for(membership_id, perk, 1, REF, deadline, sig, sender=who)
    m.set_provider(setup.tier_id, provider, False, sender=issuer)
    sig = sign_redeem(m, learner, membership_id, perk, 1, REF, provider, 0, deadline)
    with ape.reverts("membership: not provider"):
        m.redeem_for(membership_id, perk, 1, REF, deadline, sig, sender=provider)


def test_redeem_for__allowance_and_validity_apply(
    setup: Setup,
    registry: Any,
    perk: int,
    provider: Any,
    parts: dict[str, int],
    issuer: Any,
    learner: Any,
    joined: tuple[int, int],
) -> None:
    membership_id, _ = joined
    m = setup.membership
    deadline = chain.pending_timestamp + 3_600
    sig = sign_redeem(m, learner, membership_id, perk, 3, REF, provider, 0, deadline)
    with ape.reverts("membership: allowance used up"):
        m.redeem_for(membership_id, perk, 3, REF, deadline, sig, sender=provider)
    registry.revoke(parts["sql"], "annulled", sender=issuer)
    sig = sign_redeem(m, learner, membership_id, perk, 1, REF, provider, 0, deadline)
    with ape.reverts("membership: credential invalid"):
        m.redeem_for(membership_id, perk, 1, REF, deadline, sig, sender=provider)
    assert m.nonces(learner) == 0


# Offers


@pytest.fixture
def offer(setup: Setup, perk: int, provider: Any, issuer: Any) -> int:
    """A workshop of 2 seats that uses a unit of `perk` and takes passes."""
    tx = setup.membership.create_offer(
        setup.tier_id, perk, setup.pass_class, 2, provider, sender=issuer
    )
    return int(setup.membership.OfferCreated.from_receipt(tx)[0].offer_id)


@pytest.fixture
def member2(setup: Setup, registry: Any, issuer: Any, other_issuer: Any, learner2: Any) -> int:
    """`learner2` joined too; their membership id."""
    a = registry.issue(setup.stats, learner2, 9_000, EVIDENCE, sender=issuer)
    b = registry.issue(setup.python, learner2, 9_000, EVIDENCE, sender=other_issuer)
    tokens = [
        registry.CredentialIssued.from_receipt(a)[0].token_id,
        registry.CredentialIssued.from_receipt(b)[0].token_id,
    ]
    setup.membership.join(setup.tier_id, tokens, sender=learner2)
    return mid(setup.tier_id, learner2)


def test_create_offer__event_view(
    setup: Setup, perk: int, provider: Any, issuer: Any, admin: Any
) -> None:
    m = setup.membership
    tx = m.create_offer(setup.tier_id, perk, setup.pass_class, 20, provider, sender=issuer)
    [event] = m.OfferCreated.from_receipt(tx)
    assert (
        event.offer_id,
        event.tier_id,
        event.perk_id,
        event.pass_class,
        event.capacity,
        arg(event, "provider"),
    ) == (1, setup.tier_id, perk, setup.pass_class, 20, provider.address)
    assert tuple(m.offer(1)) == (setup.tier_id, perk, setup.pass_class, 20, 0, provider.address)
    tx = m.create_offer(setup.tier_id, 0, 0, 2**32 - 1, provider, sender=admin)
    assert m.OfferCreated.from_receipt(tx)[0].offer_id == 2
    assert m.offer_count() == 2
    with ape.reverts("membership: unknown offer"):
        m.offer(3)


def test_create_offer__refusals(
    setup: Setup, perk: int, provider: Any, issuer: Any, stranger: Any
) -> None:
    m = setup.membership
    tx = m.create_tier("T", DAY, [1], [(setup.sql, 0, 0)], sender=issuer)
    other_tier = m.TierCreated.from_receipt(tx)[0].tier_id
    cases = [
        ((99, 0, 0, 1, provider), "membership: unknown tier"),
        ((setup.tier_id, 0, 0, 0, provider), "membership: bad capacity"),
        ((setup.tier_id, 0, 0, 2**32, provider), "membership: bad capacity"),
        ((setup.tier_id, 99, 0, 1, provider), "membership: unknown perk"),
        ((other_tier, perk, 0, 1, provider), "membership: perk not in tier"),
        ((setup.tier_id, 0, 999, 1, provider), "credential: unknown class"),
        ((setup.tier_id, 0, setup.sql, 1, provider), "membership: pass not transferable"),
        ((setup.tier_id, 0, 0, 1, stranger), "membership: not provider"),
    ]
    for args, message in cases:
        with ape.reverts(message):
            m.create_offer(*args, sender=issuer)


def test_book__seat_and_perk_unit_with_events(
    setup: Setup,
    offer: int,
    perk: int,
    provider: Any,
    learner: Any,
    joined: tuple[int, int],
) -> None:
    membership_id, _ = joined
    m = setup.membership
    tx = m.book(offer, membership_id, REF, sender=learner)
    [booked] = m.OfferBooked.from_receipt(tx)
    assert (
        booked.offer_id,
        booked.membership_id,
        booked.member,
        booked.ref,
        booked.seats_left,
    ) == (offer, membership_id, learner.address, REF, 1)
    [redeemed] = m.PerkRedeemed.from_receipt(tx)
    assert (redeemed.perk_id, redeemed.quantity, arg(redeemed, "provider"), redeemed.ref) == (
        perk,
        1,
        provider.address,
        REF,
    )
    assert m.booked(offer, membership_id) is True
    assert m.offer(offer).taken == 1
    assert left(m, membership_id, perk) == 1
    with ape.reverts("membership: already booked"):
        m.book(offer, membership_id, REF, sender=learner)


def test_book__capacity__full(
    setup: Setup,
    provider: Any,
    issuer: Any,
    learner: Any,
    learner2: Any,
    joined: tuple[int, int],
    member2: int,
) -> None:
    """An offer without a perk: a seat each until full."""
    membership_id, _ = joined
    m = setup.membership
    tx = m.create_offer(setup.tier_id, 0, 0, 1, provider, sender=issuer)
    offer_id = m.OfferCreated.from_receipt(tx)[0].offer_id
    tx = m.book(offer_id, member2, REF, sender=learner2)
    assert m.OfferBooked.from_receipt(tx)[0].seats_left == 0
    assert m.PerkRedeemed.from_receipt(tx) == []
    with ape.reverts("membership: offer full"):
        m.book(offer_id, membership_id, REF, sender=learner)


def test_book__refusals(
    setup: Setup,
    registry: Any,
    offer: int,
    perk: int,
    provider: Any,
    parts: dict[str, int],
    issuer: Any,
    learner: Any,
    stranger: Any,
    admin: Any,
    guardian: Any,
    joined: tuple[int, int],
) -> None:
    membership_id, _ = joined
    m = setup.membership
    tx = m.create_tier("T", DAY, [1], [(setup.sql, 0, 0)], sender=issuer)
    other_tier = m.TierCreated.from_receipt(tx)[0].tier_id
    m.set_provider(other_tier, provider, True, sender=issuer)
    tx = m.create_offer(other_tier, 0, 0, 5, provider, sender=issuer)
    foreign = m.OfferCreated.from_receipt(tx)[0].offer_id
    with ape.reverts("membership: not member"):
        m.book(offer, membership_id, REF, sender=stranger)
    with ape.reverts("membership: unknown offer"):
        m.book(99, membership_id, REF, sender=learner)
    with ape.reverts("membership: offer not in tier"):
        m.book(foreign, membership_id, REF, sender=learner)
    registry.pause(sender=guardian)
    with ape.reverts("membership: paused"):
        m.book(offer, membership_id, REF, sender=learner)
    registry.unpause(sender=admin)
    m.redeem(membership_id, perk, 2, REF, sender=learner)
    with ape.reverts("membership: allowance used up"):
        m.book(offer, membership_id, REF, sender=learner)
    registry.revoke(parts["sql"], "annulled", sender=issuer)
    tx = m.create_offer(setup.tier_id, 0, 0, 5, provider, sender=issuer)
    no_perk = m.OfferCreated.from_receipt(tx)[0].offer_id
    with ape.reverts("membership: credential invalid"):
        m.book(no_perk, membership_id, REF, sender=learner)
    assert m.offer(offer).taken == 0


# Passes


@pytest.fixture
def pass_token(setup: Setup, registry: Any, issuer: Any, learner: Any) -> int:
    tx = registry.issue(setup.pass_class, learner, 0, EVIDENCE, sender=issuer)
    return int(registry.CredentialIssued.from_receipt(tx)[0].token_id)


def offer_data(offer_id: int) -> bytes:
    return encode(["uint256"], [offer_id])


def test_pass__safe_transfer_with_offer_id__redeemed_and_burned(
    setup: Setup, registry: Any, offer: int, pass_token: int, learner: Any
) -> None:
    m = setup.membership
    tx = registry.safeTransferFrom(learner, m, pass_token, offer_data(offer), sender=learner)
    [redeemed] = m.PassRedeemed.from_receipt(tx)
    assert (
        redeemed.offer_id,
        redeemed.token_id,
        redeemed.holder,
        redeemed.class_id,
        redeemed.seats_left,
    ) == (offer, pass_token, learner.address, setup.pass_class, 1)
    [burned] = registry.CredentialBurned.from_receipt(tx)
    assert (burned.token_id, burned.holder) == (pass_token, m.address)
    assert registry.status_of(pass_token) == 5  # burned
    assert registry.balanceOf(m) == 0
    assert m.offer(offer).taken == 1
    # Used up once: a burned pass moves no more.
    with ape.reverts("credential: burned"):
        registry.safeTransferFrom(m, learner, pass_token, sender=learner)


def test_pass__after_a_market_transfer__redeemed_by_its_new_holder_via_operator(
    setup: Setup,
    registry: Any,
    offer: int,
    pass_token: int,
    learner: Any,
    learner2: Any,
    stranger: Any,
) -> None:
    """The pass changed hands; the new holder's approved operator redeems
    it (the holder named in the event is the pass's holder)."""
    m = setup.membership
    registry.transferFrom(learner, learner2, pass_token, sender=learner)
    registry.approve(stranger, pass_token, sender=learner2)
    tx = registry.safeTransferFrom(learner2, m, pass_token, offer_data(offer), sender=stranger)
    [redeemed] = m.PassRedeemed.from_receipt(tx)
    assert redeemed.holder == learner2.address


def test_pass__refusals_revert_the_transfer(
    setup: Setup,
    registry: Any,
    offer: int,
    pass_token: int,
    provider: Any,
    issuer: Any,
    learner: Any,
    admin: Any,
    guardian: Any,
    create_class: Callable[..., int],
) -> None:
    m = setup.membership
    tx = m.create_offer(setup.tier_id, 0, 0, 5, provider, sender=issuer)
    no_pass = m.OfferCreated.from_receipt(tx)[0].offer_id
    other_class = create_class(name="Other pass", transferable=True, min_score=0)
    tx = registry.issue(other_class, learner, 0, EVIDENCE, sender=issuer)
    other_pass = registry.CredentialIssued.from_receipt(tx)[0].token_id
    cases = [
        (pass_token, b"", "membership: bad offer data"),
        (pass_token, offer_data(offer) + b"\x00", "membership: bad offer data"),
        (pass_token, offer_data(99), "membership: unknown offer"),
        (pass_token, offer_data(no_pass), "membership: not a pass for offer"),
        (other_pass, offer_data(offer), "membership: not a pass for offer"),
    ]
    for token, data, message in cases:
        with ape.reverts(message):
            registry.safeTransferFrom(learner, m, token, data, sender=learner)
    # The three-argument overload sends no data.
    with ape.reverts("membership: bad offer data"):
        registry.safeTransferFrom(learner, m, pass_token, sender=learner)
    registry.pause(sender=guardian)
    with ape.reverts("membership: paused"):
        registry.safeTransferFrom(learner, m, pass_token, offer_data(offer), sender=learner)
    registry.unpause(sender=admin)
    assert registry.ownerOf(pass_token) == learner.address
    assert m.offer(offer).taken == 0


def test_pass__capacity_shared_with_bookings__full(
    setup: Setup,
    registry: Any,
    offer: int,
    pass_token: int,
    issuer: Any,
    learner: Any,
    learner2: Any,
    member2: int,
    joined: tuple[int, int],
) -> None:
    membership_id, _ = joined
    m = setup.membership
    m.book(offer, membership_id, REF, sender=learner)
    m.book(offer, member2, REF, sender=learner2)
    with ape.reverts("membership: offer full"):
        registry.safeTransferFrom(learner, m, pass_token, offer_data(offer), sender=learner)


def test_pass__only_the_registry_calls_back(
    setup: Setup, offer: int, pass_token: int, learner: Any
) -> None:
    with ape.reverts("membership: not registry"):
        setup.membership.onERC721Received(
            learner, learner, pass_token, offer_data(offer), sender=learner
        )


def test_pass__plain_transfer_from__not_redeemed_governance_returns_it(
    setup: Setup,
    registry: Any,
    offer: int,
    pass_token: int,
    learner: Any,
    admin: Any,
    issuer: Any,
) -> None:
    """`transferFrom` makes no callback: the pass sits in the contract,
    redeems nothing and takes no seat; governance may send it back."""
    m = setup.membership
    tx = registry.transferFrom(learner, m, pass_token, sender=learner)
    assert m.PassRedeemed.from_receipt(tx) == []
    assert registry.ownerOf(pass_token) == m.address
    assert m.offer(offer).taken == 0
    with ape.reverts("membership: not governance"):
        m.return_token(pass_token, learner, sender=issuer)
    m.return_token(pass_token, learner, sender=admin)
    assert registry.ownerOf(pass_token) == learner.address


# Access matrix: every state-changing function against every kind of caller


ACTORS = ["admin", "issuer", "delegate", "other_issuer", "holder", "provider", "stranger"]


def only(allowed: tuple[str, ...], message: str) -> dict[str, str]:
    return {actor: OK if actor in allowed else message for actor in ACTORS}


@dataclass
class World:
    setup: Setup
    registry: Any
    who: dict[str, Any]
    tokens: list[int]
    perk: int
    offer: int

    @property
    def m(self) -> Any:
        return self.setup.membership

    def member(self) -> int:
        """`holder` joins (sent by the issuer); the membership id."""
        h = self.who["holder"]
        self.m.join_for(self.setup.tier_id, h, self.tokens, sender=self.who["issuer"])
        return mid(self.setup.tier_id, h)


Action = Callable[[World, Any], Any]


def renew_in_window(w: World, s: Any) -> Any:
    membership_id = w.member()
    at(w.m.expiresAt(membership_id) - 10)
    return w.m.renew(membership_id, w.tokens, sender=s)


def redeem_signed(w: World, s: Any) -> Any:
    membership_id = w.member()
    deadline = chain.pending_timestamp + 3_600
    sig = sign_redeem(w.m, w.who["holder"], membership_id, w.perk, 1, REF, s, 0, deadline)
    return w.m.redeem_for(membership_id, w.perk, 1, REF, deadline, sig, sender=s)


def return_pass(w: World, s: Any) -> Any:
    h = w.who["holder"]
    tx = w.registry.issue(w.setup.pass_class, h, 0, EVIDENCE, sender=w.who["issuer"])
    token = w.registry.CredentialIssued.from_receipt(tx)[0].token_id
    w.registry.transferFrom(h, w.m, token, sender=h)
    return w.m.return_token(token, h, sender=s)


NOT_TIER_ISSUER = "membership: not tier issuer"
MANAGERS = ("issuer", "admin")

MATRIX: dict[str, tuple[Action, dict[str, str]]] = {
    "create_tier": (
        lambda w, s: w.m.create_tier("T", DAY, [1], [(w.setup.sql, 0, 0)], sender=s),
        only(("issuer", "other_issuer"), "membership: not issuer"),
    ),
    "create_tier_for": (
        lambda w, s: w.m.create_tier_for(
            w.who["issuer"], "T", DAY, [1], [(w.setup.sql, 0, 0)], sender=s
        ),
        only(("admin",), "membership: not governance"),
    ),
    "set_tier_active": (
        lambda w, s: w.m.set_tier_active(w.setup.tier_id, False, sender=s),
        only(MANAGERS, NOT_TIER_ISSUER),
    ),
    "join": (
        lambda w, s: w.m.join(w.setup.tier_id, w.tokens, sender=s),
        only(("holder",), "membership: not holder"),
    ),
    "join_for": (
        lambda w, s: w.m.join_for(w.setup.tier_id, w.who["holder"], w.tokens, sender=s),
        only(("issuer", "delegate"), NOT_TIER_ISSUER),
    ),
    "renew": (renew_in_window, only(("holder", "issuer", "delegate"), NOT_TIER_ISSUER)),
    "add_perk": (
        lambda w, s: w.m.add_perk(w.setup.tier_id, "P", 1, sender=s),
        only(MANAGERS, NOT_TIER_ISSUER),
    ),
    "set_provider": (
        lambda w, s: w.m.set_provider(w.setup.tier_id, w.who["stranger"], True, sender=s),
        only(MANAGERS, NOT_TIER_ISSUER),
    ),
    "create_offer": (
        lambda w, s: w.m.create_offer(w.setup.tier_id, 0, 0, 1, w.who["provider"], sender=s),
        only(MANAGERS, NOT_TIER_ISSUER),
    ),
    "redeem": (
        lambda w, s: w.m.redeem(w.member(), w.perk, 1, REF, sender=s),
        only(("holder",), "membership: not member"),
    ),
    "redeem_for": (redeem_signed, only(("provider",), "membership: not provider")),
    "book": (
        lambda w, s: w.m.book(w.offer, w.member(), REF, sender=s),
        only(("holder",), "membership: not member"),
    ),
    "onERC721Received": (
        lambda w, s: w.m.onERC721Received(s, s, 1, offer_data(w.offer), sender=s),
        only((), "membership: not registry"),
    ),
    "return_token": (return_pass, only(("admin",), "membership: not governance")),
    "approve": (
        lambda w, s: w.m.approve(w.who["stranger"], w.member(), sender=s),
        only((), "membership: soulbound"),
    ),
    "setApprovalForAll": (
        lambda w, s: w.m.setApprovalForAll(w.who["stranger"], True, sender=s),
        only((), "membership: soulbound"),
    ),
    "transferFrom": (
        lambda w, s: w.m.transferFrom(w.who["holder"], w.who["stranger"], w.member(), sender=s),
        only((), "membership: soulbound"),
    ),
    "safeTransferFrom": (
        lambda w, s: w.m.safeTransferFrom(
            w.who["holder"], w.who["stranger"], w.member(), b"", sender=s
        ),
        only((), "membership: soulbound"),
    ),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("function", sorted(MATRIX))
def test_access_matrix(
    request: pytest.FixtureRequest,
    setup: Setup,
    registry: Any,
    parts: dict[str, int],
    perk: int,
    offer: int,
    function: str,
    actor: str,
) -> None:
    names = {"holder": "learner", "provider": "employer"}
    who = {a: request.getfixturevalue(names.get(a, a)) for a in ACTORS}
    world = World(setup, registry, who, [parts["sql"], parts["python"]], perk, offer)
    action, expected = MATRIX[function]
    if expected[actor] == OK:
        action(world, who[actor])
    else:
        with ape.reverts(expected[actor]):
            action(world, who[actor])


def test_access_matrix__covers_every_state_changing_function(setup: Setup) -> None:
    mutating = {
        item.name
        for item in setup.membership.contract_type.abi
        if item.type == "function" and item.stateMutability not in ("view", "pure")
    }
    assert mutating == set(MATRIX)


def test_join__two_tokens_of_one_class_count_once(
    setup: Setup, registry: Any, issuer: Any, learner2: Any
) -> None:
    """A group needing two classes is not met by two tokens of one class."""
    tx = setup.membership.create_tier(
        "Two of SQL and Statistics",
        PERIOD,
        [2],
        [(setup.sql, 0, 0), (setup.stats, 0, 0)],
        sender=issuer,
    )
    tier = setup.membership.TierCreated.from_receipt(tx)[0].tier_id
    tokens = []
    for class_id in (setup.sql, setup.sql, setup.stats):
        tx = registry.issue(class_id, learner2, 9_000, EVIDENCE, sender=issuer)
        tokens.append(registry.CredentialIssued.from_receipt(tx)[0].token_id)
    with ape.reverts("membership: class used twice"):
        setup.membership.join(tier, tokens[:2], sender=learner2)
    with ape.reverts("membership: class used twice"):
        setup.membership.join(tier, tokens, sender=learner2)
    setup.membership.join(tier, [tokens[0], tokens[2]], sender=learner2)
    assert setup.membership.is_valid(mid(tier, learner2))
