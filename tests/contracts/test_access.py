"""Access matrix: every state-changing function against every kind of caller.

Each cell is either OK (the call succeeds) or the exact revert message.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ape
import pytest

from credstack.registry import created_class_id, issued_token_ids
from tests.constants import DAY, EVIDENCE, ROLE_MISSING

OK = "ok"
ACTORS = ["admin", "issuer", "delegate", "other_issuer", "holder", "stranger"]


@dataclass
class World:
    registry: Any
    accounts: dict[str, Any]
    class_id: int
    soulbound: int
    transferable: int
    now: int


def only(allowed: tuple[str, ...], message: str) -> dict[str, str]:
    return {actor: OK if actor in allowed else message for actor in ACTORS}


CLASS_OPERATORS = ("issuer", "delegate")
NOT_CLASS_ISSUER = "credential: not class issuer"
NOT_ADMIN = "credential: not admin"

# function -> (action, expectations)
Action = Callable[[World, Any], Any]
MATRIX: dict[str, tuple[Action, dict[str, str]]] = {
    "pause": (
        lambda w, s: w.registry.pause(sender=s),
        only(("admin",), "credential: not guardian"),
    ),
    "unpause": (
        lambda w, s: w.registry.unpause(sender=s),
        only(("admin",), NOT_ADMIN),
    ),
    "grantRole": (
        lambda w, s: w.registry.grantRole(
            w.registry.ISSUER_ROLE(), w.accounts["stranger"], sender=s
        ),
        only(("admin",), ROLE_MISSING),
    ),
    "revokeRole": (
        lambda w, s: w.registry.revokeRole(
            w.registry.ISSUER_ROLE(), w.accounts["other_issuer"], sender=s
        ),
        only(("admin",), ROLE_MISSING),
    ),
    "set_role_admin": (
        lambda w, s: w.registry.set_role_admin(
            w.registry.ISSUER_ROLE(), w.registry.DEFAULT_ADMIN_ROLE(), sender=s
        ),
        only(("admin",), ROLE_MISSING),
    ),
    "renounceRole": (
        lambda w, s: w.registry.renounceRole(
            w.registry.ISSUER_ROLE(), w.accounts["issuer"], sender=s
        ),
        only(("issuer",), "access_control: can only renounce roles for itself"),
    ),
    "set_delegate": (
        lambda w, s: w.registry.set_delegate(w.accounts["stranger"], True, sender=s),
        only(("issuer", "other_issuer"), "credential: not issuer"),
    ),
    "create_class": (
        lambda w, s: w.registry.create_class("C", "u", False, True, DAY, 0, sender=s),
        only(("issuer", "other_issuer"), "credential: not issuer"),
    ),
    "set_class_active": (
        lambda w, s: w.registry.set_class_active(w.class_id, False, sender=s),
        only(CLASS_OPERATORS, NOT_CLASS_ISSUER),
    ),
    "set_class_uri": (
        lambda w, s: w.registry.set_class_uri(w.class_id, "ipfs://new", sender=s),
        only(CLASS_OPERATORS, NOT_CLASS_ISSUER),
    ),
    "issue": (
        lambda w, s: w.registry.issue(w.class_id, w.accounts["holder"], 9_000, EVIDENCE, sender=s),
        only(CLASS_OPERATORS, NOT_CLASS_ISSUER),
    ),
    "issue_batch": (
        lambda w, s: w.registry.issue_batch(
            w.class_id, [w.accounts["holder"]], [9_000], [EVIDENCE], sender=s
        ),
        only(CLASS_OPERATORS, NOT_CLASS_ISSUER),
    ),
    "revoke": (
        lambda w, s: w.registry.revoke(w.soulbound, "fraud", sender=s),
        only(CLASS_OPERATORS, NOT_CLASS_ISSUER),
    ),
    "suspend": (
        lambda w, s: w.registry.suspend(w.soulbound, sender=s),
        only(CLASS_OPERATORS, NOT_CLASS_ISSUER),
    ),
    "reinstate": (
        lambda w, s: w.registry.reinstate(w.transferable, sender=s),
        only(CLASS_OPERATORS, NOT_CLASS_ISSUER),
    ),
    "renew": (
        lambda w, s: w.registry.renew(w.soulbound, w.now + 400 * DAY, sender=s),
        only(CLASS_OPERATORS, NOT_CLASS_ISSUER),
    ),
    "recover": (
        lambda w, s: w.registry.recover(w.soulbound, w.accounts["stranger"], [], sender=s),
        only(CLASS_OPERATORS, NOT_CLASS_ISSUER),
    ),
    "force_revoke": (
        lambda w, s: w.registry.force_revoke(w.soulbound, "fraud", sender=s),
        only(("admin",), NOT_ADMIN),
    ),
    "set_class_rules": (
        lambda w, s: w.registry.set_class_rules(w.class_id, True, w.now + DAY, sender=s),
        only(("admin",), NOT_ADMIN),
    ),
    "set_allowlist": (
        lambda w, s: w.registry.set_allowlist(w.class_id, [w.accounts["holder"]], True, sender=s),
        only(("admin",), NOT_ADMIN),
    ),
    "set_guardian": (
        lambda w, s: w.registry.set_guardian(w.accounts["stranger"], sender=s),
        only(("admin",), NOT_ADMIN),
    ),
    "burn": (
        lambda w, s: w.registry.burn(w.soulbound, sender=s),
        only(("holder",), "credential: not holder"),
    ),
    "approve": (
        lambda w, s: w.registry.approve(w.accounts["stranger"], w.transferable, sender=s),
        only(("holder",), "credential: not approved"),
    ),
    "setApprovalForAll": (
        lambda w, s: w.registry.setApprovalForAll(w.accounts["issuer"], True, sender=s),
        only(tuple(ACTORS), ""),
    ),
    "transferFrom": (
        lambda w, s: w.registry.transferFrom(
            w.accounts["holder"], w.accounts["stranger"], w.transferable, sender=s
        ),
        only(("holder",), "credential: not approved"),
    ),
    "safeTransferFrom": (
        lambda w, s: w.registry.safeTransferFrom(
            w.accounts["holder"], w.accounts["stranger"], w.transferable, sender=s
        ),
        only(("holder",), "credential: not approved"),
    ),
}

# Functions whose success case needs a state set up first.
PREPARE: dict[str, Callable[[World], None]] = {
    "unpause": lambda w: w.registry.pause(sender=w.accounts["admin"]),
    "reinstate": lambda w: w.registry.suspend(w.transferable, sender=w.accounts["issuer"]),
}


@pytest.fixture(scope="module")
def world(
    registry: Any,
    chain: Any,
    admin: Any,
    issuer: Any,
    delegate: Any,
    other_issuer: Any,
    learner: Any,
    stranger: Any,
) -> World:
    """Built once for the module; ape's snapshots give every case this state."""

    def klass(name: str, transferable: bool, min_score: int) -> int:
        tx = registry.create_class(
            name, "ipfs://bafy/access", transferable, True, 365 * DAY, min_score, sender=issuer
        )
        return created_class_id(registry, tx)

    def give(class_id: int) -> int:
        tx = registry.issue(class_id, learner, 8_500, EVIDENCE, sender=issuer)
        return issued_token_ids(registry, tx)[0]

    class_id = klass("SQL for Data Analysis", False, 7_000)
    transferable_class = klass("Pass", True, 0)
    return World(
        registry=registry,
        accounts={
            "admin": admin,
            "issuer": issuer,
            "delegate": delegate,
            "other_issuer": other_issuer,
            "holder": learner,
            "stranger": stranger,
        },
        class_id=class_id,
        soulbound=give(class_id),
        transferable=give(transferable_class),
        now=chain.pending_timestamp,
    )


CASES = [(fn, actor) for fn in MATRIX for actor in ACTORS]


def test_matrix__covers_every_state_changing_function(registry: Any) -> None:
    mutating = {
        item.name
        for item in registry.contract_type.abi
        if item.type == "function" and item.stateMutability in ("nonpayable", "payable")
    }
    assert mutating == set(MATRIX)


@pytest.mark.parametrize(("function", "actor"), CASES, ids=[f"{f}-{a}" for f, a in CASES])
def test_access(world: World, function: str, actor: str) -> None:
    action, expectations = MATRIX[function]
    if prepare := PREPARE.get(function):
        prepare(world)
    expected = expectations[actor]
    sender = world.accounts[actor]
    if expected == OK:
        receipt = action(world, sender)
        assert not receipt.failed
    else:
        with ape.reverts(expected):
            action(world, sender)
