"""The pilot's ledger: what the simulation expects the chain to hold (the
cohort, each token's owner, status, expiry and score), what happened
(counters for the summary), and the one place transactions are counted.

Every sender the pilot's world makes has ``Ledger.record`` as its listener
(credstack.send), so every receipt of the run, whether from the issuance
engine, a council approval, a recovery, a sponsor's transfer or a deploy,
passes here: the printed totals are the chain's, not an estimate."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from credstack.registry import Status
from credstack.send import Sent


@dataclass
class Learner:
    """One person of the cohort. ``address`` is the learner's wallet now
    (a new one after a key recovery)."""

    index: int
    address: str
    key: str
    ability: float
    start_week: int
    dropped_week: int | None = None
    next_module: int = 0
    retake: bool = False
    tokens: dict[str, int] = field(default_factory=dict)  # slug -> token id (modules)
    wallets: int = 1  # 2 after a key recovery
    pathway_token: int = 0  # the pathway credential, once claimed
    claimant: str = ""  # the wallet that claimed it
    # The parts that claim used: they never count towards the pathway again.
    pathway_parts: tuple[int, ...] = ()
    arm: str = ""  # the perks experiment's arm: "perks" or "control"
    member_week: int | None = None  # when the learner joined the tier (perks arm)
    membership_id: int = 0  # of the wallet that joined (a recovered learner joins again)
    member_parts: tuple[int, ...] = ()  # the credentials the membership was earned with
    member_since: int = 0  # when the membership's current period count began (the join)
    member_until: int = 0  # its expiry
    perks_used: dict[tuple[str, int], int] = field(default_factory=dict)  # (perk, period) -> units
    perk_nonce: int = 0  # the member wallet's EIP-712 nonce (a recovered learner starts at 0)
    booked: bool = False  # booked a workshop seat (one per learner)
    claim_week: int | None = None  # the pilot week of the pathway claim
    # Employers: the consent the learner gave (None: not asked yet; 0: declined).
    consent_nonce: int | None = None

    def active(self, week: int) -> bool:
        return self.dropped_week is None and week >= self.start_week


@dataclass
class Tally:
    """What happened, per class slug where it applies."""

    attempts: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    already: Counter[str] = field(default_factory=Counter)
    issued: Counter[str] = field(default_factory=Counter)
    revoked: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    suspended: Counter[str] = field(default_factory=Counter)
    reinstated: Counter[str] = field(default_factory=Counter)
    renewed: Counter[str] = field(default_factory=Counter)
    transfers: int = 0
    recovered: int = 0
    forced: int = 0
    joined: int = 0
    membership_renewals: int = 0
    perks: Counter[str] = field(default_factory=Counter)
    passes_redeemed: int = 0
    bookings: int = 0  # seats booked at the workshop offer by members
    claims_by_learner: int = 0
    claims_for_learner: int = 0
    proposals: list[dict[str, Any]] = field(default_factory=list)
    paused_seconds: int = 0
    issuance_seconds: float = 0.0
    # Employers: consents signed and revoked, records made by outcome name,
    # records the tooling refused before sending (a revoked consent, a
    # consent of a wallet since recovered), hires of completers.
    consents: int = 0
    consents_revoked: int = 0
    records: Counter[str] = field(default_factory=Counter)
    records_refused: Counter[str] = field(default_factory=Counter)


class Ledger:
    def __init__(self) -> None:
        self.learners: list[Learner] = []
        # token id -> (slug, learner index); the index changes on transfer
        self.tokens: dict[int, tuple[str, int]] = {}
        self.revoked: set[int] = set()
        self.burned: set[int] = set()  # passes redeemed at the membership contract
        self.suspended: dict[int, int] = {}  # token -> week to decide
        self.expires: dict[int, int] = {}  # token -> expires_at (0 = never)
        self.scores: dict[int, int] = {}  # token -> score (basis points)
        self.funded: set[str] = set()  # wallets whose gas a sponsor paid
        self.receipts: list[dict[str, Any]] = []  # the issuance engine's, for the issuers
        self.tally = Tally()
        # Every mined transaction, by what it called.
        self.transactions: Counter[str] = Counter()
        self.gas: Counter[str] = Counter()
        # Learner index -> the pilot weeks in which they earned, renewed or
        # claimed a credential, and the week of their first credential: what
        # the analytics must find from the chain (retention by cohort).
        self.activity: dict[int, set[int]] = {}
        self.first_credential: dict[int, int] = {}

    # The one place transactions are counted

    def record(self, sent: Sent) -> None:
        self.transactions[sent.what] += 1
        self.gas[sent.what] += sent.gas_used

    @property
    def transaction_count(self) -> int:
        return sum(self.transactions.values())

    @property
    def gas_used(self) -> int:
        return sum(self.gas.values())

    # Expected state

    def issued(self, token_id: int, slug: str, owner: int, expires_at: int, score: int) -> None:
        self.tokens[token_id] = (slug, owner)
        self.expires[token_id] = expires_at
        self.scores[token_id] = score

    def active(self, learner: int, week: int, earned: bool) -> None:
        """The learner earned (issued or claimed) or renewed a credential in
        pilot week ``week``."""
        self.activity.setdefault(learner, set()).add(week)
        if earned:
            self.first_credential.setdefault(learner, week)

    def revoke(self, token_id: int, slug: str, reason: str) -> None:
        self.revoked.add(token_id)
        self.tally.revoked[slug] += 1
        self.tally.reasons[reason] += 1

    def status(self, token_id: int, now: int) -> Status:
        """What ``status_of`` should say at time ``now``."""
        if token_id in self.revoked:
            return Status.REVOKED
        if token_id in self.burned:
            return Status.BURNED
        if token_id in self.suspended:
            return Status.SUSPENDED
        expires = self.expires[token_id]
        return Status.EXPIRED if expires and now >= expires else Status.ACTIVE

    def valid(self, token_id: int, now: int) -> bool:
        return self.status(token_id, now) == Status.ACTIVE

    def holders(self) -> set[int]:
        """Learner indexes with a credential in their wallet now."""
        return {
            owner
            for token_id, (_, owner) in self.tokens.items()
            if token_id not in self.revoked and token_id not in self.burned
        }

    def counters(self) -> tuple[int, ...]:
        """(issued, rejected, revoked, passes traded, renewed) so far: the
        weekly line prints their change."""
        t = self.tally
        return (
            sum(t.issued.values()),
            sum(t.rejected.values()),
            len(self.revoked),
            t.transfers,
            sum(t.renewed.values()),
        )
