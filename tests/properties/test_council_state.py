"""Stateful property test of governance: random members and outsiders drive
the council (2 of 3, a 100 s timelock delay) over the registry it governs; a
Python model (``council_model.py``) predicts every outcome, and the chain
must agree after every step.

Proposals are random small lists of calls: pause, unpause, grant or revoke
ISSUER_ROLE on the registry, and the council's own add_member,
remove_member, set_threshold and set_grace_period (in and out of bounds),
with duplicates of earlier proposals' calls. Members and outsiders propose,
approve, execute and cancel, with the right calls and wrong ones; time moves
in small steps and jumps to a proposal's ready_at and expiry (and the second
before each).

Checked:
- every call reverts exactly when the model says, with its exact message,
  and a refused call changes nothing;
- `proposal_state`, `ready_at`, the stored record (proposer, epoch,
  approvals, expires_at) and the timelock's timestamp of each proposal;
  members in order, threshold, epoch, grace period; the registry's pause
  flag and issuers;
- no call runs without the threshold's approvals from members of the
  proposal's epoch and the delay; nothing runs at or after its expiry; a
  cancelled proposal never runs (its timelock operation is gone); a member
  can never cancel a proposal that removes them; no one but the council
  reaches the timelock, and no one but the timelock the council's settings
  or the registry's admin functions;
- every proposal, even of the same calls, has a new id and a new timelock
  operation, the one the timelock computes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import boa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
)

from tests.constants import ROLE_MISSING, ZERO_ADDRESS
from tests.properties.council_model import (
    ACTOR_COUNT,
    APPROVING,
    CANCELLED,
    CANDIDATE,
    DELAY,
    DONE,
    EXECUTED,
    EXPIRED,
    GRACES,
    GUARDIAN,
    MEMBERS_AT_START,
    QUEUED,
    READY,
    STRANGER,
    SUBJECTS,
    THRESHOLD_AT_START,
    Call,
    CouncilModel,
    removes,
)
from tests.properties.machine import ChainMachine

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
COUNCIL = boa.load_partial(str(CONTRACTS / "Council.vy"))
TIMELOCK = boa.load_partial(str(CONTRACTS / "Timelock.vy"))
REGISTRY = boa.load_partial(str(CONTRACTS / "CredentialRegistry.vy"))
RENDERER = boa.load_partial(str(CONTRACTS / "CredentialRenderer.vy"))

actors = st.integers(0, ACTOR_COUNT - 1)
subjects = st.sampled_from(SUBJECTS)
# One call a proposal makes: ISSUER_ROLE grants and revocations (which
# always succeed) first, as Hypothesis leans to the first choices; then the
# registry's pause and unpause (identical proposals collide on them), then
# the council's own settings.
calls = st.one_of(
    st.builds(lambda f, a: ("registry", f, a), st.sampled_from(["grant", "revoke"]), subjects),
    st.sampled_from([("registry", "unpause", 0), ("registry", "pause", 0)]),
    st.builds(
        lambda a: ("council", "add_member", a),
        st.sampled_from([CANDIDATE, STRANGER, *MEMBERS_AT_START]),
    ),
    st.builds(lambda a: ("council", "remove_member", a), subjects),
    st.builds(lambda a: ("council", "set_threshold", a), st.integers(0, 4)),
    st.builds(lambda a: ("council", "set_grace_period", a), st.sampled_from(GRACES)),
)


class World:
    """The council, its timelock and the registry it administers, deployed
    once; every example rolls the chain back to here."""

    def __init__(self) -> None:
        self.addresses = [
            boa.env.generate_address(f"council actor {i}") for i in range(ACTOR_COUNT)
        ]
        # The council needs the timelock's address and the timelock the
        # council's: the timelock is put at an address chosen first.
        timelock_address = boa.env.generate_address("council timelock")
        self.council = COUNCIL.deploy(
            [self.addresses[i] for i in MEMBERS_AT_START], THRESHOLD_AT_START, timelock_address
        )
        self.timelock = TIMELOCK.deploy(
            DELAY,
            [self.council.address],
            [self.council.address],
            ZERO_ADDRESS,
            override_address=timelock_address,
        )
        renderer = RENDERER.deploy()
        self.registry = REGISTRY.deploy(
            "credstack", "CRED", self.timelock.address, renderer.address, self.addresses[GUARDIAN]
        )
        self.issuer_role = self.registry.ISSUER_ROLE()
        self.executor_role = self.timelock.EXECUTOR_ROLE()


WORLD = World()


class CouncilMachine(ChainMachine):
    actors = actors

    def __init__(self) -> None:
        super().__init__()
        self.addr = WORLD.addresses
        self.council = WORLD.council
        self.timelock = WORLD.timelock
        self.reg = WORLD.registry
        self.m = CouncilModel()
        self.operation_ids: dict[int, bytes] = {}
        self.payloads: dict[Call, tuple[str, bytes]] = {}
        # Proposals a step acted on (checked in full after it) and each
        # proposal's state as last compared with the chain.
        self.touched: set[int] = set()
        self.tried: set[int] = set()
        self.seen: dict[int, int] = {}
        self.governance_changed = False

    def check_at_end(self) -> None:
        self.check_proposals(list(self.m.proposals), full=True)
        self.check_governance()
        self.check_approvals()

    # helpers #

    def encode(self, call: Call) -> tuple[str, bytes]:
        """The target address and calldata of a call."""
        if call not in self.payloads:
            contract, function, arg = call
            if contract == "registry":
                if function in ("pause", "unpause"):
                    payload = getattr(self.reg, function).prepare_calldata()
                else:
                    fn = self.reg.grantRole if function == "grant" else self.reg.revokeRole
                    payload = fn.prepare_calldata(WORLD.issuer_role, self.addr[arg])
                target = self.reg.address
            else:
                value = self.addr[arg] if function.endswith("member") else arg
                payload = getattr(self.council, function).prepare_calldata(value)
                target = self.council.address
            self.payloads[call] = (str(target), payload)
        return self.payloads[call]

    def arrays(self, calls: tuple[Call, ...], mismatch: bool = False) -> tuple[list, list]:
        """`targets` and `payloads` for the calls; with `mismatch`, one
        payload fewer than targets."""
        encoded = [self.encode(c) for c in calls]
        targets, payloads = [t for t, _ in encoded], [p for _, p in encoded]
        return targets, payloads[:-1] if mismatch else payloads

    def digest(self) -> int:
        """What a refused call must leave alone, besides what `chain_agrees`
        compares with the model after every step (the epoch, the pause flag
        and every proposal the step touched)."""
        return int(self.council.proposal_count())

    def pick_proposal(self, data: st.DataObject, states: tuple[int, ...]) -> int:
        """Mostly a proposal in one of `states` (each state present as likely
        as the others), if any; else any known one, or now and then one never
        created."""
        now = self.now
        by_state: dict[int, list[int]] = {}
        for i in self.m.proposals:
            state = self.m.state(i, now)
            if state in states:
                by_state.setdefault(state, []).append(i)
        if by_state and data.draw(st.integers(0, 3), label="any proposal") < 3:
            # In the order given: Hypothesis leans to the first.
            present = [state for state in states if state in by_state]
            state = data.draw(st.sampled_from(present), label="state")
            proposal_id = data.draw(st.sampled_from(by_state[state]), label="proposal")
        elif self.m.proposals and data.draw(st.integers(0, 9), label="unknown") < 9:
            proposal_id = data.draw(st.sampled_from(list(self.m.proposals)), label="proposal")
        else:
            proposal_id = len(self.m.proposals) + 1
        self.tried.add(proposal_id)
        return proposal_id

    def pick_calls(self, data: st.DataObject, proposal_id: int) -> tuple[tuple[Call, ...], bool]:
        """Mostly the proposal's own calls; else another proposal's (maybe
        the same), its own with one call changed, or one payload short."""
        own = self.m.proposals[proposal_id].calls if proposal_id in self.m.proposals else None
        how = data.draw(st.sampled_from(["own"] * 6 + ["other", "changed", "short"]), label="calls")
        if own is None or how == "other":
            pool = [p.calls for p in self.m.proposals.values()]
            if pool:
                return data.draw(st.sampled_from(pool), label="other calls"), False
            return (data.draw(calls, label="call"),), False
        if how == "changed":
            i = data.draw(st.integers(0, len(own) - 1), label="changed at")
            new = data.draw(calls, label="changed to")
            return (*own[:i], new, *own[i + 1 :]), False
        return own, how == "short"

    def any_in(self, states: tuple[int, ...]) -> bool:
        """Whether some proposal is in one of `states` (the rules that act
        on proposals wait for one; they still try others now and then)."""
        now = self.now
        return any(self.m.state(i, now) in states for i in self.m.proposals)

    def members(self) -> list[int]:
        return list(self.m.gov.members)

    # set-up: every example starts with a proposal (approving or scheduled)
    # and often a second of the same calls, so that the steps act on live
    # proposals from the first one.

    @initialize(
        first=st.lists(calls, min_size=1, max_size=2),
        schedule=st.sampled_from([0, 1, 2]),
        duplicate=st.booleans(),
    )
    def seed(self, first: list[Call], schedule: int, duplicate: bool) -> None:
        """Member 0 proposes; member 1 approves unless `schedule` is 0. With
        `duplicate`, member 2 proposes the same calls, and member 0 approves
        them too if `schedule` is 2: two identical operations scheduled."""
        proposal_calls = tuple(first)
        targets, payloads = self.arrays(proposal_calls)
        steps = [(0, None), (1, 1)] if schedule else [(0, None)]
        if duplicate:
            steps += [(2, None), (0, 2)] if schedule == 2 else [(2, None)]
        for actor, approves in steps:
            if approves is None:
                proposal_id = self.call(actor, None, self.council.propose, targets, payloads, "")
                assert proposal_id == self.m.record_propose(actor, proposal_calls, self.now)
                self.record_operation(proposal_id, targets, payloads)
                self.touched.add(proposal_id)
            else:
                self.call(actor, None, self.council.approve, approves, targets, payloads)
                self.m.record_approve(actor, approves, self.now)

    # rules: proposals #

    @rule(
        data=st.data(),
        how=st.sampled_from(["fresh"] * 3 + ["repeat"] * 2 + ["removal", "grace", "bad"]),
    )
    def propose(self, data: st.DataObject, how: str) -> None:
        actor = self.pick_actor(data, self.members())
        shape = "ok"
        if how == "repeat" and self.m.proposals:
            earlier = data.draw(st.sampled_from(list(self.m.proposals)), label="repeat of")
            proposal_calls = self.m.proposals[earlier].calls
        elif how == "removal":
            member = data.draw(st.sampled_from(SUBJECTS), label="removed")
            extra = data.draw(st.lists(calls, max_size=1), label="with")
            proposal_calls = (("council", "remove_member", member), *extra)
        elif how == "grace":
            grace = data.draw(st.sampled_from(GRACES), label="grace")
            proposal_calls = (("council", "set_grace_period", grace),)
        else:
            proposal_calls = tuple(
                data.draw(st.lists(calls, min_size=1, max_size=3), label="calls")
            )
            if how == "bad":
                shape = data.draw(st.sampled_from(["empty", "mismatch", "zero"]), label="shape")
        targets, payloads = self.arrays(proposal_calls, mismatch=shape == "mismatch")
        if shape == "empty":
            targets, payloads = [], []
        elif shape == "zero":
            targets[-1] = ZERO_ADDRESS
        error = self.m.propose_error(actor, shape)
        proposal_id = self.call(actor, error, self.council.propose, targets, payloads, "why")
        if error is None:
            assert proposal_id == self.m.record_propose(actor, proposal_calls, self.now)
            self.touched.add(proposal_id)
            self.record_operation(proposal_id, targets, payloads)

    def record_operation(self, proposal_id: int, targets: list, payloads: list) -> None:
        """The proposal's operation is the timelock's hash of its calls with
        the proposal id as salt: new for every proposal, even of the same
        calls."""
        operation_id = self.council.proposal(proposal_id).operation_id
        salt = proposal_id.to_bytes(32, "big")
        if len(targets) == 1:
            expected = self.timelock.hash_operation(targets[0], 0, payloads[0], b"\x00" * 32, salt)
        else:
            expected = self.timelock.hash_operation_batch(
                targets, [0] * len(targets), payloads, b"\x00" * 32, salt
            )
        assert operation_id == expected
        assert operation_id not in self.operation_ids.values()
        self.operation_ids[proposal_id] = operation_id

    @precondition(lambda self: self.any_in((APPROVING,)))
    @rule(data=st.data())
    def approve(self, data: st.DataObject) -> None:
        proposal_id = self.pick_proposal(data, (APPROVING,))
        p = self.m.proposals.get(proposal_id)
        pending = [a for a in self.members() if p is None or a not in p.approvals]
        actor = self.pick_actor(data, pending)
        proposal_calls, mismatch = self.pick_calls(data, proposal_id)
        error = self.m.approve_error(actor, proposal_id, proposal_calls, mismatch)
        targets, payloads = self.arrays(proposal_calls, mismatch)
        self.call(actor, error, self.council.approve, proposal_id, targets, payloads)
        if error is None:
            self.m.record_approve(actor, proposal_id, self.now)
            self.touched.add(proposal_id)
            assert self.council.approved(proposal_id, self.addr[actor])

    @precondition(lambda self: self.any_in((APPROVING,)))
    @rule(data=st.data())
    def enact(self, data: st.DataObject) -> None:
        """The whole way in one step: the members who have not approved a
        proposal approve it until it is scheduled; then, often, time moves
        to its ready_at and a member executes it."""
        now = self.now
        approving = [i for i in self.m.proposals if self.m.state(i, now) == APPROVING]
        proposal_id = data.draw(st.sampled_from(approving), label="proposal")
        self.touched.add(proposal_id)
        p = self.m.proposals[proposal_id]
        targets, payloads = self.arrays(p.calls)
        for actor in self.members():
            if p.expires_at != 0:
                break
            if actor in p.approvals:
                continue
            error = self.m.approve_error(actor, proposal_id, p.calls, False)
            assert error is None
            self.call(actor, None, self.council.approve, proposal_id, targets, payloads)
            self.m.record_approve(actor, proposal_id, self.now)
        self.execute_as(data, proposal_id, p.calls, False)

    @precondition(lambda self: self.any_in((READY, QUEUED)))
    @rule(data=st.data())
    def execute(self, data: st.DataObject) -> None:
        """Mostly a proposal that may run now or after its delay (expired
        ones are tried as any other known proposal, and by waiting until a
        proposal's expiry)."""
        proposal_id = self.pick_proposal(data, (READY, QUEUED))
        proposal_calls, mismatch = self.pick_calls(data, proposal_id)
        self.execute_as(data, proposal_id, proposal_calls, mismatch)

    def execute_as(
        self,
        data: st.DataObject,
        proposal_id: int,
        proposal_calls: tuple[Call, ...],
        mismatch: bool,
    ) -> None:
        """Often waits for the proposal's ready_at (or a second around it or
        its expiry); then someone, mostly a member, executes it."""
        self.wait_for(data, proposal_id)
        actor = self.pick_actor(data, self.members())
        now = self.now
        error = self.m.execute_error(actor, proposal_id, proposal_calls, mismatch, now)
        targets, payloads = self.arrays(proposal_calls, mismatch)
        self.call(actor, error, self.council.execute, proposal_id, targets, payloads)
        if error is None:
            # The safety rules, asserted on the history itself: approved by
            # the threshold's members of its epoch, the delay passed since,
            # not expired, not cancelled, run once.
            p = self.m.proposals[proposal_id]
            assert p.scheduled_at is not None and p.expires_at > DONE
            assert len(p.scheduled_by) >= p.threshold_at_schedule >= 1
            assert p.scheduled_at + DELAY == p.timelock_at <= now < p.expires_at
            self.m.record_execute(proposal_id)
            self.touched.add(proposal_id)
            self.governance_changed = True

    @precondition(lambda self: self.any_in((APPROVING, QUEUED, READY, EXPIRED)))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        proposal_id = self.pick_proposal(data, (APPROVING, QUEUED, READY, EXPIRED))
        p = self.m.proposals.get(proposal_id)
        # Now and then the member a proposal removes tries to veto it.
        removed = [a for a in self.members() if p and any(removes(c, a) for c in p.calls)]
        if removed and data.draw(st.booleans(), label="removed member vetoes"):
            actor = data.draw(st.sampled_from(removed), label="actor")
        else:
            actor = self.pick_actor(data, self.members())
        proposal_calls, mismatch = self.pick_calls(data, proposal_id)
        error = self.m.cancel_error(actor, proposal_id, proposal_calls, mismatch)
        targets, payloads = self.arrays(proposal_calls, mismatch)
        self.call(actor, error, self.council.cancel, proposal_id, targets, payloads)
        if error is None:
            assert p is not None
            assert not any(removes(c, actor) for c in p.calls)
            self.m.record_cancel(proposal_id)
            self.touched.add(proposal_id)
            # The timelock forgets the operation: it can never run.
            assert not self.timelock.is_operation(self.operation_ids[proposal_id])

    def wait_for(self, data: st.DataObject, proposal_id: int) -> None:
        """Often moves time to the proposal's ready_at first (or to a second
        around it or its expiry), if that is ahead."""
        p = self.m.proposals.get(proposal_id)
        if p is None or p.expires_at <= DONE or p.timelock_at == DONE:
            return
        when = data.draw(
            st.sampled_from(
                ["ready", "now", "ready", "ready - 1", "ready", "expiry - 1", "expiry"]
            ),
            label="wait until",
        )
        at = {
            "now": self.now,
            "ready": p.timelock_at,
            "ready - 1": p.timelock_at - 1,
            "expiry - 1": p.expires_at - 1,
            "expiry": p.expires_at,
        }[when]
        if at > self.now:
            boa.env.timestamp = at

    # rules: outsiders #

    @rule(data=st.data(), call=calls)
    def bypass(self, data: st.DataObject, call: Call) -> None:
        """Anyone (a member too) calls the governed contracts or the
        timelock directly: only the timelock may change the council or
        administer the registry, only the council reaches the timelock."""
        actor = data.draw(actors, label="actor")
        way = data.draw(st.sampled_from(["direct", "execute", "schedule", "cancel"]), label="way")
        target, payload = self.encode(call)
        if way == "direct":
            contract, function, arg = call
            if contract == "council":
                fn = getattr(self.council, function)
                value = self.addr[arg] if function.endswith("member") else arg
                self.call(actor, "council: only timelock", fn, value)
            elif function == "unpause":
                self.call(actor, "credential: not admin", self.reg.unpause)
            elif function == "pause":
                # The guardian may pause at once (if not paused already).
                if actor != GUARDIAN:
                    self.call(actor, "credential: not guardian", self.reg.pause)
                else:
                    self.guardian_pause()
            else:
                fn = self.reg.grantRole if function == "grant" else self.reg.revokeRole
                self.call(actor, ROLE_MISSING, fn, WORLD.issuer_role, self.addr[arg])
            return
        zero = b"\x00" * 32
        if way == "execute" and self.m.proposals:
            # A ready proposal's own operation, run around the council.
            proposal_id = data.draw(st.sampled_from(list(self.m.proposals)), label="proposal")
            self.tried.add(proposal_id)
            targets, payloads = self.arrays(self.m.proposals[proposal_id].calls)
            salt = proposal_id.to_bytes(32, "big")
            if len(targets) == 1:
                args: tuple[Any, ...] = (targets[0], 0, payloads[0], zero, salt)
                self.call(actor, ROLE_MISSING, self.timelock.execute, *args)
            else:
                args = (targets, [0] * len(targets), payloads, zero, salt)
                self.call(actor, ROLE_MISSING, self.timelock.execute_batch, *args)
        elif way == "cancel" and self.operation_ids:
            operation_id = data.draw(st.sampled_from(list(self.operation_ids.values())), label="op")
            self.call(actor, ROLE_MISSING, self.timelock.cancel, operation_id)
        else:
            salt = data.draw(st.integers(0, 100), label="salt").to_bytes(32, "big")
            args = (target, 0, payload, zero, salt, DELAY)
            self.call(actor, ROLE_MISSING, self.timelock.schedule, *args)

    @precondition(lambda self: not self.m.gov.paused)
    @rule()
    def guardian_pause(self) -> None:
        """The guardian pauses at once (the situation a leftover unpause
        proposal would undo); refused if paused already."""
        error = "credential: paused" if self.m.gov.paused else None
        self.call(GUARDIAN, error, self.reg.pause)
        if error is None:
            self.m.gov.paused = True

    # rules: time #

    @rule(seconds=st.sampled_from([1, 2, 30, DELAY - 1, DELAY, 150, 3_600]))
    def time_travel(self, seconds: int) -> None:
        boa.env.time_travel(seconds=seconds)

    @precondition(lambda self: any(p.expires_at > DONE for p in self.m.proposals.values()))
    @rule(
        data=st.data(),
        expiry=st.sampled_from([False, False, False, True]),
        offset=st.sampled_from([-1, 0]),
    )
    def travel_to_boundary(self, data: st.DataObject, expiry: bool, offset: int) -> None:
        """Lands on (or one second before) a scheduled proposal's ready_at
        or expiry."""
        ahead = sorted(
            {
                when + offset
                for p in self.m.proposals.values()
                if p.expires_at > DONE and p.timelock_at != DONE
                for when in [p.expires_at if expiry else p.timelock_at]
                if when + offset > self.now
            }
        )
        if ahead:
            boa.env.timestamp = data.draw(st.sampled_from(ahead), label="when")

    # invariants #

    @invariant()
    def chain_agrees(self) -> None:
        """The epoch and the pause flag after every step; the whole record
        of every proposal the step changed; the state of those it tried (a
        refused call changes nothing), of those whose state the model says
        changed (time moves, members change), and of one more in turn; the
        council's settings and the registry's issuers after every executed
        proposal. Everything again when the example ends."""
        assert self.council.epoch() == self.m.gov.epoch
        assert self.reg.paused() == self.m.gov.paused
        now = self.now
        states = {i: self.m.state(i, now) for i in self.m.proposals}
        changed = {i for i, s in states.items() if self.seen.get(i) != s}
        if self.m.proposals:
            changed.add(now % len(self.m.proposals) + 1)
        self.check_proposals(sorted((changed | self.tried) - self.touched), full=False)
        self.check_proposals(sorted(self.touched), full=True)
        self.touched.clear()
        self.tried.clear()
        if self.governance_changed:
            self.check_governance()
            self.governance_changed = False

    def check_proposals(self, proposal_ids: list[int], full: bool) -> None:
        now = self.now
        for proposal_id in proposal_ids:
            state = self.m.state(proposal_id, now)
            assert self.council.proposal_state(proposal_id) == state, proposal_id
            self.seen[proposal_id] = state
            if not full:
                continue
            assert self.council.ready_at(proposal_id) == self.m.ready_at(proposal_id)
            record = self.council.proposal(proposal_id)
            expected = self.m.record(proposal_id)
            if expected is None:
                assert record.proposer == ZERO_ADDRESS
                continue
            proposer, epoch, approvals, expires_at = expected
            assert (record.proposer, record.epoch, record.approvals, record.expires_at) == (
                self.addr[proposer],
                epoch,
                approvals,
                expires_at,
            )
            p = self.m.proposals[proposal_id]
            operation_id = self.operation_ids[proposal_id]
            assert record.operation_id == operation_id
            assert self.timelock.get_timestamp(operation_id) == p.timelock_at
            if state == CANCELLED:
                assert not self.timelock.is_operation(operation_id)
            if state == EXECUTED:
                assert p.scheduled_at is not None

    def check_governance(self) -> None:
        gov = self.m.gov
        assert self.council.member_list() == [self.addr[a] for a in gov.members]
        assert self.council.threshold() == gov.threshold
        assert self.council.grace_period() == gov.grace_period
        assert self.council.epoch() == gov.epoch
        for actor in SUBJECTS:
            assert self.council.is_member(self.addr[actor]) == (actor in gov.members)
            has_role = self.reg.hasRole(WORLD.issuer_role, self.addr[actor])
            assert has_role == (actor in gov.issuers)

    def check_approvals(self) -> None:
        for proposal_id, p in self.m.proposals.items():
            for actor in (*MEMBERS_AT_START, CANDIDATE, STRANGER):
                approved = self.council.approved(proposal_id, self.addr[actor])
                assert approved == (actor in p.approvals)


# `make test` runs 70 examples of up to 40 steps (about 2,300 steps, in about
# 30 s); `make test-properties` 500. CREDSTACK_PROPERTY_EXAMPLES sets any
# other number, as for the registry's machine.
CouncilMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("CREDSTACK_PROPERTY_EXAMPLES", "70")),
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestCouncilState = CouncilMachine.TestCase
