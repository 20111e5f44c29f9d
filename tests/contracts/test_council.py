"""The council (2 of 3) and the timelock (2 days) as deployed by
``deploy_governed``: the whole flow, and every early, duplicate or
unauthorized step refused with its message."""

from typing import Any

import ape
import pytest

from credstack import Status
from credstack.catalog import GovernanceConfig
from credstack.deploy import deploy_governed
from credstack.governance import Governance, State
from tests.constants import DAY, EVIDENCE, ROLE_MISSING, ZERO_ADDRESS

DELAY = 2 * DAY
NOT_READY = "council: too early"


@pytest.fixture(scope="module")
def members(accounts: Any) -> list[Any]:
    return [accounts[1], accounts[7], accounts[8]]


@pytest.fixture(scope="module")
def system(project: Any, accounts: Any, members: list[Any]) -> Any:
    config = GovernanceConfig(
        members=tuple(m.address for m in members),
        threshold=2,
        delay=DELAY,
        guardian=accounts[9].address,
    )
    return deploy_governed(project, accounts[0], config)


@pytest.fixture(scope="module")
def gov(system: Any) -> Governance:
    return Governance(system.council, system.timelock, {"registry": system.registry})


def calls_of(gov: Governance, target: str, function: str, *args: Any) -> tuple[list, list]:
    call = gov.encode(target, function, list(args))
    return [call.target], [call.payload]


def propose(gov: Governance, sender: Any, target: str, function: str, *args: Any) -> int:
    return gov.propose([gov.encode(target, function, list(args))], "test", sender)


def enact(gov: Governance, chain: Any, members: list[Any], target: str, fn: str, *args: Any) -> Any:
    proposal_id = propose(gov, members[0], target, fn, *args)
    targets, payloads = calls_of(gov, target, fn, *args)
    gov.council.approve(proposal_id, targets, payloads, sender=members[1])
    chain.pending_timestamp += DELAY
    return gov.council.execute(proposal_id, targets, payloads, sender=members[2])


# Deployment


def test_deploy__no_account_holds_any_role(system: Any, accounts: Any) -> None:
    registry, timelock, council = system.registry, system.timelock, system.council
    reg_roles = [registry.DEFAULT_ADMIN_ROLE(), registry.ISSUER_ROLE()]
    lock_roles = [
        timelock.DEFAULT_ADMIN_ROLE(),
        timelock.PROPOSER_ROLE(),
        timelock.EXECUTOR_ROLE(),
        timelock.CANCELLER_ROLE(),
    ]
    everyone = [a.address for a in accounts] + [council.address, ZERO_ADDRESS]
    for address in everyone:
        assert not any(registry.hasRole(r, address) for r in reg_roles), address
    for address in [a.address for a in accounts] + [ZERO_ADDRESS, registry.address]:
        assert not any(timelock.hasRole(r, address) for r in lock_roles), address
    assert registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), timelock)
    assert timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), timelock)
    assert all(timelock.hasRole(r, council) for r in lock_roles[1:])
    assert council.timelock() == timelock.address
    assert timelock.get_minimum_delay() == DELAY


def test_deploy__role_events_name_only_the_timelock(system: Any, chain: Any) -> None:
    """Every RoleGranted the registry ever emitted that still stands: only
    the timelock's admin role (the deployer's was revoked in the same
    transaction)."""
    registry = system.registry
    receipt = chain.get_receipt(registry.txn_hash)
    granted = [e.account for e in registry.RoleGranted.from_receipt(receipt)]
    revoked = [e.account for e in registry.RoleRevoked.from_receipt(receipt)]
    assert set(granted) - set(revoked) == {system.timelock.address}


def test_deploy__council_and_guardian(system: Any, members: list[Any], accounts: Any) -> None:
    assert system.council.member_list() == [m.address for m in members]
    assert system.council.threshold() == 2
    assert system.registry.guardian() == accounts[9].address


def test_deploy__bad_config__refused_before_sending(
    project: Any, accounts: Any, members: list[Any]
) -> None:
    from credstack.governance import GovernanceError

    bad = GovernanceConfig(tuple(m.address for m in members), 4, DELAY)
    with pytest.raises(GovernanceError, match="threshold = 4"):
        deploy_governed(project, accounts[0], bad)


def test_council__constructor_refusals(project: Any, accounts: Any, members: list[Any]) -> None:
    addresses = [m.address for m in members]
    with ape.reverts("council: bad threshold"):
        project.Council.deploy(addresses, 0, accounts[5], sender=accounts[0])
    with ape.reverts("council: bad threshold"):
        project.Council.deploy(addresses, 4, accounts[5], sender=accounts[0])
    with ape.reverts("council: already member"):
        project.Council.deploy(addresses + addresses[:1], 2, accounts[5], sender=accounts[0])
    with ape.reverts("council: zero address"):
        project.Council.deploy([ZERO_ADDRESS], 1, accounts[5], sender=accounts[0])
    with ape.reverts("council: zero address"):
        project.Council.deploy(addresses, 2, ZERO_ADDRESS, sender=accounts[0])


# The whole flow


def test_flow__onboard_issuer_takes_approvals_and_delay(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    registry, council = system.registry, system.council
    issuer = accounts[2]
    call = gov.encode("registry", "grantRole", ["ISSUER_ROLE", issuer.address])
    tx = council.propose([call.target], [call.payload], "onboard Northwind", sender=members[0])
    [created] = council.ProposalCreated.from_receipt(tx)
    proposal_id = created.proposal_id
    assert (created.proposer, created.description) == (members[0].address, "onboard Northwind")
    assert council.proposal_state(proposal_id) == State.APPROVING
    assert council.proposal(proposal_id).approvals == 1

    tx = council.approve(proposal_id, [call.target], [call.payload], sender=members[1])
    [scheduled] = council.ProposalScheduled.from_receipt(tx)
    ready_at = scheduled.ready_at
    assert ready_at == chain.blocks.head.timestamp + DELAY
    assert council.ready_at(proposal_id) == ready_at
    assert council.proposal_state(proposal_id) == State.QUEUED

    chain.pending_timestamp = ready_at - 1
    with ape.reverts(NOT_READY):
        council.execute(proposal_id, [call.target], [call.payload], sender=members[2])
    assert not registry.hasRole(registry.ISSUER_ROLE(), issuer)

    chain.pending_timestamp = ready_at
    tx = council.execute(proposal_id, [call.target], [call.payload], sender=members[2])
    assert council.ProposalExecuted.from_receipt(tx)[0].proposal_id == proposal_id
    assert registry.hasRole(registry.ISSUER_ROLE(), issuer)
    assert council.proposal_state(proposal_id) == State.EXECUTED
    with ape.reverts("council: already executed"):
        council.execute(proposal_id, [call.target], [call.payload], sender=members[0])


def test_flow__forced_revocation_needs_m_approvals_and_the_delay(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    registry, council = system.registry, system.council
    issuer, learner = accounts[2], accounts[5]
    enact(gov, chain, members, "registry", "grantRole", "ISSUER_ROLE", issuer.address)
    tx = registry.create_class("SQL", "ipfs://x", False, False, 0, 0, sender=issuer)
    class_id = registry.ClassCreated.from_receipt(tx)[0].class_id
    tx = registry.issue(class_id, learner, 9_000, EVIDENCE, sender=issuer)
    token = registry.CredentialIssued.from_receipt(tx)[0].token_id

    targets, payloads = calls_of(gov, "registry", "force_revoke", token, "fraud: impersonation")
    council.propose(targets, payloads, "fraud", sender=members[0])
    proposal_id = council.proposal_count()
    # One approval (the proposer's) of two: not scheduled, cannot run.
    chain.pending_timestamp += 10 * DELAY
    with ape.reverts("council: not scheduled"):
        council.execute(proposal_id, targets, payloads, sender=members[0])
    council.approve(proposal_id, targets, payloads, sender=members[2])
    # Two approvals, but the delay has not passed.
    with ape.reverts(NOT_READY):
        council.execute(proposal_id, targets, payloads, sender=members[0])
    # Nobody can go around the council and the timelock.
    for who in [*members, issuer, accounts[0]]:
        with ape.reverts("credential: not admin"):
            registry.force_revoke(token, "fraud", sender=who)
    with ape.reverts(ROLE_MISSING):
        system.timelock.execute_batch(
            targets, [0], payloads, b"\x00" * 32, proposal_id.to_bytes(32, "big"), sender=members[0]
        )
    chain.pending_timestamp += DELAY
    tx = council.execute(proposal_id, targets, payloads, sender=members[1])
    [revoked] = registry.CredentialRevoked.from_receipt(tx)
    assert (revoked.token_id, revoked.reason) == (token, "fraud: impersonation")
    assert registry.status_of(token) == Status.REVOKED


def test_flow__threshold_one_schedules_at_proposal(
    gov: Governance, system: Any, chain: Any, members: list[Any]
) -> None:
    enact(gov, chain, members, "council", "set_threshold", 1)
    assert system.council.threshold() == 1
    proposal_id = propose(gov, members[2], "registry", "unpause")
    assert system.council.proposal_state(proposal_id) == State.QUEUED


# Refusals


def test_propose__refusals(gov: Governance, system: Any, members: list[Any], accounts: Any) -> None:
    council = system.council
    targets, payloads = calls_of(gov, "registry", "unpause")
    with ape.reverts("council: not member"):
        council.propose(targets, payloads, "x", sender=accounts[5])
    with ape.reverts("council: no calls"):
        council.propose([], [], "x", sender=members[0])
    with ape.reverts("council: length mismatch"):
        council.propose(targets, payloads * 2, "x", sender=members[0])
    with ape.reverts("council: zero address"):
        council.propose([ZERO_ADDRESS], payloads, "x", sender=members[0])


def test_approve__refusals(gov: Governance, system: Any, members: list[Any], accounts: Any) -> None:
    council = system.council
    targets, payloads = calls_of(gov, "registry", "unpause")
    proposal_id = propose(gov, members[0], "registry", "unpause")
    with ape.reverts("council: not member"):
        council.approve(proposal_id, targets, payloads, sender=accounts[5])
    with ape.reverts("council: already approved"):
        council.approve(proposal_id, targets, payloads, sender=members[0])
    with ape.reverts("council: unknown proposal"):
        council.approve(proposal_id + 1, targets, payloads, sender=members[1])
    other_targets, other_payloads = calls_of(gov, "registry", "pause")
    with ape.reverts("council: calls differ"):
        council.approve(proposal_id, other_targets, other_payloads, sender=members[1])
    council.approve(proposal_id, targets, payloads, sender=members[1])
    with ape.reverts("council: already scheduled"):
        council.approve(proposal_id, targets, payloads, sender=members[2])


def test_execute__refusals(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    council = system.council
    targets, payloads = calls_of(gov, "registry", "pause")
    proposal_id = propose(gov, members[0], "registry", "pause")
    council.approve(proposal_id, targets, payloads, sender=members[1])
    chain.pending_timestamp += DELAY
    with ape.reverts("council: not member"):
        council.execute(proposal_id, targets, payloads, sender=accounts[5])
    other_targets, other_payloads = calls_of(gov, "registry", "unpause")
    with ape.reverts("council: calls differ"):
        council.execute(proposal_id, other_targets, other_payloads, sender=members[0])
    with ape.reverts("council: unknown proposal"):
        council.execute(99, targets, payloads, sender=members[0])


def test_execute__failing_call_reverts_and_can_run_later(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    """A call that reverts at execution (unpause while running) leaves the
    proposal ready; once the registry is paused, it runs."""
    council, registry = system.council, system.registry
    targets, payloads = calls_of(gov, "registry", "unpause")
    proposal_id = propose(gov, members[0], "registry", "unpause")
    council.approve(proposal_id, targets, payloads, sender=members[1])
    chain.pending_timestamp += DELAY
    with ape.reverts("credential: not paused"):
        council.execute(proposal_id, targets, payloads, sender=members[0])
    assert council.proposal_state(proposal_id) == State.READY
    registry.pause(sender=accounts[9])
    council.execute(proposal_id, targets, payloads, sender=members[0])
    assert registry.paused() is False


def test_members__only_through_the_timelock(system: Any, members: list[Any], accounts: Any) -> None:
    council = system.council
    for fn, arg in (
        (council.add_member, accounts[5]),
        (council.remove_member, members[0]),
        (council.set_threshold, 1),
    ):
        with ape.reverts("council: only timelock"):
            fn(arg, sender=members[0])
    with ape.reverts("timelock_controller: caller must be timelock"):
        system.timelock.update_delay(0, sender=members[0])


def test_members__change_makes_pending_proposals_stale(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    council = system.council
    targets, payloads = calls_of(gov, "registry", "pause")
    pending = propose(gov, members[0], "registry", "pause")
    enact(gov, chain, members, "council", "add_member", accounts[5].address)
    assert council.is_member(accounts[5])
    assert len(council.member_list()) == 4
    assert council.proposal_state(pending) == State.STALE
    with ape.reverts("council: proposal stale"):
        council.approve(pending, targets, payloads, sender=members[1])
    enact(gov, chain, members, "council", "remove_member", members[2].address)
    assert not council.is_member(members[2])
    assert council.member_list() == [members[0].address, members[1].address, accounts[5].address]
    with ape.reverts("council: not member"):
        council.propose(targets, payloads, "x", sender=members[2])


def test_members__threshold_stays_reachable(
    gov: Governance, system: Any, chain: Any, members: list[Any]
) -> None:
    council = system.council
    enact(gov, chain, members, "council", "remove_member", members[2].address)
    # Two members left, threshold two: removing another would lock the council.
    targets, payloads = calls_of(gov, "council", "remove_member", members[1].address)
    proposal_id = propose(gov, members[0], "council", "remove_member", members[1].address)
    council.approve(proposal_id, targets, payloads, sender=members[1])
    chain.pending_timestamp += DELAY
    with ape.reverts("council: threshold above members"):
        council.execute(proposal_id, targets, payloads, sender=members[0])
    targets, payloads = calls_of(gov, "council", "set_threshold", 3)
    proposal_id = propose(gov, members[0], "council", "set_threshold", 3)
    council.approve(proposal_id, targets, payloads, sender=members[1])
    chain.pending_timestamp += DELAY
    with ape.reverts("council: bad threshold"):
        council.execute(proposal_id, targets, payloads, sender=members[0])


def test_delay__changes_only_through_a_proposal(
    gov: Governance, system: Any, chain: Any, members: list[Any]
) -> None:
    enact(gov, chain, members, "timelock", "update_delay", 3 * DAY)
    assert system.timelock.get_minimum_delay() == 3 * DAY


# Pause asymmetry under governance


def test_pause__guardian_at_once_only_governance_unpauses(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    registry, guardian = system.registry, accounts[9]
    registry.pause(sender=guardian)
    assert registry.paused()
    for who in [guardian, *members, accounts[0]]:
        with ape.reverts("credential: not admin"):
            registry.unpause(sender=who)
    for who in [*members, accounts[0], accounts[2]]:
        with ape.reverts("credential: not guardian"):
            registry.pause(sender=who)
    enact(gov, chain, members, "registry", "unpause")
    assert not registry.paused()


def test_operation_ids_match_the_timelock(
    gov: Governance, system: Any, chain: Any, members: list[Any]
) -> None:
    """The council computes the timelock's operation ids itself (one call:
    `schedule`; several: `schedule_batch`); both must be the timelock's."""
    council, timelock = system.council, system.timelock
    one = [gov.encode("registry", "pause", [])]
    two = [*one, gov.encode("registry", "unpause", [])]
    for calls in (one, two):
        targets, payloads = [c.target for c in calls], [c.payload for c in calls]
        proposal_id = gov.propose(calls, "ids", members[0])
        salt = proposal_id.to_bytes(32, "big")
        zero = b"\x00" * 32
        expected = (
            timelock.hash_operation(targets[0], 0, payloads[0], zero, salt)
            if len(calls) == 1
            else timelock.hash_operation_batch(targets, [0] * len(calls), payloads, zero, salt)
        )
        assert council.proposal(proposal_id).operation_id == expected
        council.approve(proposal_id, targets, payloads, sender=members[1])
        assert timelock.is_operation_pending(expected)
    chain.pending_timestamp += DELAY
    # The two-call proposal pauses then unpauses, in order, in one transaction.
    calls = two
    targets, payloads = [c.target for c in calls], [c.payload for c in calls]
    tx = council.execute(council.proposal_count(), targets, payloads, sender=members[2])
    assert [e.account for e in system.registry.Paused.from_receipt(tx)] == [timelock.address]
    assert [e.account for e in system.registry.Unpaused.from_receipt(tx)] == [timelock.address]
    assert not system.registry.paused()


# Cancel and expiry (issue 12, finding 2)

GRACE = 14 * DAY
MONTH = 30 * DAY


def schedule(gov: Governance, members: list[Any], target: str, fn: str, *args: Any) -> int:
    """A proposal by members[0], approved by members[1]: scheduled."""
    proposal_id = propose(gov, members[0], target, fn, *args)
    gov.council.approve(proposal_id, *calls_of(gov, target, fn, *args), sender=members[1])
    return proposal_id


def test_leftover__identical_unpause_is_no_standing_bypass(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    """Two identical unpause proposals passed at once: the second fails after
    the first and stays ready. A month later the guardian pauses on a
    suspected key leak; one member must not lift the pause with the old
    operation."""
    council, registry, guardian = system.council, system.registry, accounts[9]
    registry.pause(sender=guardian)
    targets, payloads = calls_of(gov, "registry", "unpause")
    first = schedule(gov, members, "registry", "unpause")
    second = schedule(gov, members, "registry", "unpause")
    chain.pending_timestamp += DELAY
    council.execute(first, targets, payloads, sender=members[0])
    with ape.reverts("credential: not paused"):
        council.execute(second, targets, payloads, sender=members[0])
    assert council.proposal_state(second) == State.READY

    chain.pending_timestamp += MONTH
    registry.pause(sender=guardian)
    with ape.reverts("council: expired"):
        council.execute(second, targets, payloads, sender=members[2])
    assert registry.paused()
    assert council.proposal_state(second) == State.EXPIRED


def test_leftover__one_member_cancels_it(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    council, registry, timelock = system.council, system.registry, system.timelock
    registry.pause(sender=accounts[9])
    targets, payloads = calls_of(gov, "registry", "unpause")
    first = schedule(gov, members, "registry", "unpause")
    second = schedule(gov, members, "registry", "unpause")
    chain.pending_timestamp += DELAY
    council.execute(first, targets, payloads, sender=members[0])
    operation_id = council.proposal(second).operation_id
    tx = council.cancel(second, targets, payloads, sender=members[2])
    [cancelled] = council.ProposalCancelled.from_receipt(tx)
    assert (cancelled.proposal_id, cancelled.operation_id) == (second, operation_id)
    assert cancelled.member == members[2].address
    assert council.proposal_state(second) == State.CANCELLED
    assert not timelock.is_operation(operation_id)
    registry.pause(sender=accounts[9])
    with ape.reverts("council: cancelled"):
        council.execute(second, targets, payloads, sender=members[0])
    assert registry.paused()


def test_cancel__wrong_grant_stopped_during_the_delay(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    """A grant found wrong while the delay runs is stopped by one member;
    the same calls can then be proposed again and pass."""
    council, registry, timelock = system.council, system.registry, system.timelock
    wrong = accounts[6]
    args = ("registry", "grantRole", "ISSUER_ROLE", wrong.address)
    targets, payloads = calls_of(gov, *args)
    proposal_id = schedule(gov, members, *args)
    assert council.proposal_state(proposal_id) == State.QUEUED
    operation_id = council.proposal(proposal_id).operation_id
    assert timelock.is_operation_pending(operation_id)

    council.cancel(proposal_id, targets, payloads, sender=members[2])
    assert council.proposal_state(proposal_id) == State.CANCELLED
    assert council.ready_at(proposal_id) == 0
    assert not timelock.is_operation(operation_id)
    chain.pending_timestamp += DELAY
    with ape.reverts("council: cancelled"):
        council.execute(proposal_id, targets, payloads, sender=members[0])
    with ape.reverts("council: already cancelled"):
        council.cancel(proposal_id, targets, payloads, sender=members[0])
    assert not registry.hasRole(registry.ISSUER_ROLE(), wrong)

    again = schedule(gov, members, *args)
    assert again != proposal_id
    chain.pending_timestamp += DELAY
    council.execute(again, targets, payloads, sender=members[0])
    assert registry.hasRole(registry.ISSUER_ROLE(), wrong)


def test_cancel__an_approving_proposal(gov: Governance, system: Any, members: list[Any]) -> None:
    """Cancelled before it reached the threshold: no approval schedules it
    any more, and the timelock never heard of it."""
    council, timelock = system.council, system.timelock
    targets, payloads = calls_of(gov, "registry", "pause")
    proposal_id = propose(gov, members[0], "registry", "pause")
    assert council.proposal_state(proposal_id) == State.APPROVING
    tx = council.cancel(proposal_id, targets, payloads, sender=members[1])
    assert council.ProposalCancelled.from_receipt(tx)[0].proposal_id == proposal_id
    assert council.proposal_state(proposal_id) == State.CANCELLED
    with ape.reverts("council: cancelled"):
        council.approve(proposal_id, targets, payloads, sender=members[1])
    with ape.reverts("council: cancelled"):
        council.execute(proposal_id, targets, payloads, sender=members[1])
    assert not timelock.is_operation(council.proposal(proposal_id).operation_id)


def test_cancel__refusals(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    council = system.council
    targets, payloads = calls_of(gov, "registry", "pause")
    proposal_id = schedule(gov, members, "registry", "pause")
    with ape.reverts("council: not member"):
        council.cancel(proposal_id, targets, payloads, sender=accounts[5])
    with ape.reverts("council: unknown proposal"):
        council.cancel(99, targets, payloads, sender=members[0])
    other_targets, other_payloads = calls_of(gov, "registry", "unpause")
    with ape.reverts("council: calls differ"):
        council.cancel(proposal_id, other_targets, other_payloads, sender=members[0])
    # Nobody goes around the council to the timelock's cancel.
    with ape.reverts(ROLE_MISSING):
        system.timelock.cancel(council.proposal(proposal_id).operation_id, sender=members[0])
    chain.pending_timestamp += DELAY
    council.execute(proposal_id, targets, payloads, sender=members[0])
    with ape.reverts("council: already executed"):
        council.cancel(proposal_id, targets, payloads, sender=members[0])
    # A stale proposal can never run: nothing to cancel.
    stale = propose(gov, members[0], "registry", "unpause")
    enact(gov, chain, members, "council", "set_threshold", 3)
    assert council.proposal_state(stale) == State.STALE
    with ape.reverts("council: proposal stale"):
        council.cancel(stale, other_targets, other_payloads, sender=members[0])


def test_cancel__a_member_cannot_veto_their_own_removal(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    """The veto is one member's; a member the others remove cannot use it
    to keep their seat (alone or with another member removed alongside)."""
    council = system.council
    gone, other = members[2], members[1]
    removal = [
        gov.encode("registry", "pause", []),
        gov.encode("council", "remove_member", [gone.address]),
    ]
    targets, payloads = [c.target for c in removal], [c.payload for c in removal]
    proposal_id = gov.propose(removal, "remove a leaked key", members[0])
    with ape.reverts("council: own removal"):
        council.cancel(proposal_id, targets, payloads, sender=gone)
    council.approve(proposal_id, targets, payloads, sender=other)
    with ape.reverts("council: own removal"):
        council.cancel(proposal_id, targets, payloads, sender=gone)
    chain.pending_timestamp += DELAY
    council.execute(proposal_id, targets, payloads, sender=members[0])
    assert not council.is_member(gone)
    # Anyone else's veto still stops a removal.
    call = gov.encode("council", "remove_member", [other.address])
    proposal_id = gov.propose([call], "remove", members[0])
    council.cancel(proposal_id, [call.target], [call.payload], sender=members[0])
    assert council.proposal_state(proposal_id) == State.CANCELLED


def test_cancel__own_removal_with_trailing_bytes_is_still_refused(
    gov: Governance, system: Any, chain: Any, members: list[Any]
) -> None:
    """`remove_member` ignores calldata past its argument, so a removal
    with bytes appended still removes: the member named cannot veto it."""
    council = system.council
    gone = members[2]
    payload = bytes(gov.encode("council", "remove_member", [gone.address]).payload) + b"\x00" * 32
    targets, payloads = [council.address], [payload]
    council.propose(targets, payloads, "remove, padded", sender=members[0])
    proposal_id = council.proposal_count()
    with ape.reverts("council: own removal"):
        council.cancel(proposal_id, targets, payloads, sender=gone)
    council.approve(proposal_id, targets, payloads, sender=members[1])
    chain.pending_timestamp += DELAY
    council.execute(proposal_id, targets, payloads, sender=members[0])
    assert not council.is_member(gone)


def test_expiry__grace_period_after_ready_at(
    gov: Governance, system: Any, chain: Any, members: list[Any], accounts: Any
) -> None:
    council, registry = system.council, system.registry
    assert council.grace_period() == GRACE
    targets, payloads = calls_of(gov, "registry", "pause")
    proposal_id = propose(gov, members[0], "registry", "pause")
    tx = council.approve(proposal_id, targets, payloads, sender=members[1])
    [scheduled] = council.ProposalScheduled.from_receipt(tx)
    assert scheduled.expires_at == scheduled.ready_at + GRACE
    assert council.proposal(proposal_id).expires_at == scheduled.expires_at
    chain.pending_timestamp = scheduled.expires_at - 1
    chain.mine()
    assert council.proposal_state(proposal_id) == State.READY
    chain.mine()
    assert chain.blocks.head.timestamp == scheduled.expires_at
    assert council.proposal_state(proposal_id) == State.EXPIRED
    with ape.reverts("council: expired"):
        council.execute(proposal_id, targets, payloads, sender=members[0])
    assert not registry.paused()
    # The same calls may be proposed again; the expired one may be cancelled
    # (the timelock forgets its operation).
    again = schedule(gov, members, "registry", "pause")
    council.cancel(proposal_id, targets, payloads, sender=members[2])
    assert not system.timelock.is_operation(council.proposal(proposal_id).operation_id)
    chain.pending_timestamp += DELAY
    council.execute(again, targets, payloads, sender=members[2])
    assert registry.paused()


def test_expiry__last_second_runs(
    gov: Governance, system: Any, chain: Any, members: list[Any]
) -> None:
    council = system.council
    targets, payloads = calls_of(gov, "registry", "pause")
    proposal_id = schedule(gov, members, "registry", "pause")
    chain.pending_timestamp = council.proposal(proposal_id).expires_at - 1
    council.execute(proposal_id, targets, payloads, sender=members[0])
    assert council.proposal_state(proposal_id) == State.EXECUTED


def test_grace_period__only_through_the_timelock_within_bounds(
    gov: Governance, system: Any, chain: Any, members: list[Any]
) -> None:
    council = system.council
    with ape.reverts("council: only timelock"):
        council.set_grace_period(DAY, sender=members[0])
    for bad in (DAY - 1, council.MAX_GRACE_PERIOD() + 1):
        targets, payloads = calls_of(gov, "council", "set_grace_period", bad)
        proposal_id = schedule(gov, members, "council", "set_grace_period", bad)
        chain.pending_timestamp += DELAY
        with ape.reverts("council: bad grace period"):
            council.execute(proposal_id, targets, payloads, sender=members[0])
    epoch = council.epoch()
    tx = enact(gov, chain, members, "council", "set_grace_period", DAY)
    assert council.GracePeriodChanged.from_receipt(tx)[0].grace_period == DAY
    assert council.grace_period() == DAY
    # Who approves is unchanged: proposals gathering approvals stay valid.
    assert council.epoch() == epoch


def test_grace_period__fixed_when_scheduled(
    gov: Governance, system: Any, chain: Any, members: list[Any]
) -> None:
    """Raising the grace period does not revive a proposal that expired, nor
    extend one already scheduled; lowering it cuts none short."""
    council = system.council
    targets, payloads = calls_of(gov, "registry", "pause")
    old = schedule(gov, members, "registry", "pause")
    old_expiry = council.proposal(old).expires_at
    chain.pending_timestamp = old_expiry
    enact(gov, chain, members, "council", "set_grace_period", 60 * DAY)
    assert council.proposal_state(old) == State.EXPIRED
    with ape.reverts("council: expired"):
        council.execute(old, targets, payloads, sender=members[0])
    queued = schedule(gov, members, "registry", "pause")
    assert council.proposal(queued).expires_at == council.ready_at(queued) + 60 * DAY
    enact(gov, chain, members, "council", "set_grace_period", DAY)
    chain.pending_timestamp += 30 * DAY
    assert council.proposal_state(queued) == State.READY
    council.execute(queued, targets, payloads, sender=members[0])
