"""Governance: the council (M of N) in front of the timelock that holds the
registry's admin role.

``Governance`` encodes calls from names (``registry force_revoke 12
"fraud"``), reads proposals back from ``ProposalCreated`` events, and checks
each step before sending it, so a refusal is a message, not a revert. A list
of calls longer than a proposal holds is split over as many proposals as it
needs (``propose_all``), which then travel together. Deploying the council
and timelock is ``credstack.deploy``'s work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from credstack.errors import CredstackError
from credstack.events import LogScanner, topic, topic_address, topic_int
from credstack.inputs import address_problem
from credstack.send import as_sender
from credstack.units import format_duration, format_time, parse_duration

MAX_CALLS = 16
# A timelock call's calldata limit (snekmate: Bytes[1_024]).
MAX_PAYLOAD = 1_024
ALLOWLIST_CHUNK = 27
# The council's description limit (String[256]).
MAX_DESCRIPTION = 256

ROLES: dict[str, bytes] = {
    "DEFAULT_ADMIN_ROLE": b"\x00" * 32,
    **{
        name: keccak(text=name)
        for name in ("ISSUER_ROLE", "PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE")
    },
}


class GovernanceError(CredstackError):
    """A governance step that would revert, or a call that cannot be encoded."""


class State(IntEnum):
    """What ``Council.proposal_state`` returns."""

    NONE = 0
    APPROVING = 1
    STALE = 2
    QUEUED = 3
    READY = 4
    EXECUTED = 5
    CANCELLED = 6
    EXPIRED = 7


# Calls


@dataclass(frozen=True)
class Call:
    target: str
    payload: bytes


@dataclass(frozen=True)
class Proposal:
    proposal_id: int
    proposer: str
    description: str
    calls: tuple[Call, ...]
    state: State
    approvals: int
    approvers: tuple[str, ...]
    threshold: int
    ready_at: int  # 0 until scheduled (or once cancelled), 1 once executed (the timelock's marks)
    expires_at: int  # 0 until scheduled, 1 once cancelled; else it cannot run from then on

    @property
    def grace(self) -> int:
        """Seconds it may still run once executable (fixed when scheduled)."""
        return self.expires_at - self.ready_at if self.ready_at > 1 else 0


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise ValueError("true or false")


def _parse_uint(text: str) -> int:
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?", text):
        moment = datetime.fromisoformat(text)
        return int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp())
    if re.fullmatch(r"\d+\s*[smhd]", text):
        return parse_duration(text)  # a duration in seconds: 90m, 48h, 2d
    value = int(text, 0)
    if value < 0:
        raise ValueError("not negative")
    return value


class Governance:
    """The council and timelock of a deployment, and the contracts their
    proposals may call, by name."""

    def __init__(self, council: Any, timelock: Any, targets: dict[str, Any], from_block: int = 0):
        self.council = council
        self.timelock = timelock
        self.targets = {"council": council, "timelock": timelock, **targets}
        self._scanner = LogScanner(council.address, from_block)
        self._methods: dict[bytes, tuple[str, Any]] = {}
        for target_name, contract in self.targets.items():
            for abi in contract.contract_type.mutable_methods:
                self._methods[keccak(text=abi.selector)[:4]] = (target_name, abi)

    @classmethod
    def for_deployment(cls, deployment: Any) -> Governance:
        from ape import project

        if not deployment.council or not deployment.timelock:
            raise GovernanceError(
                "this deployment has no council (deployed before governance); deploy again"
            )
        targets = {"registry": project.CredentialRegistry.at(deployment.registry)}
        if deployment.employers:
            targets["employers"] = project.EmployerRegistry.at(deployment.employers)
        return cls(
            project.Council.at(deployment.council),
            project.Timelock.at(deployment.timelock),
            targets,
            deployment.block_number,
        )

    # Encoding

    def _address_of(self, text: str) -> str:
        if text in self.targets:
            return str(self.targets[text].address)
        if problem := address_problem(text):
            raise ValueError(f"{problem}; or one of " + ", ".join(self.targets))
        return text

    def _convert(self, kind: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if kind.endswith("[]"):
            items = [v for v in value.split(",") if v.strip()]
            return [self._convert(kind[:-2], v.strip()) for v in items]
        if kind == "address":
            return self._address_of(value.strip())
        if kind == "bool":
            return _parse_bool(value)
        if kind.startswith(("uint", "int")):
            return _parse_uint(value)
        if kind == "bytes32":
            if value in ROLES:
                return ROLES[value]
            raw = bytes.fromhex(value.removeprefix("0x"))
            if len(raw) != 32:
                raise ValueError("32 bytes of hex, or a role name: " + ", ".join(ROLES))
            return raw
        if kind == "bytes":
            return bytes.fromhex(value.removeprefix("0x"))
        return value

    def encode(self, target: str, function: str, args: Sequence[Any]) -> Call:
        """A call of ``target.function(*args)``; string arguments are converted
        by the ABI type (addresses, role names, dates, comma lists)."""
        contract = self.targets.get(target)
        if contract is None:
            raise GovernanceError(f"unknown target '{target}' (one of {', '.join(self.targets)})")
        candidates = [m for m in contract.contract_type.mutable_methods if m.name == function]
        if not candidates:
            names = sorted({m.name for m in contract.contract_type.mutable_methods})
            raise GovernanceError(
                f"{target} has no function '{function}' (it has {', '.join(names)})"
            )
        abi = next((m for m in candidates if len(m.inputs) == len(args)), None)
        if abi is None:
            shapes = " or ".join(m.selector for m in candidates)
            raise GovernanceError(f"{target}.{function} takes {shapes}; got {len(args)} arguments")
        values = []
        for arg, spec in zip(args, abi.inputs, strict=True):
            try:
                values.append(self._convert(spec.canonical_type, arg))
            except ValueError as err:
                raise GovernanceError(
                    f"{target}.{function}: argument '{spec.name}' = {arg!r}: {err}"
                ) from None
        payload = keccak(text=abi.selector)[:4] + encode(
            [i.canonical_type for i in abi.inputs], values
        )
        if len(payload) > MAX_PAYLOAD:
            raise GovernanceError(
                f"{target}.{function}: {len(payload)} bytes of calldata, the timelock takes at "
                f"most {MAX_PAYLOAD}; split the call"
            )
        return Call(str(contract.address), payload)

    def describe(self, call: Call) -> str:
        """``registry.force_revoke(12, "fraud")`` for a call we can decode."""
        found = self._methods.get(call.payload[:4])
        names = {str(c.address).lower(): n for n, c in self.targets.items()}
        target_name = names.get(call.target.lower(), call.target)
        if found is None or found[0] != target_name:
            return f"{target_name} <calldata 0x{call.payload.hex()}>"
        abi = found[1]
        values = decode([i.canonical_type for i in abi.inputs], call.payload[4:])
        role_names = {v: k for k, v in ROLES.items()}

        def show(value: Any) -> str:
            if isinstance(value, bytes) and value in role_names:
                return role_names[value]
            if isinstance(value, bytes):
                return "0x" + value.hex()
            if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
                checksummed = to_checksum_address(value)
                return names.get(value.lower(), checksummed)
            if isinstance(value, tuple | list):
                return "[" + ", ".join(show(v) for v in value) + "]"
            if isinstance(value, str):
                return repr(value)
            return str(value)

        return f"{target_name}.{abi.name}({', '.join(show(v) for v in values)})"

    # Reading

    def _created(self) -> dict[int, tuple[str, str, tuple[Call, ...]]]:
        found: dict[int, tuple[str, str, tuple[Call, ...]]] = {}
        for log in self._scanner.logs([topic("Council", "ProposalCreated")]):
            proposal_id = topic_int(log, 1)
            proposer = topic_address(log, 2)
            _, targets, payloads, description = decode(
                ["bytes32", "address[]", "bytes[]", "string"], bytes(log["data"])
            )
            calls = tuple(
                Call(to_checksum_address(t), bytes(p))
                for t, p in zip(targets, payloads, strict=True)
            )
            found[proposal_id] = (proposer, str(description), calls)
        return found

    def members(self) -> list[str]:
        return [str(m) for m in self.council.member_list()]

    def proposals(self) -> list[Proposal]:
        members = self.members()
        threshold = int(self.council.threshold())
        return [
            self._view(i, created, members, threshold)
            for i, created in sorted(self._created().items())
        ]

    def proposal(self, proposal_id: int) -> Proposal:
        created = self._created().get(proposal_id)
        if created is None:
            count = int(self.council.proposal_count())
            raise GovernanceError(
                f"no proposal {proposal_id} (proposals run from 1 to {count})"
                if count
                else f"no proposal {proposal_id}: there are none yet"
            )
        return self._view(proposal_id, created, self.members(), int(self.council.threshold()))

    def _view(
        self,
        proposal_id: int,
        created: tuple[str, str, tuple[Call, ...]],
        members: list[str],
        threshold: int,
    ) -> Proposal:
        proposer, description, calls = created
        record = self.council.proposal(proposal_id)
        # Members who left since still count in the record, so ask about
        # everyone who could have approved: current members and the proposer.
        asked = dict.fromkeys([proposer, *members])
        approvers = tuple(a for a in asked if self.council.approved(proposal_id, a))
        return Proposal(
            proposal_id=proposal_id,
            proposer=proposer,
            description=description,
            calls=calls,
            state=State(int(self.council.proposal_state(proposal_id))),
            approvals=int(record.approvals),
            approvers=approvers,
            threshold=threshold,
            ready_at=int(self.council.ready_at(proposal_id)),
            expires_at=int(record.expires_at),
        )

    def now(self) -> int:
        """The timestamp the next block will carry (at least)."""
        from ape import chain

        return int(chain.pending_timestamp)

    # Steps

    def _check_member(self, sender: Any) -> None:
        if not self.council.is_member(sender.address):
            raise GovernanceError(f"{sender.address} is not a council member")

    def propose(self, calls: Sequence[Call], description: str, sender: Any) -> int:
        """Send a proposal (it counts as the sender's approval); its id."""
        self._check_member(sender)
        if not calls:
            raise GovernanceError("a proposal needs at least one call")
        if len(calls) > MAX_CALLS:
            raise GovernanceError(
                f"{len(calls)} calls; a proposal holds at most {MAX_CALLS} (propose_all splits)"
            )
        if len(description.encode()) > MAX_DESCRIPTION:
            raise GovernanceError(f"the description is longer than {MAX_DESCRIPTION} bytes")
        receipt = as_sender(sender).send(
            self.council.propose, [c.target for c in calls], [c.payload for c in calls], description
        )
        [event] = self.council.ProposalCreated.from_receipt(receipt)
        return int(event.proposal_id)

    def propose_all(self, calls: Sequence[Call], description: str, sender: Any) -> list[int]:
        """``calls`` in as many proposals as they need (at most MAX_CALLS
        each, in order); the descriptions say "part i of n". Their ids."""
        self._check_member(sender)
        chunks = split_calls(calls)
        if len(chunks) == 1:
            return [self.propose(chunks[0], description, sender)]
        ids = []
        for i, chunk in enumerate(chunks, 1):
            suffix = f" (part {i} of {len(chunks)})"
            text = description.encode()[: MAX_DESCRIPTION - len(suffix)].decode(errors="ignore")
            ids.append(self.propose(chunk, text + suffix, sender))
        return ids

    def check_approve(self, proposal_id: int, sender: Any) -> Proposal:
        """The proposal, if ``sender`` may approve it now; GovernanceError
        saying why not otherwise."""
        self._check_member(sender)
        proposal = self.proposal(proposal_id)
        if proposal.state == State.STALE:
            raise GovernanceError(
                f"proposal {proposal_id} is stale: the council changed before it was scheduled; "
                "propose it again"
            )
        if proposal.state == State.CANCELLED:
            raise GovernanceError(
                f"proposal {proposal_id} was cancelled; propose it again if it is wanted"
            )
        if proposal.state != State.APPROVING:
            raise GovernanceError(
                f"proposal {proposal_id} is already scheduled ({proposal.state.name.lower()})"
            )
        if self.council.approved(proposal_id, sender.address):
            raise GovernanceError(f"{sender.address} has already approved proposal {proposal_id}")
        return proposal

    def approve(self, proposal_id: int, sender: Any) -> Proposal:
        """Approve (checked first); the proposal as it is afterwards."""
        proposal = self.check_approve(proposal_id, sender)
        as_sender(sender).send(self.council.approve, proposal_id, *_arrays(proposal.calls))
        return self.proposal(proposal_id)

    def check_execute(self, proposal_id: int, sender: Any) -> Proposal:
        """The proposal, if ``sender`` may execute it now; GovernanceError
        saying why not (and when it will be executable) otherwise."""
        self._check_member(sender)
        proposal = self.proposal(proposal_id)
        if proposal.state in (State.APPROVING, State.STALE):
            raise GovernanceError(
                f"proposal {proposal_id} is not scheduled: it has {proposal.approvals} of "
                f"{proposal.threshold} approvals"
                + (" and is stale" if proposal.state == State.STALE else "")
            )
        if proposal.state == State.EXECUTED:
            raise GovernanceError(f"proposal {proposal_id} has already been executed")
        if proposal.state == State.CANCELLED:
            raise GovernanceError(f"proposal {proposal_id} was cancelled")
        now = self.now()
        if proposal.state == State.EXPIRED or now >= proposal.expires_at:
            raise GovernanceError(
                f"proposal {proposal_id} expired at {format_time(proposal.expires_at)}, "
                f"{format_duration(proposal.grace)} after it became executable; propose it again"
            )
        if proposal.state == State.QUEUED or now < proposal.ready_at:
            raise GovernanceError(
                f"proposal {proposal_id} is not executable yet: it becomes executable at "
                f"{format_time(proposal.ready_at)} (in {format_duration(proposal.ready_at - now)})"
            )
        return proposal

    def execute(self, proposal_id: int, sender: Any) -> Any:
        """Execute (checked first); the receipt."""
        proposal = self.check_execute(proposal_id, sender)
        return as_sender(sender).send(self.council.execute, proposal_id, *_arrays(proposal.calls))

    def check_cancel(self, proposal_id: int, sender: Any) -> Proposal:
        """The proposal, if ``sender`` may cancel it now (one member's veto of
        a proposal that has not run); GovernanceError saying why not
        otherwise."""
        self._check_member(sender)
        proposal = self.proposal(proposal_id)
        if proposal.state == State.STALE:
            raise GovernanceError(
                f"proposal {proposal_id} is stale: it can never be scheduled; nothing to cancel"
            )
        if proposal.state == State.EXECUTED:
            raise GovernanceError(f"proposal {proposal_id} has already been executed")
        if proposal.state == State.CANCELLED:
            raise GovernanceError(f"proposal {proposal_id} has already been cancelled")
        # As the council judges it: a call to it whose first 36 bytes remove
        # the sender (`remove_member` ignores any calldata after them).
        removal = self.encode("council", "remove_member", [sender.address])
        if any(
            c.target == removal.target and bytes(c.payload[:36]) == bytes(removal.payload)
            for c in proposal.calls
        ):
            raise GovernanceError(
                f"proposal {proposal_id} removes {sender.address} from the council: a member "
                "cannot veto their own removal"
            )
        return proposal

    def cancel(self, proposal_id: int, sender: Any) -> Any:
        """Cancel (checked first); the receipt."""
        proposal = self.check_cancel(proposal_id, sender)
        return as_sender(sender).send(self.council.cancel, proposal_id, *_arrays(proposal.calls))

    def carry(
        self, proposal_ids: Sequence[int], members: Sequence[Any], wait: Callable[[int], None]
    ) -> list[Proposal]:
        """Members approve each proposal until it is scheduled, ``wait(seconds)``
        lets the delay pass once for all of them, a member executes each: for
        the pilot and tests on a local chain. Returns the proposals as they
        were before (for their descriptions and approvals)."""
        senders = [as_sender(m) for m in members]
        proposals = [self.proposal(i) for i in proposal_ids]
        latest = 0
        for proposal in proposals:
            ready_at = proposal.ready_at
            for member in senders:
                if ready_at or member.address in proposal.approvers:
                    continue
                receipt = member.send(
                    self.council.approve, proposal.proposal_id, *_arrays(proposal.calls)
                )
                for event in self.council.ProposalScheduled.from_receipt(receipt):
                    ready_at = int(event.ready_at)
            if not ready_at:
                raise GovernanceError(
                    f"proposal {proposal.proposal_id}: not enough members to schedule it"
                )
            latest = max(latest, ready_at)
        if latest > self.now():
            wait(latest - self.now())
        for proposal in proposals:
            senders[0].send(self.council.execute, proposal.proposal_id, *_arrays(proposal.calls))
        return proposals

    def enact(
        self,
        calls: Sequence[Call],
        description: str,
        members: Sequence[Any],
        wait: Callable[[int], None],
    ) -> list[int]:
        """Propose (in as many proposals as the calls need), gather approvals
        from ``members`` up to the threshold, ``wait(seconds)`` out the delay,
        execute: the whole flow, for the pilot and tests on a local chain.
        Returns the proposal ids."""
        proposal_ids = self.propose_all(calls, description, members[0])
        self.carry(proposal_ids, members, wait)
        return proposal_ids

    def allowlist_calls(self, class_id: int, accounts: Sequence[str], allowed: bool) -> list[Call]:
        """``set_allowlist`` calls in chunks that fit a timelock call."""
        return [
            self.encode(
                "registry",
                "set_allowlist",
                [class_id, list(accounts[i : i + ALLOWLIST_CHUNK]), allowed],
            )
            for i in range(0, len(accounts), ALLOWLIST_CHUNK)
        ]


def split_calls(calls: Sequence[Call]) -> list[list[Call]]:
    """``calls`` in order, in chunks of at most MAX_CALLS (one proposal each)."""
    if not calls:
        raise GovernanceError("a proposal needs at least one call")
    return [list(calls[i : i + MAX_CALLS]) for i in range(0, len(calls), MAX_CALLS)]


def _arrays(calls: Sequence[Call]) -> tuple[list[str], list[bytes]]:
    return [c.target for c in calls], [c.payload for c in calls]


def time_travel(seconds: int) -> None:
    """Move a local chain's clock forward and mine a block."""
    from ape import chain

    chain.pending_timestamp += int(seconds)
    chain.mine()
