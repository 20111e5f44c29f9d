"""The pure-Python model of the registry, its pathway and its governance
that the stateful property test checks the chain against.

No chain here: the model holds what the contracts should hold (classes,
tokens, issuers and delegates, operators, the pause flag, allowlists, the
pathway and its claims) and predicts, for any call, the exact revert message
the contracts give (None when the call must succeed), in the contracts' order
of checks. Time is an argument (``now``), never read from a chain.

Actors are indexes into the world's addresses (see ``world.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from credstack.registry import MAX_SCORE, Status

# ADMIN stands for governance (the timelock); GUARDIAN may pause, nothing else.
ADMIN, ISSUER_A, ISSUER_B, DELEGATE, STRANGER = range(5)
LEARNERS = [5, 6, 7, 8]
GUARDIAN = 9
ACTOR_COUNT = 10
# The pathway registry, as a delegate of ISSUER_A (not an actor that signs).
PATHWAYS = -1

# A claim's reasons (`progress(...).reason`, the contract's CLAIM_ constants)
# beyond the groups, as the message the claim reverts with.
CLAIM_MESSAGES = {
    "pathway: inactive": 1,
    "pathway: already claimed": 2,
    "pathway: requirements not met": 3,
    "credential: paused": 4,
    "credential: not class issuer": 5,
    "credential: issuer removed": 6,
    "credential: class inactive": 7,
    "credential: issuance closed": 8,
    "credential: receiver not allowlisted": 9,
    "credential: score below minimum": 10,
}
MAX_EXPIRY = 2**40 - 1


@dataclass
class ClassModel:
    issuer: int
    transferable: bool
    revocable: bool
    validity: int
    min_score: int
    active: bool = True
    restricted: bool = False
    issue_until: int = 0


@dataclass
class TokenModel:
    holder: int
    class_id: int
    score: int
    expires_at: int
    stored: int = Status.ACTIVE
    bound_holder: int = 0
    approved: int | None = None
    # Approved spenders whose approval a transfer should have cleared.
    former_spenders: set[int] = field(default_factory=set)


@dataclass
class PathwayModel:
    """One pathway of ISSUER_A: class -> (minimum score, group)."""

    output: int
    options: dict[int, tuple[int, int]]
    required: list[int]
    inherit: bool
    active: bool = True
    claimed: dict[int, int] = field(default_factory=dict)  # actor -> token
    # Part tokens a claim has used: each counts towards the pathway once.
    used: set[int] = field(default_factory=set)


@dataclass
class Model:
    classes: dict[int, ClassModel] = field(default_factory=dict)
    tokens: dict[int, TokenModel] = field(default_factory=dict)
    # Each account's issuer word: ISSUER_ROLE changes counted, odd while it
    # holds the role (both issuers were granted it once at deployment).
    words: dict[int, int] = field(default_factory=lambda: {ISSUER_A: 1, ISSUER_B: 1})
    # (issuer, delegate) -> the issuer's word when it named the delegate; a
    # delegation counts only while that word is the issuer's word now.
    delegations: dict[tuple[int, int], int] = field(
        default_factory=lambda: {(ISSUER_A, DELEGATE): 1, (ISSUER_A, PATHWAYS): 1}
    )
    pathway_count: int = 0
    operators: set[tuple[int, int]] = field(default_factory=set)
    paused: bool = False
    ever_revoked: set[int] = field(default_factory=set)
    # (class id, account) pairs on a class's allowlist.
    allowlist: set[tuple[int, int]] = field(default_factory=set)
    pathway: PathwayModel | None = None

    # issuers and delegates #

    @property
    def issuers(self) -> set[int]:
        return {a for a, w in self.words.items() if w % 2}

    def word(self, actor: int) -> int:
        return self.words.get(actor, 0)

    def set_issuer(self, actor: int, held: bool) -> None:
        """A grant to a non-holder or a removal of a holder moves the word."""
        if (actor in self.issuers) != held:
            self.words[actor] = self.word(actor) + 1

    def is_delegate(self, issuer: int, delegate: int) -> bool:
        named = self.delegations.get((issuer, delegate), 0)
        return named != 0 and named == self.word(issuer)

    def set_delegate_error(self, actor: int, allowed: bool) -> str | None:
        """Naming needs the role; removing, only ever having held it."""
        if actor in self.issuers or (not allowed and self.word(actor) != 0):
            return None
        return "credential: not issuer"

    # statuses and who may act #

    def status(self, token_id: int, now: int) -> int:
        token = self.tokens.get(token_id)
        if token is None:
            return Status.NONE
        if token.stored == Status.ACTIVE and token.expires_at and now >= token.expires_at:
            return Status.EXPIRED
        return token.stored

    def operator_error(self, actor: int, class_id: int) -> str | None:
        """A delegate named under the issuer's word now passes; one named
        before a removal still reads "issuer removed" while the role is
        gone, and "not class issuer" once it is granted again."""
        issuer = self.classes[class_id].issuer
        word = self.word(issuer)
        named = self.delegations.get((issuer, actor), 0)
        if actor != issuer and not (named == word or (named != 0 and word % 2 == 0)):
            return "credential: not class issuer"
        if word % 2 == 0:
            return "credential: issuer removed"
        return None

    def held_error(self, token_id: int) -> str | None:
        stored = self.tokens[token_id].stored if token_id in self.tokens else Status.NONE
        return {
            Status.NONE: "credential: nonexistent token",
            Status.REVOKED: "credential: revoked",
            Status.BURNED: "credential: burned",
        }.get(stored)

    def revoke_error(self, token_id: int) -> str | None:
        """What refuses any revocation: a burned record may be revoked."""
        stored = self.tokens[token_id].stored if token_id in self.tokens else Status.NONE
        return {
            Status.NONE: "credential: nonexistent token",
            Status.REVOKED: "credential: revoked",
        }.get(stored)

    def class_operators(self, class_id: int) -> list[int]:
        klass = self.classes.get(class_id)
        if klass is None:
            return [ISSUER_A]
        live = [d for i, d in self.delegations if i == klass.issuer and self.is_delegate(i, d)]
        return [klass.issuer] + [d for d in live if d != PATHWAYS]

    def token_operators(self, token_id: int) -> list[int]:
        token = self.tokens.get(token_id)
        return self.class_operators(token.class_id) if token else [ISSUER_A]

    def token_holder(self, token_id: int) -> list[int]:
        """The holder first, then whoever may spend the token now, then former
        spenders (who must be refused)."""
        token = self.tokens.get(token_id)
        if token is None:
            return []
        spenders = sorted(o for h, o in self.operators if h == token.holder)
        approved = [] if token.approved is None else [token.approved]
        return [token.holder, *spenders, *approved, *sorted(token.former_spenders)]

    def transferable(self, token: TokenModel) -> bool:
        return self.classes[token.class_id].transferable

    def tradable(self, token: TokenModel, now: int) -> bool:
        """Transferable and valid now: a transfer of it can succeed."""
        if not self.transferable(token) or token.stored != Status.ACTIVE:
            return False
        return token.expires_at == 0 or now < token.expires_at

    def held_by(self, actor: int) -> list[int]:
        return sorted(
            i
            for i, t in self.tokens.items()
            if t.holder == actor and t.stored in (Status.ACTIVE, Status.SUSPENDED)
        )

    # issuance #

    def issue_error(self, actor: int, class_id: int, now: int) -> str | None:
        if self.paused:
            return "credential: paused"
        if class_id not in self.classes:
            return "credential: unknown class"
        if err := self.operator_error(actor, class_id):
            return err
        klass = self.classes[class_id]
        if not klass.active:
            return "credential: class inactive"
        if klass.issue_until and now > klass.issue_until:
            return "credential: issuance closed"
        return None

    def receiver_error(self, class_id: int, receiver: int) -> str | None:
        if self.classes[class_id].restricted and (class_id, receiver) not in self.allowlist:
            return "credential: receiver not allowlisted"
        return None

    def entry_error(self, class_id: int, holder: int, score: int) -> str | None:
        if err := self.receiver_error(class_id, holder):
            return err
        if score > MAX_SCORE:
            return "credential: score out of range"
        if score < self.classes[class_id].min_score:
            return "credential: score below minimum"
        return None

    def expiry_error(self, class_id: int, expires_at: int, now: int) -> str | None:
        """An issue's own expiry (0: the class's validity)."""
        if expires_at == 0:
            return None
        if expires_at <= now:
            return "credential: expiry not in future"
        validity = self.classes[class_id].validity
        if validity and expires_at > now + validity:
            return "credential: expiry beyond validity"
        if expires_at > MAX_EXPIRY:
            return "credential: expiry too large"
        return None

    def record_issue(
        self, class_id: int, holder: int, score: int, now: int, expires_at: int = 0
    ) -> int:
        """Adds the credential an issue at `now` creates; returns its id."""
        klass = self.classes[class_id]
        token_id = len(self.tokens) + 1
        if not expires_at:
            expires_at = now + klass.validity if klass.validity else 0
        self.tokens[token_id] = TokenModel(
            holder, class_id, score, expires_at, Status.ACTIVE, holder
        )
        return token_id

    # transfers and key recovery #

    def transfer_error(self, token_id: int, now: int) -> str | None:
        """Checks shared by transfers and approvals, in the contract's order."""
        token = self.tokens.get(token_id)
        if token is not None and not self.classes[token.class_id].transferable:
            return "credential: soulbound"
        status = self.status(token_id, now)
        if status == Status.ACTIVE:
            return None
        return self.held_error(token_id) or (
            "credential: suspended" if status == Status.SUSPENDED else "credential: expired"
        )

    def listing_error(self, listed: list[int], to: int, class_id: int) -> str | None:
        """The contract's checks of the new wallet's token list, in order."""
        if len(listed) != len(self.held_by(to)):
            return "credential: token list incomplete"
        previous = 0
        for token_id in listed:
            if token_id <= previous:
                return "credential: token list not increasing"
            previous = token_id
            if self.tokens[token_id].class_id == class_id:
                return "credential: holder has class"
        return None

    # pathway claims #

    def part_error(self, token_id: int, actor: int, now: int) -> str | None:
        token = self.tokens.get(token_id)
        if token is None:
            return "pathway: unknown token"
        if token.holder != actor:
            return "pathway: not holder"
        return {
            Status.EXPIRED: "pathway: part expired",
            Status.SUSPENDED: "pathway: part suspended",
            Status.REVOKED: "pathway: part revoked",
            Status.BURNED: "pathway: part burned",
        }.get(self.status(token_id, now))

    def claim_error(self, actor: int, ids: list[int], now: int) -> str | None:
        """The contract's checks in its order: pathway, each part, the
        groups, then the registry's issue as the pathway's delegate."""
        p = self.pathway
        assert p is not None
        if not p.active:
            return "pathway: inactive"
        if actor in p.claimed:
            return "pathway: already claimed"
        counts = [0] * len(p.required)
        classes: set[int] = set()
        previous = 0
        for token_id in ids:
            if token_id <= previous:
                if token_id == previous:
                    return "pathway: token used twice"
                return "pathway: tokens not increasing"
            previous = token_id
            if err := self.part_error(token_id, actor, now):
                return err
            token = self.tokens[token_id]
            option = p.options.get(token.class_id)
            if option is None:
                return "pathway: token not in pathway"
            if token.score < option[0]:
                return "pathway: score below minimum"
            if token.class_id in classes:
                return "pathway: class used twice"
            classes.add(token.class_id)
            if token_id in p.used:
                return "pathway: part already used"
            counts[option[1]] += 1
        if any(c < k for c, k in zip(counts, p.required, strict=True)):
            return "pathway: requirements not met"
        return self.claim_issue_error(actor, ids, now)

    def claim_issue_error(self, actor: int, ids: list[int], now: int) -> str | None:
        """The registry's refusals of the claim's issue, in its order."""
        p = self.pathway
        assert p is not None
        if self.paused:
            return "credential: paused"
        if err := self.operator_error(PATHWAYS, p.output):
            return err
        output = self.classes[p.output]
        if not output.active:
            return "credential: class inactive"
        if output.issue_until and now > output.issue_until:
            return "credential: issuance closed"
        if err := self.receiver_error(p.output, actor):
            return err
        if self.claim_score(ids) < output.min_score:
            return "credential: score below minimum"
        return None

    def claim_score(self, ids: list[int]) -> int:
        """The pathway credential's score: the parts' average."""
        return sum(self.tokens[i].score for i in ids) // len(ids)

    def claim_expiry(self, ids: list[int], now: int) -> int:
        """With expiry from the parts, the earliest part's expiry when it
        comes before the output class's; else the class's (0 for that)."""
        p = self.pathway
        assert p is not None
        expiries = [self.tokens[i].expires_at for i in ids if self.tokens[i].expires_at]
        if not p.inherit or not expiries:
            return 0
        validity = self.classes[p.output].validity
        earliest = min(expiries)
        return earliest if validity == 0 or earliest < now + validity else 0

    def parts_of(self, actor: int, now: int, usable: bool = False) -> list[int]:
        """The actor's tokens of the pathway's classes; with ``usable``, only
        valid ones at or above their option's minimum."""
        p = self.pathway
        assert p is not None
        return [
            i
            for i, t in self.tokens.items()
            if t.holder == actor
            and t.class_id in p.options
            and (
                not usable
                or (
                    self.status(i, now) == Status.ACTIVE
                    and t.score >= p.options[t.class_id][0]
                    and i not in p.used
                )
            )
        ]

    def one_per_class(self, ids: list[int]) -> list[int]:
        """``ids`` keeping the first token of each class (a class counts
        once in a claim), in order."""
        seen: set[int] = set()
        kept = []
        for i in ids:
            if self.tokens[i].class_id not in seen:
                seen.add(self.tokens[i].class_id)
                kept.append(i)
        return kept

    def ready_claimers(self, now: int) -> list[int]:
        """Learners who hold usable parts of every group and have not claimed."""
        p = self.pathway
        if p is None:
            return []
        return [
            a
            for a in LEARNERS
            if a not in p.claimed
            and len({p.options[self.tokens[i].class_id][1] for i in self.parts_of(a, now, True)})
            == len(p.required)
        ]

    # pathways #

    def create_pathway_error(self, actor: int, output: int, options: list[int]) -> str | None:
        """`create_pathway(output, [1], options in group 0 at minimum 0)`,
        in the contract's order of checks."""
        if output not in self.classes:
            return "credential: unknown class"
        issuer = self.classes[output].issuer
        if actor != issuer:
            return "pathway: not class issuer"
        if issuer not in self.issuers:
            return "pathway: issuer removed"
        if not self.is_delegate(issuer, PATHWAYS):
            return "pathway: not delegate"
        for i, class_id in enumerate(options):
            if class_id == output:
                return "pathway: output class as part"
            if class_id not in self.classes:
                return "credential: unknown class"
            if self.classes[class_id].transferable:
                return "pathway: transferable part"
            if class_id in options[:i]:
                return "pathway: class listed twice"
        if not options:
            return "pathway: bad required count"
        return None
