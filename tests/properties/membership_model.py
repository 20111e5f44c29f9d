"""The pure-Python model of the Membership contract and the part of the
registry it reads, that ``test_membership_state.py`` checks the chain
against.

No chain here: the model holds what the contracts should hold (the
credentials' holders, classes, scores, expiries and stored statuses; the
registry's pause flag and issuers; tiers, memberships, perks, providers,
usage and nonces) and predicts, for any call, the exact revert message the
contracts give (None when the call must succeed), in the contracts' order of
checks. Time is an argument (``now``), never read from a chain.

Actors are indexes into the machine's addresses; a membership is named by
(tier id, holder) as the contract's id ``tier_id << 160 | holder`` is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from credstack.registry import Status

# ADMIN stands for governance (the registry's DEFAULT_ADMIN_ROLE); GUARDIAN
# may pause; ISSUER_A names DELEGATE; PROVIDER is registered for tiers.
ADMIN, GUARDIAN, ISSUER_A, ISSUER_B, DELEGATE, PROVIDER = range(6)
LEARNERS = [6, 7, 8]
STRANGER = 9
ACTOR_COUNT = 10
# A holder that is no actor: the zero address (join_for refuses it).
ZERO = -1
# The membership contract as a holder: of a pass sent to it (burned there
# when redeemed; kept when sent with plain `transferFrom`).
CONTRACT = -2

DAY = 86_400
MIN_PERIOD = DAY
MAX_PERIOD = 2 * 365 * DAY
MAX_SCORE = 10_000
MAX_REQUIRED = 15
U32 = 2**32 - 1

# The registry's classes, created in this order (ids 1..5): three soulbound
# ones the tiers use (one of ISSUER_B's for cross-credit; one never
# expires) and two transferable ones (passes) a tier may not list: an
# offer names one of them as its pass class.
SQL, STATS, PYTHON, PASS, TICKET = 1, 2, 3, 4, 5
CLASS_ISSUER = {SQL: ISSUER_A, STATS: ISSUER_A, PYTHON: ISSUER_B, PASS: ISSUER_A, TICKET: ISSUER_B}
CLASS_VALIDITY = {SQL: 30 * DAY, STATS: 0, PYTHON: 120 * DAY, PASS: 90 * DAY, TICKET: 0}
PART_CLASSES = [SQL, STATS, PYTHON]
TRANSFERABLE = (PASS, TICKET)


@dataclass
class TokenModel:
    holder: int
    class_id: int
    score: int
    expires_at: int
    stored: int = Status.ACTIVE


@dataclass
class TierModel:
    issuer: int
    period: int
    required: list[int]
    # (class id, minimum score, group)
    options: list[tuple[int, int, int]]
    active: bool = True


@dataclass
class MembershipModel:
    joined_at: int
    expires_at: int
    parts: list[int]


@dataclass
class PerkModel:
    tier_id: int
    allowance: int
    period: int


@dataclass
class OfferModel:
    tier_id: int
    perk_id: int
    pass_class: int
    capacity: int
    provider: int
    taken: int = 0
    # (tier, holder) of the memberships that booked a seat
    booked: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class Model:
    paused: bool = False
    issuers: set[int] = field(default_factory=lambda: {ISSUER_A, ISSUER_B})
    tokens: dict[int, TokenModel] = field(default_factory=dict)
    tiers: dict[int, TierModel] = field(default_factory=dict)
    memberships: dict[tuple[int, int], MembershipModel] = field(default_factory=dict)
    perks: dict[int, PerkModel] = field(default_factory=dict)
    providers: set[tuple[int, int]] = field(default_factory=set)
    # (tier, holder, perk) -> (period index, units used in it): the
    # contract's usage word.
    usage: dict[tuple[int, int, int], tuple[int, int]] = field(default_factory=dict)
    # (tier, holder, perk, period index) -> units redeemed in that period,
    # over the whole history (the invariant's ledger).
    ledger: dict[tuple[int, int, int, int], int] = field(default_factory=dict)
    nonces: dict[int, int] = field(default_factory=dict)
    offers: dict[int, OfferModel] = field(default_factory=dict)

    # the registry #

    def status(self, token_id: int, now: int) -> int:
        token = self.tokens.get(token_id)
        if token is None:
            return Status.NONE
        if token.stored == Status.ACTIVE and token.expires_at and now >= token.expires_at:
            return Status.EXPIRED
        return token.stored

    def issue(self, class_id: int, holder: int, score: int, now: int) -> int:
        validity = CLASS_VALIDITY[class_id]
        token_id = len(self.tokens) + 1
        self.tokens[token_id] = TokenModel(
            holder, class_id, score, now + validity if validity else 0
        )
        return token_id

    def part_valid(self, token_id: int, holder: int, now: int) -> bool:
        """A part counts while held by the member, stored active and unexpired."""
        token = self.tokens.get(token_id)
        return (
            token is not None
            and token.holder == holder
            and self.status(token_id, now) == Status.ACTIVE
        )

    # tiers #

    def create_tier_error(
        self,
        actor: int,
        issuer: int,
        by_governance: bool,
        period: int,
        required: list[int],
        options: list[tuple[int, int, int]],
    ) -> str | None:
        if by_governance:
            if actor != ADMIN:
                return "membership: not governance"
            if issuer not in self.issuers:
                return "membership: not issuer"
        elif actor not in self.issuers:
            return "membership: not issuer"
        if not MIN_PERIOD <= period <= MAX_PERIOD:
            return "membership: bad period"
        if not required:
            return "membership: no groups"
        per_group = [0] * len(required)
        for i, (class_id, min_score, group) in enumerate(options):
            if group >= len(required):
                return "membership: bad group"
            if min_score > MAX_SCORE:
                return "membership: score out of range"
            if class_id not in CLASS_ISSUER:
                return "credential: unknown class"
            if class_id in TRANSFERABLE:
                return "membership: transferable part"
            if any(c == class_id for c, _, _ in options[:i]):
                return "membership: class listed twice"
            per_group[group] += 1
        for g, k in enumerate(required):
            if k == 0 or k > per_group[g] or k > MAX_REQUIRED:
                return "membership: bad required count"
        return None

    def record_tier(
        self, issuer: int, period: int, required: list[int], options: list[tuple[int, int, int]]
    ) -> int:
        tier_id = len(self.tiers) + 1
        self.tiers[tier_id] = TierModel(issuer, period, list(required), list(options))
        return tier_id

    def manager_error(self, actor: int, tier_id: int) -> str | None:
        """The tier's issuer (still an issuer) or governance."""
        tier = self.tiers.get(tier_id)
        if tier is None:
            return "membership: unknown tier"
        if actor == tier.issuer:
            return None if actor in self.issuers else "membership: issuer removed"
        return None if actor == ADMIN else "membership: not tier issuer"

    def is_delegate(self, issuer: int, actor: int) -> bool:
        return issuer == ISSUER_A and actor == DELEGATE

    def operators(self, tier_id: int) -> list[int]:
        """Who may join for a learner or renew for them."""
        tier = self.tiers.get(tier_id)
        if tier is None:
            return [ISSUER_A]
        return [tier.issuer, DELEGATE] if tier.issuer == ISSUER_A else [tier.issuer]

    # joins and renewals #

    def credentials_error(
        self, tier_id: int, holder: int, token_ids: list[int], now: int
    ) -> str | None:
        """`_check_join`: pause, tier open, its issuer still one, then each
        credential in order, then the groups."""
        tier = self.tiers[tier_id]
        if self.paused:
            return "membership: paused"
        if not tier.active:
            return "membership: tier inactive"
        if tier.issuer not in self.issuers:
            return "membership: issuer removed"
        counted = [0] * len(tier.required)
        classes: set[int] = set()
        previous = 0
        for token_id in token_ids:
            if token_id <= previous:
                if token_id == previous:
                    return "membership: token used twice"
                return "membership: tokens not increasing"
            previous = token_id
            token = self.tokens.get(token_id)
            if token is None:
                return "membership: unknown token"
            if token.stored != Status.ACTIVE or token.holder != holder:
                if token.holder != holder:
                    return "membership: not holder"
                return {
                    Status.SUSPENDED: "membership: credential suspended",
                    Status.REVOKED: "membership: credential revoked",
                }.get(token.stored, "membership: credential burned")
            if token.expires_at and now >= token.expires_at:
                return "membership: credential expired"
            option = next((o for o in tier.options if o[0] == token.class_id), None)
            if option is None:
                return "membership: token not in tier"
            if token.score < option[1]:
                return "membership: score below minimum"
            if token.class_id in classes:
                return "membership: class used twice"
            classes.add(token.class_id)
            counted[option[2]] += 1
        if any(c < k for c, k in zip(counted, tier.required, strict=True)):
            return "membership: requirements not met"
        return None

    def join_error(
        self,
        actor: int,
        tier_id: int,
        holder: int,
        token_ids: list[int],
        now: int,
        by_operator: bool,
    ) -> str | None:
        tier = self.tiers.get(tier_id)
        if tier is None:
            return "membership: unknown tier"
        if by_operator and actor != tier.issuer and not self.is_delegate(tier.issuer, actor):
            return "membership: not tier issuer"
        if holder == ZERO:
            return "membership: zero address"
        error = self.credentials_error(tier_id, holder, token_ids, now)
        if error is not None:
            return error
        m = self.memberships.get((tier_id, holder))
        if m is not None and now < m.expires_at:
            return "membership: already member"
        return None

    def record_join(self, tier_id: int, holder: int, token_ids: list[int], now: int) -> bool:
        """Mints, or renews an expired membership (joined_at kept); True for
        a mint."""
        expires_at = now + self.tiers[tier_id].period
        m = self.memberships.get((tier_id, holder))
        if m is None:
            self.memberships[(tier_id, holder)] = MembershipModel(now, expires_at, list(token_ids))
            return True
        m.expires_at, m.parts = expires_at, list(token_ids)
        return False

    def renew_error(
        self, actor: int, tier_id: int, holder: int, token_ids: list[int], now: int
    ) -> str | None:
        m = self.memberships.get((tier_id, holder))
        if m is None:
            return "membership: unknown membership"
        tier = self.tiers[tier_id]
        if actor != holder and actor != tier.issuer and not self.is_delegate(tier.issuer, actor):
            return "membership: not tier issuer"
        if now + tier.period // 10 < m.expires_at:
            return "membership: too early to renew"
        return self.credentials_error(tier_id, holder, token_ids, now)

    def record_renew(self, tier_id: int, holder: int, token_ids: list[int], now: int) -> None:
        m = self.memberships[(tier_id, holder)]
        m.expires_at = max(now, m.expires_at) + self.tiers[tier_id].period
        m.parts = list(token_ids)

    def renewable(self, tier_id: int, holder: int, now: int) -> bool:
        """`isRenewable`: the timing and the tier open."""
        tier, m = self.tiers[tier_id], self.memberships[(tier_id, holder)]
        return tier.active and now + tier.period // 10 >= m.expires_at

    def valid(self, tier_id: int, holder: int, now: int) -> bool:
        """`is_valid`: unexpired and every part still valid (live)."""
        m = self.memberships.get((tier_id, holder))
        if m is None or now >= m.expires_at:
            return False
        return all(self.part_valid(t, holder, now) for t in m.parts)

    def qualifying(self, tier_id: int, holder: int, now: int) -> list[int] | None:
        """A set of the holder's credentials that meets the tier now (the
        first that qualify for each group, in token order), or None."""
        tier = self.tiers.get(tier_id)
        if tier is None:
            return None
        needed = list(tier.required)
        chosen: list[int] = []
        for token_id, token in sorted(self.tokens.items()):
            if not self.part_valid(token_id, holder, now):
                continue
            option = next((o for o in tier.options if o[0] == token.class_id), None)
            if option is None or token.score < option[1] or needed[option[2]] == 0:
                continue
            needed[option[2]] -= 1
            chosen.append(token_id)
        return chosen if not any(needed) else None

    def all_parts(self, tier_id: int, holder: int, now: int) -> list[int]:
        """Every credential of the holder that counts for the tier now (a
        superset of `qualifying`)."""
        tier = self.tiers[tier_id]
        minimum = {c: score for c, score, _ in tier.options}
        return [
            i
            for i, t in sorted(self.tokens.items())
            if self.part_valid(i, holder, now) and t.score >= minimum.get(t.class_id, MAX_SCORE + 1)
        ]

    # perks #

    def add_perk_error(self, actor: int, tier_id: int, allowance: int) -> str | None:
        error = self.manager_error(actor, tier_id)
        if error is not None:
            return error
        if allowance == 0 or allowance > U32:
            return "membership: bad allowance"
        return None

    def record_perk(self, tier_id: int, allowance: int) -> int:
        perk_id = len(self.perks) + 1
        self.perks[perk_id] = PerkModel(tier_id, allowance, self.tiers[tier_id].period)
        return perk_id

    def set_provider_error(self, actor: int, tier_id: int, provider: int) -> str | None:
        error = self.manager_error(actor, tier_id)
        if error is None and provider == ZERO:
            return "membership: zero address"
        return error

    def period_index(self, tier_id: int, holder: int, perk_id: int, now: int) -> int:
        m = self.memberships[(tier_id, holder)]
        return (now - m.joined_at) // self.perks[perk_id].period

    def used(self, tier_id: int, holder: int, perk_id: int, now: int) -> int:
        """Units used in the membership's current period."""
        index = self.period_index(tier_id, holder, perk_id, now)
        stored_index, used = self.usage.get((tier_id, holder, perk_id), (0, 0))
        return used if stored_index == index else 0

    def use_error(
        self, tier_id: int, holder: int, perk_id: int, quantity: int, now: int
    ) -> str | None:
        """`_use`: pause, the perk and its tier, the quantity, the
        membership valid now, the allowance."""
        if self.paused:
            return "membership: paused"
        perk = self.perks.get(perk_id)
        if perk is None:
            return "membership: unknown perk"
        if perk.tier_id != tier_id:
            return "membership: perk not in tier"
        if quantity == 0:
            return "membership: zero quantity"
        m = self.memberships.get((tier_id, holder))
        if m is None:
            return "membership: unknown membership"
        if now >= m.expires_at:
            return "membership: expired"
        if not all(self.part_valid(t, holder, now) for t in m.parts):
            return "membership: credential invalid"
        if self.used(tier_id, holder, perk_id, now) + quantity > perk.allowance:
            return "membership: allowance used up"
        return None

    def redeem_error(
        self, actor: int, tier_id: int, holder: int, perk_id: int, quantity: int, now: int
    ) -> str | None:
        if actor != holder:
            return "membership: not member"
        return self.use_error(tier_id, holder, perk_id, quantity, now)

    def redeem_for_error(
        self,
        actor: int,
        tier_id: int,
        holder: int,
        perk_id: int,
        quantity: int,
        deadline: int,
        signed_by: int,
        signed_nonce: int,
        signed_for: tuple[int, int, int, int, int],
        now: int,
    ) -> str | None:
        """`signed_for` is what the signature covers: (tier, holder, perk,
        quantity, provider); the call's own are the other arguments."""
        if (tier_id, actor) not in self.providers:
            return "membership: not provider"
        if now > deadline:
            return "membership: signature expired"
        if (
            signed_by != holder
            or signed_nonce != self.nonces.get(holder, 0)
            or signed_for != (tier_id, holder, perk_id, quantity, actor)
        ):
            return "membership: bad signature"
        return self.use_error(tier_id, holder, perk_id, quantity, now)

    def record_use(self, tier_id: int, holder: int, perk_id: int, quantity: int, now: int) -> int:
        """Records a redemption; returns its period index."""
        index = self.period_index(tier_id, holder, perk_id, now)
        used = self.used(tier_id, holder, perk_id, now) + quantity
        self.usage[(tier_id, holder, perk_id)] = (index, used)
        key = (tier_id, holder, perk_id, index)
        self.ledger[key] = self.ledger.get(key, 0) + quantity
        return index

    def balance(self, holder: int) -> int:
        return sum(1 for _, h in self.memberships if h == holder)

    # offers #

    def create_offer_error(
        self, actor: int, tier_id: int, perk_id: int, pass_class: int, capacity: int, provider: int
    ) -> str | None:
        error = self.manager_error(actor, tier_id)
        if error is not None:
            return error
        if capacity == 0 or capacity > U32:
            return "membership: bad capacity"
        if perk_id != 0:
            perk = self.perks.get(perk_id)
            if perk is None:
                return "membership: unknown perk"
            if perk.tier_id != tier_id:
                return "membership: perk not in tier"
        if pass_class != 0:
            if pass_class not in CLASS_ISSUER:
                return "credential: unknown class"
            if pass_class not in TRANSFERABLE:
                return "membership: pass not transferable"
        if (tier_id, provider) not in self.providers:
            return "membership: not provider"
        return None

    def record_offer(
        self, tier_id: int, perk_id: int, pass_class: int, capacity: int, provider: int
    ) -> int:
        offer_id = len(self.offers) + 1
        self.offers[offer_id] = OfferModel(tier_id, perk_id, pass_class, capacity, provider)
        return offer_id

    def book_error(
        self, actor: int, offer_id: int, tier_id: int, holder: int, now: int
    ) -> str | None:
        """`book`: the member; the offer of the tier, not booked by the
        membership, a seat left; then the perk's unit (`_use`) or the pause
        and the membership valid now."""
        if actor != holder:
            return "membership: not member"
        offer = self.offers.get(offer_id)
        if offer is None:
            return "membership: unknown offer"
        if offer.tier_id != tier_id:
            return "membership: offer not in tier"
        if (tier_id, holder) in offer.booked:
            return "membership: already booked"
        if offer.taken >= offer.capacity:
            return "membership: offer full"
        if offer.perk_id != 0:
            return self.use_error(tier_id, holder, offer.perk_id, 1, now)
        if self.paused:
            return "membership: paused"
        m = self.memberships.get((tier_id, holder))
        if m is None:
            return "membership: unknown membership"
        if now >= m.expires_at:
            return "membership: expired"
        if not all(self.part_valid(t, holder, now) for t in m.parts):
            return "membership: credential invalid"
        return None

    # passes #

    def transfer_error(self, actor: int, token_id: int, to: int, now: int) -> str | None:
        """The registry's `_transfer` of a token from its holder to `to`, by
        `actor` (no approvals here): locked, then valid now, then the
        recipient and the caller."""
        token = self.tokens.get(token_id)
        if token is not None and token.class_id not in TRANSFERABLE:
            return "credential: soulbound"
        status = self.status(token_id, now)
        if token is None or status != Status.ACTIVE:
            return {
                Status.NONE: "credential: nonexistent token",
                Status.SUSPENDED: "credential: suspended",
                Status.REVOKED: "credential: revoked",
                Status.EXPIRED: "credential: expired",
            }.get(status, "credential: burned")
        if to == ZERO:
            return "credential: zero address"
        if actor != token.holder:
            return "credential: not approved"
        return None

    def pass_error(self, token_id: int, offer_id: int, data_length: int) -> str | None:
        """`onERC721Received` (the registry's callback, after the move):
        the data an offer id, the offer known, no pause, the pass of the
        offer's pass class, a seat left."""
        if data_length != 32:
            return "membership: bad offer data"
        offer = self.offers.get(offer_id)
        if offer is None:
            return "membership: unknown offer"
        if self.paused:
            return "membership: paused"
        if offer.pass_class == 0 or self.tokens[token_id].class_id != offer.pass_class:
            return "membership: not a pass for offer"
        if offer.taken >= offer.capacity:
            return "membership: offer full"
        return None

    def send_pass_error(
        self, actor: int, token_id: int, offer_id: int, data_length: int, safe: bool, now: int
    ) -> str | None:
        """A token sent by `actor` from its holder to the membership
        contract: with `safeTransferFrom` (`safe`) the contract's callback
        redeems it, and its refusal reverts the transfer, message and all;
        plain `transferFrom` makes no callback."""
        error = self.transfer_error(actor, token_id, CONTRACT, now)
        if error is None and safe:
            return self.pass_error(token_id, offer_id, data_length)
        return error

    def record_pass(self, token_id: int, offer_id: int) -> None:
        """A redeemed pass: a seat taken, the pass burned by the contract
        that now holds it."""
        token = self.tokens[token_id]
        token.holder, token.stored = CONTRACT, Status.BURNED
        self.offers[offer_id].taken += 1
