"""Pathways on chain: the PathwayRegistry's definitions read back from their
events, a learner's progress, and the choice of parts for a claim.

A learner's parts are found from the registry's events (every token the
wallet holds), so nobody has to know token ids: for each class the pathway
lists, the best valid credential the wallet holds is offered."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_abi.abi import decode
from eth_utils.address import to_checksum_address

from credstack.catalog import Catalog, PathwaySpec
from credstack.errors import CredstackError
from credstack.events import LogScanner, topic, word
from credstack.registry import Credential, Registry, Status
from credstack.send import as_sender

MAX_PARTS = 16


class PartReason(IntEnum):
    """Why a token given to `progress` counts or not (the contract's PART_
    constants)."""

    COUNTED = 0
    UNKNOWN = 1
    NOT_HOLDER = 2
    SUSPENDED = 3
    REVOKED = 4
    EXPIRED = 5
    BURNED = 6
    NOT_IN_PATHWAY = 7
    BELOW_MINIMUM = 8
    USED_TWICE = 9
    ALREADY_USED = 10
    CLASS_TWICE = 11


class ClaimReason(IntEnum):
    """The first reason a claim with the counted parts would fail now (the
    contract's CLAIM_ constants), in the order the claim checks them, but
    for a removed issuer (6), which is reported before the delegation (5):
    a removal ends every delegation of the issuer."""

    OK = 0
    PATHWAY_INACTIVE = 1
    ALREADY_CLAIMED = 2
    REQUIREMENTS_NOT_MET = 3
    PAUSED = 4
    NOT_DELEGATE = 5
    ISSUER_REMOVED = 6
    CLASS_INACTIVE = 7
    ISSUANCE_CLOSED = 8
    NOT_ALLOWLISTED = 9
    BELOW_CLASS_MINIMUM = 10


PART_REASONS = {
    PartReason.COUNTED: "counts",
    PartReason.UNKNOWN: "unknown token",
    PartReason.NOT_HOLDER: "not the holder's",
    PartReason.SUSPENDED: "suspended",
    PartReason.REVOKED: "revoked",
    PartReason.EXPIRED: "expired",
    PartReason.BURNED: "burned",
    PartReason.NOT_IN_PATHWAY: "not in the pathway",
    PartReason.BELOW_MINIMUM: "below the option's minimum",
    PartReason.USED_TWICE: "given twice",
    PartReason.ALREADY_USED: "already used for this pathway (by a claim of this or another wallet)",
    PartReason.CLASS_TWICE: "another token of its class counts already",
}
CLAIM_REASONS = {
    ClaimReason.OK: "claimable now",
    ClaimReason.ALREADY_CLAIMED: "already claimed by this wallet",
    ClaimReason.PATHWAY_INACTIVE: "the pathway is inactive",
    ClaimReason.REQUIREMENTS_NOT_MET: "requirements not met",
    ClaimReason.PAUSED: "the registry is paused",
    ClaimReason.NOT_DELEGATE: "the pathway registry is not the issuer's delegate",
    ClaimReason.ISSUER_REMOVED: "the output class's issuer was removed",
    ClaimReason.CLASS_INACTIVE: "the output class is inactive",
    ClaimReason.ISSUANCE_CLOSED: "the output class's issuance has closed",
    ClaimReason.NOT_ALLOWLISTED: "the holder is not on the output class's allowlist",
    ClaimReason.BELOW_CLASS_MINIMUM: "the parts' average score is below the output class's minimum",
}
NAME = "PathwayRegistry"


@dataclass(frozen=True)
class Rules:
    """What a pathway is on chain: comparable with a catalog entry."""

    output_class: int
    required: tuple[int, ...]
    options: tuple[tuple[int, int, int], ...]  # (class id, min score, group)
    inherit_expiry: bool


@dataclass(frozen=True)
class Created:
    pathway_id: int
    issuer: str
    name: str
    rules: Rules


@dataclass(frozen=True)
class GroupProgress:
    required: int
    counted: int
    met: bool


@dataclass(frozen=True)
class Progress:
    pathway_id: int
    holder: str
    tokens: tuple[int, ...]
    reasons: tuple[PartReason, ...]
    groups: tuple[GroupProgress, ...]
    complete: bool  # the counted parts meet every group
    claimed_token: int
    claimable: bool  # a claim with the counted parts would succeed now
    reason: ClaimReason  # the first reason it would not (OK when claimable)

    @property
    def parts_held(self) -> int:
        """Required parts the holder has, counting no group beyond its need."""
        return sum(min(g.counted, g.required) for g in self.groups)

    @property
    def parts_required(self) -> int:
        return sum(g.required for g in self.groups)


def wanted_rules(catalog: Catalog, spec: PathwaySpec, ids: dict[str, int]) -> Rules:
    """A catalog pathway's rules with class ids (all must be in ``ids``)."""
    return Rules(
        output_class=ids[spec.output],
        required=tuple(g.required for g in spec.groups),
        options=tuple((ids[o.slug], o.min_score, g) for g, o in spec.options),
        inherit_expiry=spec.inherit_expiry,
    )


class Pathways:
    """Typed reads and event queries over a PathwayRegistry contract."""

    def __init__(self, contract: Any, registry: Registry, from_block: int = 0) -> None:
        self.contract = contract
        self.address: str = contract.address
        self.registry = registry
        self._scanner = LogScanner(self.address, from_block)
        self._rules: dict[int, Rules] = {}

    @classmethod
    def for_deployment(cls, deployment: Any, registry: Registry) -> Pathways:
        from ape import project

        if not deployment.pathways:
            raise CredstackError(
                "this deployment has no pathway registry (deployed before pathways); deploy again"
            )
        return cls(
            project.PathwayRegistry.at(deployment.pathways), registry, deployment.block_number
        )

    def created(self, issuer: str | None = None) -> list[Created]:
        """Every pathway created (by ``issuer``), oldest first."""
        topics: list[str | None] = [topic(NAME, "PathwayCreated"), None, None]
        if issuer is not None:
            topics.append(word(issuer))
        found = []
        for log in self._scanner.logs(topics):
            name, inherit, required, options = decode(
                ["string", "bool", "uint256[]", "(uint256,uint256,uint256)[]"], bytes(log["data"])
            )
            found.append(
                Created(
                    pathway_id=int.from_bytes(bytes(log["topics"][1]), "big"),
                    issuer=to_checksum_address(bytes(log["topics"][3])[12:]),
                    name=str(name),
                    rules=Rules(
                        output_class=int.from_bytes(bytes(log["topics"][2]), "big"),
                        required=tuple(int(k) for k in required),
                        options=tuple((int(c), int(m), int(g)) for c, m, g in options),
                        inherit_expiry=bool(inherit),
                    ),
                )
            )
        return found

    def active(self, pathway_id: int) -> bool:
        return bool(self.contract.pathway(pathway_id).active)

    def rules(self, pathway_id: int) -> Rules:
        """A pathway's rules (fixed at creation: read once, then remembered)."""
        if pathway_id not in self._rules:
            self._rules[pathway_id] = self._read_rules(pathway_id)
        return self._rules[pathway_id]

    def _read_rules(self, pathway_id: int) -> Rules:
        info = self.contract.pathway(pathway_id)
        return Rules(
            output_class=int(info.output_class),
            required=tuple(int(k) for k in info.required),
            options=tuple((int(o.class_id), int(o.min_score), int(o.group)) for o in info.options),
            inherit_expiry=bool(info.inherit_expiry),
        )

    def candidate_parts(
        self, pathway_id: int, holder: str, held: list[Credential] | None = None
    ) -> list[Credential]:
        """The credentials ``holder``'s wallet holds (``held``, or read now)
        of the pathway's classes: for each class the valid one with the best
        score (else the first)."""
        rules = self.rules(pathway_id)
        wanted = {c for c, _, _ in rules.options}
        best: dict[int, Credential] = {}
        for credential in self.registry.held(holder) if held is None else held:
            if credential.class_id not in wanted:
                continue
            current = best.get(credential.class_id)
            valid = credential.status == Status.ACTIVE
            if current is None or (
                valid and (current.status != Status.ACTIVE or credential.score > current.score)
            ):
                best[credential.class_id] = credential
        return sorted(best.values(), key=lambda c: c.token_id)[:MAX_PARTS]

    def progress(
        self,
        pathway_id: int,
        holder: str,
        token_ids: list[int] | None = None,
        held: list[Credential] | None = None,
    ) -> Progress:
        """The contract's progress view for ``holder`` (with the wallet's own
        candidate parts, from ``held`` or read now, unless ``token_ids`` are
        given)."""
        if token_ids is None:
            token_ids = [c.token_id for c in self.candidate_parts(pathway_id, holder, held)]
        result = self.contract.progress(pathway_id, holder, token_ids)
        return Progress(
            pathway_id=pathway_id,
            holder=holder,
            tokens=tuple(token_ids),
            reasons=tuple(PartReason(int(r)) for r in result.parts),
            groups=tuple(
                GroupProgress(int(g.required), int(g.counted), bool(g.met)) for g in result.groups
            ),
            complete=bool(result.complete),
            claimed_token=int(result.claimed_token),
            claimable=bool(result.claimable),
            reason=ClaimReason(int(result.reason)),
        )

    def claimed(self, pathway_id: int | None = None) -> dict[tuple[int, str], int]:
        """(pathway id, holder) -> pathway credential, from PathwayClaimed."""
        topics: list[str | None] = [topic(NAME, "PathwayClaimed")]
        if pathway_id is not None:
            topics.append(word(pathway_id))
        return {
            (
                int.from_bytes(bytes(log["topics"][1]), "big"),
                to_checksum_address(bytes(log["topics"][2])[12:]),
            ): int.from_bytes(bytes(log["data"])[:32], "big")
            for log in self._scanner.logs(topics)
        }

    def claim(self, pathway_id: int, holder: str, sender: Any) -> tuple[int, list[int]]:
        """Claim with the parts that count (the learner, or for the learner
        by the output class's issuer or a delegate). Returns (token id, parts
        used). A CredstackError says why not, before anything is sent."""
        held = self.registry.held(holder)
        progress = self.progress(pathway_id, holder, held=held)
        if progress.claimed_token:
            raise CredstackError(
                f"{holder} already holds this pathway's credential (token {progress.claimed_token})"
            )
        # The contract keys claims by wallet; a learner whose credentials
        # were recovered to a new wallet holds the pathway credential there
        # already, and must not claim a second one.
        output = self.rules(pathway_id).output_class
        for credential in held:
            if credential.class_id == output:
                raise CredstackError(
                    f"{holder} already holds a credential of the pathway's class (token "
                    f"{credential.token_id}): one per learner"
                )
        if progress.reason == ClaimReason.PATHWAY_INACTIVE:
            raise CredstackError(f"pathway {pathway_id} is inactive")
        if progress.reason == ClaimReason.REQUIREMENTS_NOT_MET:
            missing = [
                f"group {i + 1} needs {g.required - g.counted} more"
                for i, g in enumerate(progress.groups)
                if not g.met
            ]
            used = sum(r == PartReason.ALREADY_USED for r in progress.reasons)
            if used:
                missing.append(f"{used} part(s) already used for this pathway")
            raise CredstackError(
                f"{holder} does not meet pathway {pathway_id} yet: " + "; ".join(missing)
            )
        if not progress.claimable:
            raise CredstackError(
                f"pathway {pathway_id} cannot be claimed for {holder} now: "
                f"{CLAIM_REASONS[progress.reason]}"
            )
        parts = [
            t
            for t, r in zip(progress.tokens, progress.reasons, strict=True)
            if r == PartReason.COUNTED
        ]
        sender = as_sender(sender)
        if sender.address.lower() == holder.lower():
            receipt = sender.send(self.contract.claim, pathway_id, parts)
        else:
            receipt = sender.send(self.contract.claim_for, pathway_id, holder, parts)
        [event] = self.contract.PathwayClaimed.from_receipt(receipt)
        return int(event.token_id), parts
