"""The pure-Python model of the EmployerRegistry and the part of the
registry it reads, that ``test_employer_state.py`` checks the chain against.

No chain here: the model holds what the contracts should hold (the
credentials' holders and stored statuses, the registry's pause flag; the
employers, endorsements, consent states and verification counts) and
predicts, for any call, the exact revert message the contract gives (None
when the call must succeed), in the contract's order of checks. Time is an
argument (``now``), never read from a chain.

Actors are indexes into the machine's addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from credstack.registry import Status

# ADMIN stands for governance (the registry's DEFAULT_ADMIN_ROLE); GUARDIAN
# may pause; ISSUER issues every class. EMPLOYERS may be onboarded (anyone
# may try to act as one); LEARNERS hold credentials and sign consents.
ADMIN, GUARDIAN, ISSUER = 0, 1, 2
EMPLOYERS = [3, 4, 5]
LEARNERS = [6, 7, 8]
STRANGER = 9
ACTOR_COUNT = 10
# An account that is no actor: the zero address (add_employer refuses it).
ZERO = -1

DAY = 86_400

# The registry's classes, created in this order (ids 1..3): a soulbound
# one, a transferable one (its tokens change hands, so a consent's signer
# may no longer hold the token), and a pathway's output class. One pathway
# (id 1). Ids beyond are unknown.
SQL, PASS, OUTPUT = 1, 2, 3
CLASS_COUNT = 3
PATHWAY_COUNT = 1

KIND_CLASS, KIND_PATHWAY = 0, 1
VERIFIED, INTERVIEWED, HIRED = 1, 2, 4
REVOKED = 128

PRINTABLE = set(range(0x20, 0x7F))


@dataclass
class TokenModel:
    holder: int
    class_id: int
    stored: int = Status.ACTIVE


@dataclass
class EmployerModel:
    name: str
    url: str
    active: bool
    added_at: int


@dataclass
class EndorsementModel:
    active: bool
    endorsed_at: int
    note: str


@dataclass(frozen=True)
class Consent:
    """What a holder signs: the token, the employer, the outcomes allowed, a
    nonce and a deadline."""

    token_id: int
    employer: int
    outcomes: int
    nonce: int
    deadline: int


@dataclass
class Model:
    paused: bool = False
    tokens: dict[int, TokenModel] = field(default_factory=dict)
    employers: dict[int, EmployerModel] = field(default_factory=dict)
    # The order in which accounts were first added (`employer_at`).
    order: list[int] = field(default_factory=list)
    # (employer, kind, target id, task) -> endorsement
    endorsements: dict[tuple[int, int, int, str], EndorsementModel] = field(default_factory=dict)
    # (holder, nonce) -> outcome bits recorded | REVOKED
    consent_state: dict[tuple[int, int], int] = field(default_factory=dict)
    verification_count: dict[int, int] = field(default_factory=dict)

    # the registry #

    def issue(self, class_id: int, holder: int) -> int:
        token_id = len(self.tokens) + 1
        self.tokens[token_id] = TokenModel(holder, class_id)
        return token_id

    # employers #

    def active(self, account: int) -> bool:
        e = self.employers.get(account)
        return e is not None and e.active

    def add_employer(self, sender: int, account: int, name: str) -> str | None:
        if sender != ADMIN:
            return "employer: not governance"
        if account == ZERO:
            return "employer: zero address"
        if not name:
            return "employer: empty name"
        return None

    def record_add(self, account: int, name: str, url: str, now: int) -> None:
        e = self.employers.get(account)
        if e is None:
            self.order.append(account)
        if e is None or not e.active:
            self.employers[account] = EmployerModel(name, url, True, now)
        else:
            e.name, e.url = name, url

    def remove_employer(self, sender: int, account: int) -> str | None:
        if sender != ADMIN:
            return "employer: not governance"
        if not self.active(account):
            return "employer: unknown employer"
        return None

    # endorsements #

    @staticmethod
    def task_error(task: str) -> str | None:
        raw = task.encode()
        if not raw:
            return "employer: empty task"
        if any(b not in PRINTABLE for b in raw):
            return "employer: bad task"
        return None

    def endorse(self, sender: int, kind: int, target_id: int, task: str) -> str | None:
        if not self.active(sender):
            return "employer: not employer"
        if self.paused:
            return "employer: paused"
        if kind > KIND_PATHWAY:
            return "employer: bad kind"
        if kind == KIND_CLASS and not 1 <= target_id <= CLASS_COUNT:
            return "employer: unknown class"
        if kind == KIND_PATHWAY and not 1 <= target_id <= PATHWAY_COUNT:
            return "employer: unknown pathway"
        return self.task_error(task)

    def record_endorse(
        self, sender: int, kind: int, target_id: int, task: str, note: str, now: int
    ) -> None:
        self.endorsements[(sender, kind, target_id, task)] = EndorsementModel(True, now, note)

    def withdraw(self, sender: int, kind: int, target_id: int, task: str) -> str | None:
        if kind > KIND_PATHWAY:
            return "employer: bad kind"
        e = self.endorsements.get((sender, kind, target_id, task))
        if e is None or not e.active:
            return "employer: not endorsed"
        return None

    def endorsement_count(self, kind: int, target_id: int, task: str) -> int:
        """Endorsements not withdrawn, removed employers' included."""
        return sum(
            1
            for (_, k, t, code), e in self.endorsements.items()
            if (k, t, code) == (kind, target_id, task) and e.active
        )

    # verification records #

    def holder_of_record(self, token_id: int) -> int | None:
        """The token's holder field, or None for an unknown or burned token
        (the contract refuses both)."""
        token = self.tokens.get(token_id)
        if token is None or token.stored == Status.BURNED:
            return None
        return token.holder

    def record(
        self,
        sender: int,
        token_id: int,
        outcome: int,
        outcomes: int,
        nonce: int,
        deadline: int,
        signed: Consent | None,
        signer: int | None,
        now: int,
    ) -> str | None:
        """`signed` and `signer`: what the signature is a signature of, and
        by whom (None for a malformed signature)."""
        if not self.active(sender):
            return "employer: not employer"
        if self.paused:
            return "employer: paused"
        if outcome not in (VERIFIED, INTERVIEWED, HIRED) or not 1 <= outcomes <= 7:
            return "employer: bad outcome"
        if outcomes & outcome == 0:
            return "employer: outcome not allowed"
        if now > deadline:
            return "employer: consent expired"
        holder = self.holder_of_record(token_id)
        if holder is None:
            return "employer: unknown token"
        if signed != Consent(token_id, sender, outcomes, nonce, deadline) or signer != holder:
            return "employer: bad signature"
        state = self.consent_state.get((holder, nonce), 0)
        if state & REVOKED:
            return "employer: consent revoked"
        if state & outcome:
            return "employer: consent used"
        return None

    def record_record(self, token_id: int, outcome: int, nonce: int) -> None:
        holder = self.tokens[token_id].holder
        key = (holder, nonce)
        self.consent_state[key] = self.consent_state.get(key, 0) | outcome
        self.verification_count[token_id] = self.verification_count.get(token_id, 0) + 1

    def revoke_consent(self, sender: int, nonce: int) -> str | None:
        if self.consent_state.get((sender, nonce), 0) & REVOKED:
            return "employer: consent revoked"
        return None

    def record_revoke(self, sender: int, nonce: int) -> None:
        key = (sender, nonce)
        self.consent_state[key] = self.consent_state.get(key, 0) | REVOKED
