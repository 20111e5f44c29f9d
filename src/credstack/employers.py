"""Employers on chain: the EmployerRegistry's employers, their endorsements
of classes and pathways for job-task codes, and the verification records an
employer makes with a learner's consent, read back from its events; the
learner's EIP-712 consent (signed with the tooling's typed data, kept in a
JSON file the employer then uses), and the checks an endorsement, a
withdrawal, a record or a revocation must pass (made here, before anything
is sent, so a refusal is one line in words).

A consent names the token, the employer, the outcomes allowed (a mask of
verified 1, interviewed 2, hired 4), a nonce and a deadline. The nonce is a
random 256-bit number, so a learner's consents cannot be ordered or linked
by it; the contract keeps, per holder and nonce, the outcomes recorded and
whether the consent was revoked (``consent_state``)."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import decode
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

from credstack.catalog import KINDS, task_problem
from credstack.errors import CredstackError
from credstack.events import LogScanner, as_bytes, topic, topic_address, topic_int, word
from credstack.membership import DOMAIN_TYPES, chain_now, sign_typed_data, typed_data_signer
from credstack.registry import Registry, Status

NAME = "EmployerRegistry"
# The contract's EIP-712 domain name and version (EmployerRegistry.vy).
DOMAIN_NAME, DOMAIN_VERSION = "credstack Employers", "1"
CONSENT_TYPES = {
    "Consent": [
        {"name": "token_id", "type": "uint256"},
        {"name": "employer", "type": "address"},
        {"name": "outcomes", "type": "uint8"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}
KIND_CLASS, KIND_PATHWAY = 0, 1
KIND_IDS = {"class": KIND_CLASS, "pathway": KIND_PATHWAY}
KIND_NAMES = {v: k for k, v in KIND_IDS.items()}
OUTCOMES = {"verified": 1, "interviewed": 2, "hired": 4}
OUTCOME_NAMES = {v: k for k, v in OUTCOMES.items()}
ALL_OUTCOMES = 7
# `consent_state`'s bit for a revoked consent.
REVOKED = 128
CONSENT_FORMAT = "credstack-consent/1"


def parse_outcomes(text: str) -> int:
    """``verified,interviewed`` as a mask (3); a CredstackError naming the
    word that is not an outcome, or for none."""
    mask = 0
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        if part not in OUTCOMES:
            raise CredstackError(
                f"outcome '{part}': one of {', '.join(OUTCOMES)} (comma-separated)"
            )
        mask |= OUTCOMES[part]
    if not mask:
        raise CredstackError(f"outcomes {text!r}: name at least one of {', '.join(OUTCOMES)}")
    return mask


def parse_outcome(text: str) -> int:
    """One outcome's bit (``hired`` -> 4)."""
    name = text.strip().lower()
    if name not in OUTCOMES:
        raise CredstackError(f"outcome '{text}': one of {', '.join(OUTCOMES)}")
    return OUTCOMES[name]


def outcome_names(mask: int) -> list[str]:
    """The outcomes of a mask, in order (3 -> verified, interviewed)."""
    return [name for name, bit in OUTCOMES.items() if mask & bit]


def kind_of(text: str) -> int:
    if text not in KIND_IDS:
        raise CredstackError(f"kind '{text}': one of {', '.join(KINDS)}")
    return KIND_IDS[text]


def check_task(task: str) -> str:
    """``task`` if the contract would take it as a job-task code."""
    if problem := task_problem(task):
        raise CredstackError(f"task {task!r}: {problem}")
    return task


def new_nonce() -> int:
    """A consent's nonce: 256 random bits, so consents cannot be linked by
    their order."""
    return secrets.randbits(256)


def consent_typed_data(
    domain: dict[str, Any], token_id: int, employer: str, outcomes: int, nonce: int, deadline: int
) -> dict[str, Any]:
    """The EIP-712 message a holder signs so that ``employer`` may record
    the ``outcomes`` (a mask) for token ``token_id`` until ``deadline``."""
    return {
        "types": {"EIP712Domain": DOMAIN_TYPES, **CONSENT_TYPES},
        "primaryType": "Consent",
        "domain": domain,
        "message": {
            "token_id": token_id,
            "employer": employer,
            "outcomes": outcomes,
            "nonce": nonce,
            "deadline": deadline,
        },
    }


@dataclass(frozen=True)
class Consent:
    """A holder's signed consent, as written to a file for the employer."""

    token_id: int
    employer: str
    outcomes: int
    nonce: int
    deadline: int
    holder: str
    signature: bytes
    chain_id: int
    contract: str

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc.update(
            format=CONSENT_FORMAT,
            nonce=str(self.nonce),
            outcome_names=outcome_names(self.outcomes),
            signature="0x" + self.signature.hex(),
        )
        return doc

    @classmethod
    def from_json(cls, doc: Any, where: str = "consent") -> Consent:
        """A consent from its JSON; a CredstackError naming what is wrong."""
        if not isinstance(doc, dict) or doc.get("format") != CONSENT_FORMAT:
            raise CredstackError(f"{where}: not a credstack consent file ({CONSENT_FORMAT})")
        try:
            signature = bytes.fromhex(str(doc["signature"]).removeprefix("0x"))
            consent = cls(
                token_id=int(doc["token_id"]),
                employer=str(doc["employer"]),
                outcomes=int(doc["outcomes"]),
                nonce=int(doc["nonce"]),
                deadline=int(doc["deadline"]),
                holder=str(doc["holder"]),
                signature=signature,
                chain_id=int(doc["chain_id"]),
                contract=str(doc["contract"]),
            )
        except (KeyError, ValueError, TypeError) as err:
            raise CredstackError(f"{where}: malformed consent ({err})") from None
        if len(consent.signature) != 65:
            raise CredstackError(f"{where}: signature of {len(consent.signature)} bytes, not 65")
        return consent

    @classmethod
    def read(cls, path: Path) -> Consent:
        try:
            doc = json.loads(path.read_text())
        except OSError as err:
            raise CredstackError(f"{path}: unreadable ({err.strerror})") from None
        except ValueError:
            raise CredstackError(f"{path}: not JSON") from None
        return cls.from_json(doc, str(path))


@dataclass(frozen=True)
class Employer:
    address: str
    name: str
    url: str
    active: bool
    added_at: int


@dataclass(frozen=True)
class Endorsement:
    """An endorsement as it stands (the last Endorsed or withdrawal says)."""

    employer: str
    kind: int
    target_id: int
    task: str
    note_uri: str
    active: bool  # not withdrawn
    block_number: int


@dataclass(frozen=True)
class Verification:
    """One CredentialVerified: an outcome recorded with the holder's consent."""

    token_id: int
    employer: str
    holder: str
    outcome: int
    class_id: int
    nonce: int
    block_number: int


def task_hash(task: str) -> bytes:
    return keccak(text=task)


class Employers:
    """Typed reads, checks and sends over an EmployerRegistry contract."""

    def __init__(self, contract: Any, registry: Registry, from_block: int = 0) -> None:
        self.contract = contract
        self.address: str = contract.address
        self.registry = registry
        self._scanner = LogScanner(self.address, from_block)
        self._domain: dict[str, Any] | None = None

    @classmethod
    def for_deployment(cls, deployment: Any, registry: Registry) -> Employers:
        from ape import project

        if not deployment.employers:
            raise CredstackError(
                "this deployment has no employer registry (deployed before employers); deploy again"
            )
        return cls(
            project.EmployerRegistry.at(deployment.employers), registry, deployment.block_number
        )

    # Employers

    def employer(self, account: str) -> Employer | None:
        """The employer record of ``account``; None if never added."""
        info = self.contract.employer(account)
        if not info.name and not info.active and not int(info.added_at):
            return None
        return Employer(
            account, str(info.name), str(info.url), bool(info.active), int(info.added_at)
        )

    def employers(self) -> list[Employer]:
        """Every account ever added (removed ones too), in the order added."""
        found = []
        for i in range(int(self.contract.employer_count())):
            record = self.employer(str(self.contract.employer_at(i)))
            if record is not None:
                found.append(record)
        return found

    def is_employer(self, account: str) -> bool:
        return bool(self.contract.is_employer(account))

    def check_employer(self, account: str) -> Employer:
        """The employer, if ``account`` may endorse and record now; a
        CredstackError otherwise (never onboarded, or removed)."""
        record = self.employer(account)
        if record is None:
            raise CredstackError(
                f"{account} is not an employer: governance onboards employers (a council "
                "proposal: `ape run catalog apply` or `ape run governance propose employers "
                "add_employer`)"
            )
        if not record.active:
            raise CredstackError(
                f"{account} ({record.name}) was removed as an employer by governance: it can no "
                "longer endorse or record"
            )
        return record

    def _check_unpaused(self, what: str) -> None:
        if self.registry.contract.paused():
            raise CredstackError(f"the registry is paused: {what} wait until it is unpaused")

    # Endorsements

    def check_target(self, kind: int, target_id: int) -> None:
        """A CredstackError unless the class (in the registry) or the
        pathway (in the pathway registry) exists."""
        if kind == KIND_CLASS:
            count = int(self.registry.contract.class_count())
            if not 1 <= target_id <= count:
                raise CredstackError(f"unknown class {target_id} (classes: 1 to {count})")
        elif kind == KIND_PATHWAY:
            from ape import project

            pathways = project.PathwayRegistry.at(self.contract.pathways())
            count = int(pathways.pathway_count())
            if not 1 <= target_id <= count:
                raise CredstackError(f"unknown pathway {target_id} (pathways: 1 to {count})")
        else:
            raise CredstackError(f"kind {kind}: 0 (class) or 1 (pathway)")

    def endorsement(self, employer: str, kind: int, target_id: int, task: str) -> Any:
        return self.contract.endorsement(employer, kind, target_id, task)

    def check_endorse(self, employer: str, kind: int, target_id: int, task: str, note: str) -> None:
        """A CredstackError with the first reason `endorse` would refuse."""
        self.check_employer(employer)
        self._check_unpaused("endorsements")
        self.check_target(kind, target_id)
        check_task(task)
        if len(note.encode()) > 256:
            raise CredstackError(f"note URI of {len(note.encode())} bytes: at most 256")

    def endorse(self, kind: int, target_id: int, task: str, note: str, sender: Any) -> Any:
        """Endorse as the employer (checked first)."""
        from credstack.send import as_sender

        sender = as_sender(sender)
        self.check_endorse(sender.address, kind, target_id, task, note)
        return sender.send(self.contract.endorse, kind, target_id, task, note)

    def check_withdraw(self, employer: str, kind: int, target_id: int, task: str) -> None:
        check_task(task)
        if not self.endorsement(employer, kind, target_id, task).active:
            raise CredstackError(
                f"{employer} has no standing endorsement of {KIND_NAMES.get(kind, kind)} "
                f"{target_id} for {task}"
            )

    def withdraw(self, kind: int, target_id: int, task: str, sender: Any) -> Any:
        from credstack.send import as_sender

        sender = as_sender(sender)
        self.check_withdraw(sender.address, kind, target_id, task)
        return sender.send(self.contract.withdraw, kind, target_id, task)

    def endorsements(
        self, kind: int | None = None, target_id: int | None = None, employer: str | None = None
    ) -> list[Endorsement]:
        """Every endorsement ever made (of ``kind`` ``target_id``, by
        ``employer``) as it stands now, from Endorsed and
        EndorsementWithdrawn, in the order first made."""
        topics: list[str | None] = [None, None if employer is None else word(employer)]
        topics.append(None if target_id is None else word(target_id))
        state: dict[tuple[str, int, int, str], Endorsement] = {}
        logs = [
            (log, True) for log in self._scanner.logs([topic(NAME, "Endorsed"), *topics[1:]])
        ] + [
            (log, False)
            for log in self._scanner.logs([topic(NAME, "EndorsementWithdrawn"), *topics[1:]])
        ]
        logs.sort(key=lambda pair: (int(pair[0]["blockNumber"]), int(pair[0]["logIndex"])))
        for log, endorsed in logs:
            data = as_bytes(log["data"])
            if endorsed:
                log_kind, task, note = decode(["uint8", "string", "string"], data)
            else:
                log_kind, task = decode(["uint8", "string"], data)
                note = None
            if kind is not None and int(log_kind) != kind:
                continue
            key = (topic_address(log, 1), int(log_kind), topic_int(log, 2), str(task))
            previous = state.get(key)
            state[key] = Endorsement(
                employer=key[0],
                kind=key[1],
                target_id=key[2],
                task=key[3],
                note_uri=str(note) if note is not None else (previous.note_uri if previous else ""),
                active=endorsed,
                block_number=int(log["blockNumber"]),
            )
        return list(state.values())

    def accepted_by(self, kind: int, target_id: int) -> dict[str, list[Employer]]:
        """Task code -> the active employers standing by an endorsement of
        the class or pathway for it (a removed employer's endorsement is not
        counted)."""
        found: dict[str, list[Employer]] = {}
        employers = {e.address: e for e in self.employers()}
        for e in self.endorsements(kind, target_id):
            who = employers.get(e.employer)
            if e.active and who is not None and who.active:
                found.setdefault(e.task, []).append(who)
        return found

    # Consents and records

    def domain(self) -> dict[str, Any]:
        """The contract's EIP-712 domain, checked against its
        ``DOMAIN_SEPARATOR``: a consent over another domain would be
        refused on chain."""
        if self._domain is None:
            from ape import chain

            domain = {
                "name": DOMAIN_NAME,
                "version": DOMAIN_VERSION,
                "chainId": int(chain.chain_id),
                "verifyingContract": self.address,
            }
            typed = consent_typed_data(domain, 0, self.address, 1, 0, 0)
            separator = encode_typed_data(full_message=typed).header
            if bytes(separator) != bytes(self.contract.DOMAIN_SEPARATOR()):
                raise CredstackError(
                    f"employer registry {self.address}: its EIP-712 domain is not "
                    f"({DOMAIN_NAME!r}, {DOMAIN_VERSION!r}, chain {domain['chainId']}, itself); "
                    "this tooling cannot sign for it"
                )
            self._domain = domain
        return self._domain

    def consent_state(self, holder: str, nonce: int) -> int:
        return int(self.contract.consent_state(holder, nonce))

    def check_sign(self, holder: str, token_id: int, employer: str, outcomes: int) -> None:
        """A CredstackError unless ``holder`` may usefully consent: it holds
        the token, the employer is onboarded and active, the outcomes are a
        mask of known ones."""
        if not 1 <= outcomes <= ALL_OUTCOMES:
            raise CredstackError(f"outcomes {outcomes}: a mask of 1 (verified), 2, 4 (hired)")
        [credential] = self.registry.credentials([token_id])
        if not credential.exists or credential.status == Status.BURNED:
            raise CredstackError(f"token {token_id}: no such credential")
        if credential.holder.lower() != holder.lower():
            raise CredstackError(
                f"token {token_id} is held by {credential.holder}, not {holder}: only its holder "
                "can consent"
            )
        self.check_employer(employer)

    def sign(
        self,
        account: Any,
        token_id: int,
        employer: str,
        outcomes: int,
        deadline: int,
        nonce: int | None = None,
    ) -> Consent:
        """``account`` (the holder) consents, for ``employer``, to records
        of ``outcomes`` for ``token_id`` until ``deadline`` (checked first);
        nothing is sent."""
        from ape import chain

        self.check_sign(account.address, token_id, employer, outcomes)
        nonce = new_nonce() if nonce is None else nonce
        typed = consent_typed_data(self.domain(), token_id, employer, outcomes, nonce, deadline)
        return Consent(
            token_id=token_id,
            employer=employer,
            outcomes=outcomes,
            nonce=nonce,
            deadline=deadline,
            holder=str(account.address),
            signature=sign_typed_data(account, typed),
            chain_id=int(chain.chain_id),
            contract=self.address,
        )

    def check_record(
        self, consent: Consent, outcome: int, employer: str, now: int | None = None
    ) -> None:
        """A CredstackError with the first reason `record` of ``outcome``
        by ``employer`` with ``consent`` would be refused: not an active
        employer, paused, a consent for another contract or employer, the
        outcome not allowed, expired, a burned or unknown token, a
        signature not by the token's holder now, revoked, or used."""
        from ape import chain

        now = chain_now() if now is None else now
        self.check_employer(employer)
        self._check_unpaused("records")
        if consent.chain_id != int(chain.chain_id) or consent.contract.lower() != (
            self.address.lower()
        ):
            raise CredstackError(
                f"the consent is for the employer registry {consent.contract} on chain "
                f"{consent.chain_id}, not this one ({self.address} on chain {chain.chain_id})"
            )
        if consent.employer.lower() != employer.lower():
            raise CredstackError(
                f"the consent is for employer {consent.employer}, not {employer}: only the "
                "employer it names may use it"
            )
        if outcome not in OUTCOME_NAMES:
            raise CredstackError(f"outcome {outcome}: one of {', '.join(OUTCOMES)}")
        if not consent.outcomes & outcome:
            allowed = ", ".join(outcome_names(consent.outcomes)) or "none"
            raise CredstackError(
                f"outcome '{OUTCOME_NAMES[outcome]}' is not in the consent (it allows: {allowed})"
            )
        if now > consent.deadline:
            from credstack.units import format_time

            raise CredstackError(f"the consent expired on {format_time(consent.deadline)}")
        [credential] = self.registry.credentials([consent.token_id])
        if not credential.exists or credential.status == Status.BURNED:
            raise CredstackError(f"token {consent.token_id}: no such credential")
        typed = consent_typed_data(
            self.domain(),
            consent.token_id,
            consent.employer,
            consent.outcomes,
            consent.nonce,
            consent.deadline,
        )
        try:
            signer = typed_data_signer(typed, consent.signature)
        except Exception:  # a malformed signature recovers nobody
            signer = ""
        if signer.lower() != credential.holder.lower():
            raise CredstackError(
                f"bad signature: the consent is not signed by token {consent.token_id}'s holder "
                f"{credential.holder} for these terms"
            )
        state = self.consent_state(credential.holder, consent.nonce)
        if state & REVOKED:
            raise CredstackError(f"the consent (nonce {consent.nonce}) was revoked by its holder")
        if state & outcome:
            raise CredstackError(
                f"the consent (nonce {consent.nonce}) was used already for "
                f"'{OUTCOME_NAMES[outcome]}': each outcome of a consent is recorded once"
            )

    def record(self, consent: Consent, outcome: int, sender: Any) -> Any:
        """Record ``outcome`` as the employer, with the holder's consent
        (checked first)."""
        from credstack.send import as_sender

        sender = as_sender(sender)
        self.check_record(consent, outcome, sender.address)
        return sender.send(
            self.contract.record,
            consent.token_id,
            outcome,
            consent.outcomes,
            consent.nonce,
            consent.deadline,
            consent.signature,
        )

    def check_revoke(self, holder: str, nonce: int) -> None:
        if self.consent_state(holder, nonce) & REVOKED:
            raise CredstackError(f"the consent with nonce {nonce} is revoked already")

    def revoke(self, nonce: int, sender: Any) -> Any:
        """Revoke the sender's consent with ``nonce`` (checked first)."""
        from credstack.send import as_sender

        sender = as_sender(sender)
        self.check_revoke(sender.address, nonce)
        return sender.send(self.contract.revoke_consent, nonce)

    def verifications(
        self,
        token_id: int | None = None,
        employer: str | None = None,
        holder: str | None = None,
    ) -> list[Verification]:
        """Every record made (for ``token_id``, by ``employer``, of
        ``holder``), oldest first, from CredentialVerified."""
        topics: list[str | None] = [
            topic(NAME, "CredentialVerified"),
            None if token_id is None else word(token_id),
            None if employer is None else word(employer),
            None if holder is None else word(holder),
        ]
        found = []
        for log in self._scanner.logs(topics):
            outcome, class_id, nonce = decode(
                ["uint8", "uint256", "uint256"], as_bytes(log["data"])
            )
            found.append(
                Verification(
                    token_id=topic_int(log, 1),
                    employer=topic_address(log, 2),
                    holder=topic_address(log, 3),
                    outcome=int(outcome),
                    class_id=int(class_id),
                    nonce=int(nonce),
                    block_number=int(log["blockNumber"]),
                )
            )
        return found
