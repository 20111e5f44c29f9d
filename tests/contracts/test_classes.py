"""Classes: creation, rules, activation, URI changes."""

from collections.abc import Callable
from typing import Any

import ape
import pytest

from tests.constants import DAY, MAX_SCORE, MAX_VALIDITY, ROLE_MISSING, ZERO_ADDRESS


def test_create_class__stores_rules_and_emits(registry: Any, issuer: Any) -> None:
    args = ("SQL for Data Analysis", "ipfs://bafy/sql.json", False, True, 180 * DAY, 7_000)
    assert registry.create_class.call(*args, sender=issuer) == 1
    tx = registry.create_class(*args, sender=issuer)
    assert registry.class_count() == 1
    [event] = registry.ClassCreated.from_receipt(tx)
    assert event.class_id == 1
    assert event.issuer == issuer.address
    assert event.name == "SQL for Data Analysis"
    assert event.uri == "ipfs://bafy/sql.json"
    assert bool(event.transferable) is False
    assert bool(event.revocable) is True
    assert event.validity == 180 * DAY
    assert event.min_score == 7_000
    info = registry.class_info(1)
    assert info.issuer == issuer.address
    assert info.name == "SQL for Data Analysis"
    assert info.uri == "ipfs://bafy/sql.json"
    assert info.transferable is False
    assert info.revocable is True
    assert info.validity == 180 * DAY
    assert info.min_score == 7_000
    assert info.active is True


def test_create_class__ids_increase(create_class: Callable[..., int]) -> None:
    assert [create_class(), create_class(), create_class()] == [1, 2, 3]


def test_create_class__limits_accepted(
    registry: Any, create_class: Callable[..., int], other_issuer: Any
) -> None:
    class_id = create_class(
        name="x" * 64,
        uri="u" * 256,
        validity=MAX_VALIDITY,
        min_score=MAX_SCORE,
        sender=other_issuer,
    )
    info = registry.class_info(class_id)
    assert (info.name, info.uri) == ("x" * 64, "u" * 256)
    assert (info.validity, info.min_score, info.issuer) == (
        MAX_VALIDITY,
        MAX_SCORE,
        other_issuer.address,
    )


def test_create_class__utf8_name_accepted(registry: Any, create_class: Callable[..., int]) -> None:
    class_id = create_class(name="Análisis de datos: nivel 1")
    assert registry.class_info(class_id).name == "Análisis de datos: nivel 1"


@pytest.mark.parametrize("who", ["stranger", "delegate", "admin"])
def test_create_class__not_issuer__reverts(
    registry: Any, who: str, request: pytest.FixtureRequest
) -> None:
    with ape.reverts("credential: not issuer"):
        registry.create_class("n", "u", False, True, 0, 0, sender=request.getfixturevalue(who))


def test_create_class__empty_name__reverts(registry: Any, issuer: Any) -> None:
    with ape.reverts("credential: empty name"):
        registry.create_class("", "u", False, True, 0, 0, sender=issuer)


@pytest.mark.parametrize("bad", ['say "hi"', "back\\slash", "tab\there", "new\nline", "\x00"])
@pytest.mark.parametrize("field", ["name", "uri"])
def test_create_class__invalid_character__reverts(
    registry: Any, issuer: Any, field: str, bad: str
) -> None:
    name, uri = ("ok", bad) if field == "uri" else (bad, "ok")
    with ape.reverts("credential: invalid character"):
        registry.create_class(name, uri, False, True, 0, 0, sender=issuer)


def test_create_class__validity_too_long__reverts(registry: Any, issuer: Any) -> None:
    with ape.reverts("credential: validity too long"):
        registry.create_class("n", "u", False, True, MAX_VALIDITY + 1, 0, sender=issuer)


def test_create_class__min_score_out_of_range__reverts(registry: Any, issuer: Any) -> None:
    with ape.reverts("credential: min score out of range"):
        registry.create_class("n", "u", False, True, 0, MAX_SCORE + 1, sender=issuer)


@pytest.mark.parametrize("class_id", [0, 1, 2**32])
def test_class_info__unknown__reverts(registry: Any, class_id: int) -> None:
    with ape.reverts("credential: unknown class"):
        registry.class_info(class_id)


@pytest.mark.parametrize("who", ["issuer", "delegate"])
def test_set_class_active__closes_and_reopens(
    registry: Any, soulbound_class: int, who: str, request: pytest.FixtureRequest
) -> None:
    sender = request.getfixturevalue(who)
    tx = registry.set_class_active(soulbound_class, False, sender=sender)
    [event] = registry.ClassActiveChanged.from_receipt(tx)
    assert (event.class_id, bool(event.active)) == (soulbound_class, False)
    assert registry.class_info(soulbound_class).active is False
    registry.set_class_active(soulbound_class, True, sender=sender)
    info = registry.class_info(soulbound_class)
    # Closing and reopening touches nothing but the flag.
    assert (info.active, info.min_score, info.transferable, info.revocable) == (
        True,
        7_000,
        False,
        True,
    )


def test_set_class_active__unknown__reverts(registry: Any, issuer: Any) -> None:
    with ape.reverts("credential: unknown class"):
        registry.set_class_active(7, False, sender=issuer)


def test_set_class_uri__changes_and_emits(registry: Any, soulbound_class: int, issuer: Any) -> None:
    tx = registry.set_class_uri(soulbound_class, "ipfs://bafy/sql-v2.json", sender=issuer)
    [event] = registry.ClassURIChanged.from_receipt(tx)
    assert (event.class_id, event.uri) == (soulbound_class, "ipfs://bafy/sql-v2.json")
    # No tokens yet: no metadata to refresh.
    assert registry.BatchMetadataUpdate.from_receipt(tx) == []
    assert registry.class_info(soulbound_class).uri == "ipfs://bafy/sql-v2.json"


def test_set_class_uri__with_tokens__batch_metadata_update(
    registry: Any,
    soulbound_class: int,
    issue: Callable[..., int],
    learner: Any,
    learner2: Any,
    delegate: Any,
) -> None:
    issue(soulbound_class, learner)
    issue(soulbound_class, learner2)
    tx = registry.set_class_uri(soulbound_class, "ipfs://bafy/v3.json", sender=delegate)
    [event] = registry.BatchMetadataUpdate.from_receipt(tx)
    assert (event._fromTokenId, event._toTokenId) == (1, 2)


def test_set_class_uri__invalid_character__reverts(
    registry: Any, soulbound_class: int, issuer: Any
) -> None:
    with ape.reverts("credential: invalid character"):
        registry.set_class_uri(soulbound_class, 'ipfs://"', sender=issuer)


def test_grant_issuer__not_admin__reverts(registry: Any, issuer: Any, stranger: Any) -> None:
    role = registry.ISSUER_ROLE()
    with ape.reverts(ROLE_MISSING):
        registry.grantRole(role, stranger, sender=issuer)


def test_removed_issuer__cannot_create_or_manage(
    registry: Any, soulbound_class: int, admin: Any, issuer: Any, delegate: Any
) -> None:
    registry.revokeRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    with ape.reverts("credential: not issuer"):
        registry.create_class("n", "u", False, True, 0, 0, sender=issuer)
    for sender in (issuer, delegate):
        with ape.reverts("credential: issuer removed"):
            registry.set_class_active(soulbound_class, False, sender=sender)


def test_set_delegate__adds_and_removes(
    registry: Any, soulbound_class: int, issuer: Any, delegate: Any
) -> None:
    tx = registry.set_delegate(delegate, False, sender=issuer)
    [event] = registry.DelegateSet.from_receipt(tx)
    assert (event.issuer, event.delegate, bool(event.allowed)) == (
        issuer.address,
        delegate.address,
        False,
    )
    assert registry.is_delegate(issuer, delegate) is False
    with ape.reverts("credential: not class issuer"):
        registry.set_class_active(soulbound_class, False, sender=delegate)


def test_set_delegate__not_issuer__reverts(registry: Any, stranger: Any, learner: Any) -> None:
    with ape.reverts("credential: not issuer"):
        registry.set_delegate(learner, True, sender=stranger)


def test_set_delegate__zero__reverts(registry: Any, issuer: Any) -> None:
    with ape.reverts("credential: zero address"):
        registry.set_delegate(ZERO_ADDRESS, True, sender=issuer)


def test_delegate__of_one_issuer_cannot_manage_another(
    registry: Any, create_class: Callable[..., int], other_issuer: Any, delegate: Any
) -> None:
    other_class = create_class(sender=other_issuer)
    with ape.reverts("credential: not class issuer"):
        registry.set_class_active(other_class, False, sender=delegate)


# Delegations do not outlive the issuer role (issue 12, finding 4)


def remove_issuer(registry: Any, how: str, admin: Any, issuer: Any) -> None:
    """Every path that takes the issuer role away."""
    role = registry.ISSUER_ROLE()
    if how == "revokeRole":
        registry.revokeRole(role, issuer, sender=admin)
    else:
        registry.renounceRole(role, issuer, sender=issuer)
    assert not registry.hasRole(role, issuer)


@pytest.mark.parametrize("how", ["revokeRole", "renounceRole"])
def test_regranted_issuer__starts_with_no_delegates(
    registry: Any,
    soulbound_class: int,
    admin: Any,
    issuer: Any,
    delegate: Any,
    learner: Any,
    how: str,
) -> None:
    """A leaked delegate key is not re-armed by granting the role again."""
    remove_issuer(registry, how, admin, issuer)
    assert registry.is_delegate(issuer, delegate) is False
    registry.grantRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    assert registry.is_delegate(issuer, delegate) is False
    with ape.reverts("credential: not class issuer"):
        registry.issue(soulbound_class, learner, 9_000, b"\x01" * 32, sender=delegate)
    with ape.reverts("credential: not class issuer"):
        registry.set_class_active(soulbound_class, False, sender=delegate)
    registry.issue(soulbound_class, learner, 9_000, b"\x01" * 32, sender=issuer)
    # Named again, the delegate acts again.
    registry.set_delegate(delegate, True, sender=issuer)
    assert registry.is_delegate(issuer, delegate) is True
    registry.issue(soulbound_class, learner, 9_000, b"\x01" * 32, sender=delegate)


@pytest.mark.parametrize("how", ["revokeRole", "renounceRole"])
def test_removed_issuer__may_remove_delegates_only(
    registry: Any, admin: Any, issuer: Any, delegate: Any, stranger: Any, how: str
) -> None:
    remove_issuer(registry, how, admin, issuer)
    tx = registry.set_delegate(delegate, False, sender=issuer)
    [event] = registry.DelegateSet.from_receipt(tx)
    assert (event.issuer, event.delegate, bool(event.allowed)) == (
        issuer.address,
        delegate.address,
        False,
    )
    with ape.reverts("credential: not issuer"):
        registry.set_delegate(stranger, True, sender=issuer)
    assert registry.is_delegate(issuer, delegate) is False


def test_set_delegate__removal_by_never_issuer__reverts(
    registry: Any, stranger: Any, learner: Any
) -> None:
    with ape.reverts("credential: not issuer"):
        registry.set_delegate(learner, False, sender=stranger)


def test_delegations__survive_what_does_not_remove_the_issuer(
    registry: Any,
    soulbound_class: int,
    admin: Any,
    issuer: Any,
    other_issuer: Any,
    delegate: Any,
    stranger: Any,
    learner: Any,
) -> None:
    """A grant to a current issuer, a revoke of a non-holder, another
    issuer's removal and another role's changes leave the delegation be."""
    role = registry.ISSUER_ROLE()
    registry.grantRole(role, issuer, sender=admin)
    registry.revokeRole(role, stranger, sender=admin)
    registry.revokeRole(role, other_issuer, sender=admin)
    registry.grantRole(registry.DEFAULT_ADMIN_ROLE(), issuer, sender=admin)
    registry.revokeRole(registry.DEFAULT_ADMIN_ROLE(), issuer, sender=admin)
    assert registry.is_delegate(issuer, delegate) is True
    registry.issue(soulbound_class, learner, 9_000, b"\x01" * 32, sender=delegate)


# Class text must be UTF-8 (issue 12, finding 5)

# Any ABI client can send bytes that are not UTF-8 where a string goes: the
# ABI encodes `string` and `bytes` alike, so these tests encode as `bytes`.
NOT_UTF8 = [
    b"\x80",  # a continuation byte alone
    b"\xbf",
    b"\xc0\xaf",  # overlong "/"
    b"\xc1\xbf",
    b"\xc3",  # truncated at the end
    b"\xc3(",  # lead byte, then no continuation
    b"\xe0\x80\xaf",  # overlong, three bytes
    b"\xe0\x9f\xbf",
    b"\xe2\x82",  # truncated
    b"\xed\xa0\x80",  # a UTF-16 surrogate (U+D800)
    b"\xed\xbf\xbf",  # U+DFFF
    b"\xf0\x8f\xbf\xbf",  # overlong, four bytes
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\xf5\x80\x80\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\xfe",
    b"\xff",
    b"Caf\xe9",  # Latin-1, the common mistake
    b"ok \xe2\x82\xac \xe2\x82",  # valid, then truncated
]


def send_raw(
    sender: Any, registry: Any, signature: str, types: list[str], values: list[Any]
) -> Any:
    """A transaction whose string arguments are raw bytes."""
    from eth_abi import encode
    from eth_utils import keccak

    data = keccak(text=signature)[:4] + encode(types, values)
    return sender.transfer(registry.address, 0, data=data)


def create_class_raw(registry: Any, issuer: Any, name: bytes, uri: bytes) -> Any:
    return send_raw(
        issuer,
        registry,
        "create_class(string,string,bool,bool,uint256,uint256)",
        ["bytes", "bytes", "bool", "bool", "uint256", "uint256"],
        [name, uri, False, True, DAY, 0],
    )


@pytest.mark.parametrize("raw", NOT_UTF8, ids=lambda b: b.hex())
def test_create_class__not_utf8__reverts(registry: Any, issuer: Any, raw: bytes) -> None:
    with ape.reverts("credential: invalid UTF-8"):
        create_class_raw(registry, issuer, b"SQL " + raw, b"ipfs://x")
    with ape.reverts("credential: invalid UTF-8"):
        create_class_raw(registry, issuer, b"SQL", b"ipfs://x/" + raw)


@pytest.mark.parametrize("raw", NOT_UTF8, ids=lambda b: b.hex())
def test_set_class_uri__not_utf8__reverts(
    registry: Any, soulbound_class: int, issuer: Any, raw: bytes
) -> None:
    with ape.reverts("credential: invalid UTF-8"):
        send_raw(
            issuer,
            registry,
            "set_class_uri(uint256,string)",
            ["uint256", "bytes"],
            [soulbound_class, b"ipfs://x/" + raw],
        )


def test_create_class__utf8_edges_accepted(registry: Any, issuer: Any) -> None:
    """The first and last code point of every UTF-8 length, and the
    neighbours of the surrogates, sent as raw bytes."""
    edges = ["\u0080", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffff", "\U00010000", "\U0010ffff"]
    name = "".join(edges).encode()
    tx = create_class_raw(registry, issuer, name, ("ipfs://" + "".join(edges)).encode())
    [event] = registry.ClassCreated.from_receipt(tx)
    assert registry.class_info(event.class_id).name == "".join(edges)


def test_regranted_issuer__pathway_registry_must_be_named_again(
    project: Any,
    registry: Any,
    deployer: Any,
    admin: Any,
    issuer: Any,
    learner: Any,
    create_class: Callable[..., int],
) -> None:
    """The pathway registry is a delegate like any other: a removal ends
    its delegation too, and claims work again once the issuer, granted the
    role again, names it again (`catalog apply` does, seeing is_delegate
    false)."""
    pathways = project.PathwayRegistry.deploy(registry, sender=deployer)
    registry.set_delegate(pathways, True, sender=issuer)
    part = create_class(name="Part", min_score=0)
    output = create_class(name="Whole", min_score=0)
    tx = pathways.create_pathway("Whole", output, [1], [(part, 0, 0)], False, sender=issuer)
    pathway_id = pathways.PathwayCreated.from_receipt(tx)[0].pathway_id
    tx = registry.issue(part, learner, 9_000, b"\x01" * 32, sender=issuer)
    [token] = [e.token_id for e in registry.CredentialIssued.from_receipt(tx)]

    registry.revokeRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    registry.grantRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    assert registry.is_delegate(issuer, pathways) is False
    with ape.reverts("credential: not class issuer"):
        pathways.claim(pathway_id, [token], sender=learner)
    registry.set_delegate(pathways, True, sender=issuer)
    pathways.claim(pathway_id, [token], sender=learner)
    assert registry.balanceOf(learner) == 2
