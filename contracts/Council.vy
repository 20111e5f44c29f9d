# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title credstack Council
@custom:contract-name Council
@license GNU Affero General Public License v3.0 only
@author credstack
@notice M-of-N governance in front of a timelock. A member proposes a list
        of calls; members approve it; the approval that reaches the
        threshold schedules the calls on the `Timelock` (snekmate's
        `timelock_controller`), and a member executes them once the delay
        has passed. The timelock holds the registry's admin role, so
        onboarding and removing issuers, forced revocation, unpausing and
        closed-pilot rules all take M approvals and the delay.

        The calls themselves are not stored: `ProposalCreated` logs them and
        the proposal keeps their timelock operation id, so `approve` and
        `execute` take the calls again and must match it. An approver's
        transaction thus names exactly what it approves.

        Gas: a proposal of one call goes through the timelock's single-call
        `schedule` and `execute`. Several calls use `schedule_batch` and
        `execute_batch`, whose arrays are bounded at 255 payloads of 1,024
        bytes: the memory that reserves makes each of those calls cost about
        1.5 million gas more, whatever the proposal's size (measured by
        `make bench`).

        Members and the threshold change only through the timelock (a
        proposal to this contract). Any such change moves the council to a
        new epoch: proposals not yet scheduled become stale, because the
        approvals they gathered were given by another council.

        Any one member may `cancel` a proposal that has not run (a veto, as
        a timelock's canceller usually is): a scheduled one is cancelled on
        the timelock too. A member cannot veto a proposal that removes them,
        so one compromised key cannot keep its seat by vetoing its removal.
        A scheduled proposal runs only within `grace_period` after its delay
        (fixed when it is scheduled); past that it has expired, so a
        leftover operation cannot be run months later by a single member.
"""


interface ITimelock:
    def schedule(
        target: address,
        amount: uint256,
        payload: Bytes[1_024],
        predecessor: bytes32,
        salt: bytes32,
        delay: uint256,
    ): nonpayable
    def execute(
        target: address, amount: uint256, payload: Bytes[1_024], predecessor: bytes32, salt: bytes32
    ): payable
    def schedule_batch(
        targets: DynArray[address, MAX_CALLS],
        amounts: DynArray[uint256, MAX_CALLS],
        payloads: DynArray[Bytes[1_024], MAX_CALLS],
        predecessor: bytes32,
        salt: bytes32,
        delay: uint256,
    ): nonpayable
    def execute_batch(
        targets: DynArray[address, MAX_CALLS],
        amounts: DynArray[uint256, MAX_CALLS],
        payloads: DynArray[Bytes[1_024], MAX_CALLS],
        predecessor: bytes32,
        salt: bytes32,
    ): payable
    def cancel(id: bytes32): nonpayable
    def get_minimum_delay() -> uint256: view
    def get_timestamp(id: bytes32) -> uint256: view


# CONSTANTS #


MAX_MEMBERS: public(constant(uint256)) = 16
MAX_CALLS: public(constant(uint256)) = 16

# @dev `proposal_state` values.
STATE_NONE: public(constant(uint8)) = 0
STATE_APPROVING: public(constant(uint8)) = 1
STATE_STALE: public(constant(uint8)) = 2
STATE_QUEUED: public(constant(uint8)) = 3
STATE_READY: public(constant(uint8)) = 4
STATE_EXECUTED: public(constant(uint8)) = 5
STATE_CANCELLED: public(constant(uint8)) = 6
STATE_EXPIRED: public(constant(uint8)) = 7

# @dev How long after its delay a scheduled proposal may still run.
DEFAULT_GRACE_PERIOD: public(constant(uint256)) = 14 * 86_400
MIN_GRACE_PERIOD: public(constant(uint256)) = 86_400
# @dev Bounded so that scheduling can never overflow.
MAX_GRACE_PERIOD: public(constant(uint256)) = 365 * 86_400

# @dev The timelock marks a done operation with timestamp 1.
_DONE: constant(uint256) = 1
# @dev `Proposal.expires_at` of a cancelled proposal (no real expiry is 1).
_CANCELLED: constant(uint256) = 1

# @dev `remove_member(address)`, to find a proposal that removes a member.
_REMOVE_MEMBER: constant(bytes4) = method_id("remove_member(address)", output_type=bytes4)


# STRUCTS #


struct Proposal:
    operation_id: bytes32
    proposer: address
    epoch: uint256
    approvals: uint256
    # @dev 0 until scheduled; then the time from which it can no longer run
    # (ready_at + the grace period then); 1 once cancelled.
    expires_at: uint256


# STATE #


timelock: public(immutable(address))

# @dev The members, in the order they joined (a removal moves the last one
# into the gap).
members: public(DynArray[address, MAX_MEMBERS])
is_member: public(HashMap[address, bool])
threshold: public(uint256)
# @dev Bumped by every member or threshold change.
epoch: public(uint256)
# @dev Applied to proposals when they are scheduled.
grace_period: public(uint256)

proposal_count: public(uint256)
_proposals: HashMap[uint256, Proposal]
# @dev proposal id => member => approved.
approved: public(HashMap[uint256, HashMap[address, bool]])


# EVENTS #


event ProposalCreated:
    proposal_id: indexed(uint256)
    proposer: indexed(address)
    operation_id: bytes32
    targets: DynArray[address, MAX_CALLS]
    payloads: DynArray[Bytes[1_024], MAX_CALLS]
    description: String[256]


event ProposalApproved:
    proposal_id: indexed(uint256)
    member: indexed(address)
    approvals: uint256


event ProposalScheduled:
    proposal_id: indexed(uint256)
    operation_id: indexed(bytes32)
    ready_at: uint256
    expires_at: uint256


event ProposalExecuted:
    proposal_id: indexed(uint256)
    operation_id: indexed(bytes32)


event ProposalCancelled:
    proposal_id: indexed(uint256)
    operation_id: indexed(bytes32)
    member: indexed(address)


event MemberAdded:
    member: indexed(address)


event MemberRemoved:
    member: indexed(address)


event ThresholdChanged:
    threshold: uint256


event GracePeriodChanged:
    grace_period: uint256


@deploy
def __init__(members_: DynArray[address, MAX_MEMBERS], threshold_: uint256, timelock_: address):
    """
    @param members_ The council's members.
    @param threshold_ Approvals a proposal needs (1 .. number of members).
    @param timelock_ The timelock this council proposes to. It may not
           exist yet: the deploy script creates it next, with this council
           as its proposer and executor. The grace period starts at
           `DEFAULT_GRACE_PERIOD`.
    """
    assert timelock_ != empty(address), "council: zero address"
    timelock = timelock_
    for member: address in members_:
        self._add_member(member)
    self._set_threshold(threshold_)
    self._set_grace_period(DEFAULT_GRACE_PERIOD)


# PROPOSALS #


@external
def propose(
    targets: DynArray[address, MAX_CALLS],
    payloads: DynArray[Bytes[1_024], MAX_CALLS],
    description: String[256],
) -> uint256:
    """
    @notice Proposes calls that the timelock will make, in order; counts as
            the proposer's approval.
    @param targets The contracts to call.
    @param payloads The calldata of each call.
    @param description What and why, for the other members and auditors.
    @return uint256 The proposal id.
    """
    self._check_member()
    assert len(targets) != 0, "council: no calls"
    assert len(targets) == len(payloads), "council: length mismatch"
    for target: address in targets:
        assert target != empty(address), "council: zero address"
    proposal_id: uint256 = self.proposal_count + 1
    self.proposal_count = proposal_id
    operation_id: bytes32 = self._operation_id(proposal_id, targets, payloads)
    self._proposals[proposal_id] = Proposal(
        operation_id=operation_id, proposer=msg.sender, epoch=self.epoch, approvals=0, expires_at=0
    )
    log ProposalCreated(
        proposal_id=proposal_id,
        proposer=msg.sender,
        operation_id=operation_id,
        targets=targets,
        payloads=payloads,
        description=description,
    )
    self._approve(proposal_id, targets, payloads)
    return proposal_id


@external
def approve(
    proposal_id: uint256,
    targets: DynArray[address, MAX_CALLS],
    payloads: DynArray[Bytes[1_024], MAX_CALLS],
):
    """
    @notice Approves a proposal; the approval that reaches the threshold
            schedules it on the timelock.
    @param proposal_id The proposal id.
    @param targets The proposal's targets, as `ProposalCreated` logged them.
    @param payloads The proposal's calldata, likewise.
    """
    self._check_member()
    self._approve(proposal_id, targets, payloads)


@external
def execute(
    proposal_id: uint256,
    targets: DynArray[address, MAX_CALLS],
    payloads: DynArray[Bytes[1_024], MAX_CALLS],
):
    """
    @notice Runs a scheduled proposal through the timelock once its delay
            has passed, before it expires.
    @param proposal_id The proposal id.
    @param targets The proposal's targets.
    @param payloads The proposal's calldata.
    """
    self._check_member()
    proposal: Proposal = self._matching(proposal_id, targets, payloads)
    assert proposal.expires_at != _CANCELLED, "council: cancelled"
    assert proposal.expires_at != 0, "council: not scheduled"
    ready_at: uint256 = staticcall ITimelock(timelock).get_timestamp(proposal.operation_id)
    assert ready_at != _DONE, "council: already executed"
    assert block.timestamp >= ready_at, "council: too early"
    assert block.timestamp < proposal.expires_at, "council: expired"
    salt: bytes32 = convert(proposal_id, bytes32)
    if len(targets) == 1:
        extcall ITimelock(timelock).execute(targets[0], 0, payloads[0], empty(bytes32), salt)
    else:
        extcall ITimelock(timelock).execute_batch(
            targets, self._zeros(len(targets)), payloads, empty(bytes32), salt
        )
    log ProposalExecuted(proposal_id=proposal_id, operation_id=proposal.operation_id)


@external
def cancel(
    proposal_id: uint256,
    targets: DynArray[address, MAX_CALLS],
    payloads: DynArray[Bytes[1_024], MAX_CALLS],
):
    """
    @notice Stops a proposal that has not run: one member's veto. A
            scheduled (or expired) proposal's operation is cancelled on the
            timelock too. A member cannot cancel a proposal that removes
            them.
    @param proposal_id The proposal id.
    @param targets The proposal's targets.
    @param payloads The proposal's calldata.
    """
    self._check_member()
    proposal: Proposal = self._matching(proposal_id, targets, payloads)
    assert proposal.expires_at != _CANCELLED, "council: already cancelled"
    scheduled: bool = proposal.expires_at != 0
    if scheduled:
        ready_at: uint256 = staticcall ITimelock(timelock).get_timestamp(proposal.operation_id)
        assert ready_at != _DONE, "council: already executed"
    else:
        assert proposal.epoch == self.epoch, "council: proposal stale"
    # `remove_member` ignores calldata past its argument, so a payload is a
    # removal of the sender whenever its first 36 bytes are.
    removal: Bytes[36] = concat(_REMOVE_MEMBER, abi_encode(msg.sender))
    for i: uint256 in range(len(targets), bound=MAX_CALLS):
        if targets[i] == self and len(payloads[i]) >= 36:
            assert slice(payloads[i], 0, 36) != removal, "council: own removal"
    self._proposals[proposal_id].expires_at = _CANCELLED
    if scheduled:
        extcall ITimelock(timelock).cancel(proposal.operation_id)
    log ProposalCancelled(
        proposal_id=proposal_id, operation_id=proposal.operation_id, member=msg.sender
    )


# MEMBERS (through the timelock only) #


@external
def add_member(member: address):
    """
    @notice Adds a member; a new epoch begins.
    @param member The new member.
    """
    self._check_timelock()
    self._add_member(member)
    self._new_epoch()


@external
def remove_member(member: address):
    """
    @notice Removes a member; the threshold must still be reachable.
    @param member The member to remove.
    """
    self._check_timelock()
    assert self.is_member[member], "council: not member"
    count: uint256 = len(self.members)
    assert self.threshold < count, "council: threshold above members"
    for i: uint256 in range(count, bound=MAX_MEMBERS):
        if self.members[i] == member:
            self.members[i] = self.members[count - 1]
            self.members.pop()
            break
    self.is_member[member] = False
    log MemberRemoved(member=member)
    self._new_epoch()


@external
def set_threshold(threshold_: uint256):
    """
    @notice Sets how many approvals a proposal needs.
    @param threshold_ From 1 to the number of members.
    """
    self._check_timelock()
    self._set_threshold(threshold_)
    self._new_epoch()


@external
def set_grace_period(grace_period_: uint256):
    """
    @notice Sets how long after its delay a proposal scheduled from now on
            may still run; proposals already scheduled keep theirs.
    @param grace_period_ In seconds, from `MIN_GRACE_PERIOD` to
           `MAX_GRACE_PERIOD`.
    """
    self._check_timelock()
    self._set_grace_period(grace_period_)


# VIEWS #


@external
@view
def member_list() -> DynArray[address, MAX_MEMBERS]:
    """
    @notice All members.
    @return DynArray The members.
    """
    return self.members


@external
@view
def proposal(proposal_id: uint256) -> Proposal:
    """
    @notice A proposal's record (zero for an unknown id).
    @param proposal_id The proposal id.
    @return Proposal Timelock operation id, proposer, epoch, approvals and
            `expires_at` (0 until scheduled, 1 once cancelled, else the
            time from which it can no longer run).
    """
    return self._proposals[proposal_id]


@external
@view
def proposal_state(proposal_id: uint256) -> uint8:
    """
    @notice 0 none, 1 approving, 2 stale (the council changed before it was
            scheduled), 3 queued (scheduled, delay running), 4 ready,
            5 executed, 6 cancelled, 7 expired (scheduled, not run within
            the grace period).
    @param proposal_id The proposal id.
    @return uint8 The state now.
    """
    proposal: Proposal = self._proposals[proposal_id]
    if proposal.proposer == empty(address):
        return STATE_NONE
    if proposal.expires_at == _CANCELLED:
        return STATE_CANCELLED
    if proposal.expires_at == 0:
        if proposal.epoch != self.epoch:
            return STATE_STALE
        return STATE_APPROVING
    ready_at: uint256 = staticcall ITimelock(timelock).get_timestamp(proposal.operation_id)
    if ready_at == _DONE:
        return STATE_EXECUTED
    if block.timestamp >= proposal.expires_at:
        return STATE_EXPIRED
    if block.timestamp >= ready_at:
        return STATE_READY
    return STATE_QUEUED


@external
@view
def ready_at(proposal_id: uint256) -> uint256:
    """
    @notice When a scheduled proposal may run (0 if not scheduled or
            cancelled, 1 once executed), as the timelock keeps it.
    @param proposal_id The proposal id.
    @return uint256 A Unix time.
    """
    proposal: Proposal = self._proposals[proposal_id]
    if proposal.expires_at <= _CANCELLED:
        return 0
    return staticcall ITimelock(timelock).get_timestamp(proposal.operation_id)


# INTERNAL #


@internal
@view
def _check_member():
    """
    @dev Reverts unless the caller is a member.
    """
    assert self.is_member[msg.sender], "council: not member"


@internal
@view
def _check_timelock():
    """
    @dev Reverts unless the caller is the timelock (a passed proposal).
    """
    assert msg.sender == timelock, "council: only timelock"


@internal
def _add_member(member: address):
    """
    @dev Adds a member.
    @param member The new member.
    """
    assert member != empty(address), "council: zero address"
    assert not self.is_member[member], "council: already member"
    assert len(self.members) < MAX_MEMBERS, "council: too many members"
    self.members.append(member)
    self.is_member[member] = True
    log MemberAdded(member=member)


@internal
def _set_threshold(threshold_: uint256):
    """
    @dev Sets the threshold within 1 .. number of members.
    @param threshold_ The new threshold.
    """
    assert threshold_ != 0 and threshold_ <= len(self.members), "council: bad threshold"
    self.threshold = threshold_
    log ThresholdChanged(threshold=threshold_)


@internal
def _set_grace_period(grace_period_: uint256):
    """
    @dev Sets the grace period within its bounds.
    @param grace_period_ The new grace period, in seconds.
    """
    assert grace_period_ >= MIN_GRACE_PERIOD and grace_period_ <= MAX_GRACE_PERIOD, (
        "council: bad grace period"
    )
    self.grace_period = grace_period_
    log GracePeriodChanged(grace_period=grace_period_)


@internal
def _new_epoch():
    """
    @dev Unscheduled proposals of the old council go stale.
    """
    self.epoch += 1


@internal
@pure
def _zeros(count: uint256) -> DynArray[uint256, MAX_CALLS]:
    """
    @dev No ether moves with governance calls.
    @param count The number of calls.
    @return DynArray `count` zeros.
    """
    amounts: DynArray[uint256, MAX_CALLS] = []
    for i: uint256 in range(count, bound=MAX_CALLS):
        amounts.append(0)
    return amounts


@internal
@pure
def _operation_id(
    proposal_id: uint256,
    targets: DynArray[address, MAX_CALLS],
    payloads: DynArray[Bytes[1_024], MAX_CALLS],
) -> bytes32:
    """
    @dev The timelock's id of the proposal's operation, computed as snekmate's
         `_hash_operation` (one call) or `_hash_operation_batch` (several)
         do; the proposal id is the salt, so equal calls proposed twice are
         two operations.
    @param proposal_id The proposal id.
    @param targets The targets.
    @param payloads The calldata.
    @return bytes32 The operation id.
    """
    salt: bytes32 = convert(proposal_id, bytes32)
    if len(targets) == 1:
        return keccak256(abi_encode(targets[0], empty(uint256), payloads[0], empty(bytes32), salt))
    return keccak256(
        abi_encode(targets, self._zeros(len(targets)), payloads, empty(bytes32), salt)
    )


@internal
@view
def _matching(
    proposal_id: uint256,
    targets: DynArray[address, MAX_CALLS],
    payloads: DynArray[Bytes[1_024], MAX_CALLS],
) -> Proposal:
    """
    @dev Loads a proposal and checks that the calls given are its calls.
    @param proposal_id The proposal id.
    @param targets The targets given.
    @param payloads The calldata given.
    @return Proposal The proposal.
    """
    proposal: Proposal = self._proposals[proposal_id]
    assert proposal.proposer != empty(address), "council: unknown proposal"
    assert len(targets) == len(payloads), "council: length mismatch"
    assert self._operation_id(proposal_id, targets, payloads) == proposal.operation_id, "council: calls differ"
    return proposal


@internal
def _approve(
    proposal_id: uint256,
    targets: DynArray[address, MAX_CALLS],
    payloads: DynArray[Bytes[1_024], MAX_CALLS],
):
    """
    @dev Records the caller's approval; schedules at the threshold.
    @param proposal_id The proposal id.
    @param targets The proposal's targets.
    @param payloads The proposal's calldata.
    """
    proposal: Proposal = self._matching(proposal_id, targets, payloads)
    assert proposal.expires_at != _CANCELLED, "council: cancelled"
    assert proposal.expires_at == 0, "council: already scheduled"
    assert proposal.epoch == self.epoch, "council: proposal stale"
    assert not self.approved[proposal_id][msg.sender], "council: already approved"
    self.approved[proposal_id][msg.sender] = True
    proposal.approvals += 1
    log ProposalApproved(proposal_id=proposal_id, member=msg.sender, approvals=proposal.approvals)
    if proposal.approvals < self.threshold:
        self._proposals[proposal_id] = proposal
        return
    delay: uint256 = staticcall ITimelock(timelock).get_minimum_delay()
    ready_at: uint256 = block.timestamp + delay
    proposal.expires_at = ready_at + self.grace_period
    self._proposals[proposal_id] = proposal
    salt: bytes32 = convert(proposal_id, bytes32)
    if len(targets) == 1:
        extcall ITimelock(timelock).schedule(targets[0], 0, payloads[0], empty(bytes32), salt, delay)
    else:
        extcall ITimelock(timelock).schedule_batch(
            targets, self._zeros(len(targets)), payloads, empty(bytes32), salt, delay
        )
    log ProposalScheduled(
        proposal_id=proposal_id,
        operation_id=proposal.operation_id,
        ready_at=ready_at,
        expires_at=proposal.expires_at,
    )
