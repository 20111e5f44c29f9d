"""The pure-Python model of the council, its timelock and the registry they
govern, that ``test_council_state.py`` checks the chain against.

No chain here: the model holds what the contracts should hold (members in
their order, threshold, epoch, grace period, every proposal's record and its
timelock operation, the registry's pause flag and issuers) and predicts, for
any call, the exact revert message the contracts give (None when the call
must succeed), in the contracts' order of checks. Time is an argument
(``now``), never read from a chain.

A call a proposal makes is a ``Call``: (contract, function, argument), with
actors as indexes into the world's addresses; the machine encodes it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

# Actors: the first council (2 of 3), a candidate member, a stranger, and the
# registry's guardian (who may pause at once, nothing else).
MEMBERS_AT_START = [0, 1, 2]
CANDIDATE, STRANGER, GUARDIAN = 3, 4, 5
ACTOR_COUNT = 6
# Accounts a proposal may add, remove or name an issuer.
SUBJECTS = list(range(STRANGER + 1))

THRESHOLD_AT_START = 2
DELAY = 100
DEFAULT_GRACE = 14 * 86_400
MIN_GRACE = 86_400
MAX_GRACE = 365 * 86_400
# In and out of bounds, and one short enough that time travel reaches it.
GRACES = [MIN_GRACE - 1, MIN_GRACE, 100_000, DEFAULT_GRACE, MAX_GRACE, MAX_GRACE + 1, 0]

# `proposal_state` values.
NONE, APPROVING, STALE, QUEUED, READY, EXECUTED, CANCELLED, EXPIRED = range(8)
# The timelock's timestamp of a done operation, and `expires_at` once cancelled.
DONE = 1

# (contract, function, argument): "registry" pause/unpause/grant/revoke
# (ISSUER_ROLE), "council" add_member/remove_member/set_threshold/
# set_grace_period.
Call = tuple[str, str, int]


@dataclass
class ProposalModel:
    calls: tuple[Call, ...]
    proposer: int
    epoch: int
    approvals: set[int] = field(default_factory=set)
    # 0 until scheduled, DONE (1) once cancelled, else ready_at + grace.
    expires_at: int = 0
    # The timelock's timestamp of its operation: 0 none (or cancelled),
    # DONE once executed, else ready_at.
    timelock_at: int = 0
    # Kept for the safety checks: when scheduled and by whom.
    scheduled_at: int | None = None
    scheduled_by: frozenset[int] = frozenset()
    threshold_at_schedule: int = 0


@dataclass
class Governed:
    """What the proposals' calls change: the council's own settings and the
    registry's pause flag and issuers."""

    members: list[int] = field(default_factory=lambda: list(MEMBERS_AT_START))
    threshold: int = THRESHOLD_AT_START
    epoch: int = 0
    grace_period: int = DEFAULT_GRACE
    paused: bool = False
    issuers: set[int] = field(default_factory=set)

    def apply(self, call: Call) -> str | None:
        """Runs one call as the timelock; the error it reverts with, if any
        (the timelock bubbles the target's reason up unchanged)."""
        contract, function, arg = call
        if contract == "registry":
            if function == "pause":
                if self.paused:
                    return "credential: paused"
                self.paused = True
            elif function == "unpause":
                if not self.paused:
                    return "credential: not paused"
                self.paused = False
            elif function == "grant":
                self.issuers.add(arg)
            elif function == "revoke":
                self.issuers.discard(arg)
            else:
                raise AssertionError(call)
            return None
        assert contract == "council", call
        if function == "add_member":
            if arg in self.members:
                return "council: already member"
            self.members.append(arg)
            self.epoch += 1
        elif function == "remove_member":
            if arg not in self.members:
                return "council: not member"
            if self.threshold >= len(self.members):
                return "council: threshold above members"
            # The last member moves into the gap.
            i = self.members.index(arg)
            self.members[i] = self.members[-1]
            self.members.pop()
            self.epoch += 1
        elif function == "set_threshold":
            if arg == 0 or arg > len(self.members):
                return "council: bad threshold"
            self.threshold = arg
            self.epoch += 1
        elif function == "set_grace_period":
            if not MIN_GRACE <= arg <= MAX_GRACE:
                return "council: bad grace period"
            # Proposals already scheduled keep their expiry; no new epoch.
            self.grace_period = arg
        else:
            raise AssertionError(call)
        return None


def removes(call: Call, member: int) -> bool:
    return call == ("council", "remove_member", member)


@dataclass
class CouncilModel:
    gov: Governed = field(default_factory=Governed)
    proposals: dict[int, ProposalModel] = field(default_factory=dict)

    # states #

    def state(self, proposal_id: int, now: int) -> int:
        p = self.proposals.get(proposal_id)
        if p is None:
            return NONE
        if p.expires_at == DONE:
            return CANCELLED
        if p.expires_at == 0:
            return STALE if p.epoch != self.gov.epoch else APPROVING
        if p.timelock_at == DONE:
            return EXECUTED
        if now >= p.expires_at:
            return EXPIRED
        if now >= p.timelock_at:
            return READY
        return QUEUED

    def ready_at(self, proposal_id: int) -> int:
        """The council's `ready_at` view: 0 unless scheduled and not
        cancelled; then the timelock's timestamp (DONE once executed)."""
        p = self.proposals.get(proposal_id)
        if p is None or p.expires_at <= DONE:
            return 0
        return p.timelock_at

    def record(self, proposal_id: int) -> tuple[int, int, int, int] | None:
        """(proposer, epoch, approvals, expires_at) as `proposal` returns
        them (the operation id is checked apart); None for an unknown id."""
        p = self.proposals.get(proposal_id)
        if p is None:
            return None
        return (p.proposer, p.epoch, len(p.approvals), p.expires_at)

    # predictions, in the contract's order of checks #

    def propose_error(self, actor: int, shape: str) -> str | None:
        """`shape` is how the calls are given: "ok", "empty", "mismatch"
        (one payload fewer than targets) or "zero" (a zero target)."""
        if actor not in self.gov.members:
            return "council: not member"
        return {
            "ok": None,
            "empty": "council: no calls",
            "mismatch": "council: length mismatch",
            "zero": "council: zero address",
        }[shape]

    def matching_error(
        self, actor: int, proposal_id: int, calls: tuple[Call, ...], mismatch: bool
    ) -> str | None:
        """The checks `approve`, `execute` and `cancel` share: member, known
        proposal, as many payloads as targets, the proposal's own calls."""
        if actor not in self.gov.members:
            return "council: not member"
        p = self.proposals.get(proposal_id)
        if p is None:
            return "council: unknown proposal"
        if mismatch:
            return "council: length mismatch"
        if calls != p.calls:
            return "council: calls differ"
        return None

    def approve_error(
        self, actor: int, proposal_id: int, calls: tuple[Call, ...], mismatch: bool
    ) -> str | None:
        error = self.matching_error(actor, proposal_id, calls, mismatch)
        if error is not None:
            return error
        p = self.proposals[proposal_id]
        if p.expires_at == DONE:
            return "council: cancelled"
        if p.expires_at != 0:
            return "council: already scheduled"
        if p.epoch != self.gov.epoch:
            return "council: proposal stale"
        if actor in p.approvals:
            return "council: already approved"
        return None

    def execute_error(
        self, actor: int, proposal_id: int, calls: tuple[Call, ...], mismatch: bool, now: int
    ) -> str | None:
        """Also runs the calls on a copy: a call that reverts in its target
        makes `execute` revert with the target's message."""
        error = self.matching_error(actor, proposal_id, calls, mismatch)
        if error is not None:
            return error
        p = self.proposals[proposal_id]
        if p.expires_at == DONE:
            return "council: cancelled"
        if p.expires_at == 0:
            return "council: not scheduled"
        if p.timelock_at == DONE:
            return "council: already executed"
        if now < p.timelock_at:
            return "council: too early"
        if now >= p.expires_at:
            return "council: expired"
        return self.run(p.calls)[0]

    def cancel_error(
        self, actor: int, proposal_id: int, calls: tuple[Call, ...], mismatch: bool
    ) -> str | None:
        error = self.matching_error(actor, proposal_id, calls, mismatch)
        if error is not None:
            return error
        p = self.proposals[proposal_id]
        if p.expires_at == DONE:
            return "council: already cancelled"
        if p.expires_at != 0:
            if p.timelock_at == DONE:
                return "council: already executed"
        elif p.epoch != self.gov.epoch:
            return "council: proposal stale"
        if any(removes(call, actor) for call in p.calls):
            return "council: own removal"
        return None

    # effects #

    def run(self, calls: tuple[Call, ...]) -> tuple[str | None, Governed]:
        """The calls in order on a copy of the governed state: the first
        error (nothing changes), or None and the state after them all."""
        after = copy.deepcopy(self.gov)
        for call in calls:
            error = after.apply(call)
            if error is not None:
                return error, self.gov
        return None, after

    def record_propose(self, actor: int, calls: tuple[Call, ...], now: int) -> int:
        proposal_id = len(self.proposals) + 1
        self.proposals[proposal_id] = ProposalModel(calls, actor, self.gov.epoch)
        self.record_approve(actor, proposal_id, now)
        return proposal_id

    def record_approve(self, actor: int, proposal_id: int, now: int) -> bool:
        """Counts the approval; the one that reaches the threshold schedules
        the proposal (True then)."""
        p = self.proposals[proposal_id]
        p.approvals.add(actor)
        if len(p.approvals) < self.gov.threshold:
            return False
        p.timelock_at = now + DELAY
        p.expires_at = p.timelock_at + self.gov.grace_period
        p.scheduled_at = now
        p.scheduled_by = frozenset(p.approvals)
        p.threshold_at_schedule = self.gov.threshold
        return True

    def record_execute(self, proposal_id: int) -> None:
        error, after = self.run(self.proposals[proposal_id].calls)
        assert error is None
        self.gov = after
        self.proposals[proposal_id].timelock_at = DONE

    def record_cancel(self, proposal_id: int) -> None:
        p = self.proposals[proposal_id]
        p.expires_at = DONE
        # A scheduled proposal's operation is cancelled on the timelock too.
        p.timelock_at = 0
