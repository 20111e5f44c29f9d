"""Memberships on chain: the Membership contract's tiers, perks, offers and
providers read back from their events, a holder's memberships and what is
left of each perk this period, the checks a join, a redemption or a booking
must pass (made here, before anything is sent, so a refusal is one line in
words), and the member's EIP-712 signature that lets a provider redeem for
them.

A membership id is ``tier_id << 160 | holder`` (one per holder per tier),
so nothing has to be looked up to name a holder's membership. The periods
of perk allowances are the membership's own: period k runs from
``joined_at + k * period`` to the second before ``joined_at + (k + 1) *
period``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode
from eth_account.messages import encode_typed_data
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from credstack.errors import CredstackError
from credstack.events import LogScanner, topic, word
from credstack.registry import Credential, Registry, Status

NAME = "Membership"
MAX_PARTS = 16
# A membership may be renewed from 90% of its term: its last tenth.
RENEW_TENTH = 10
# The contract's EIP-712 domain name and version (Membership.vy).
DOMAIN_NAME, DOMAIN_VERSION = "credstack Membership", "1"
# The signed struct of `redeem_for` (Membership.vy's _REDEEM_TYPEHASH).
REDEEM_TYPES = {
    "Redeem": [
        {"name": "membership_id", "type": "uint256"},
        {"name": "perk_id", "type": "uint256"},
        {"name": "quantity", "type": "uint256"},
        {"name": "ref", "type": "bytes32"},
        {"name": "provider", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}
# The EIP712Domain type both of our domains use (name, version, chainId, contract).
DOMAIN_TYPES = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


@dataclass(frozen=True)
class TierRules:
    """What a tier is on chain: comparable with a catalog entry."""

    issuer: str
    period: int
    required: tuple[int, ...]
    options: tuple[tuple[int, int, int], ...]  # (class id, min score, group)


@dataclass(frozen=True)
class Tier:
    tier_id: int
    name: str
    rules: TierRules


@dataclass(frozen=True)
class Perk:
    perk_id: int
    tier_id: int
    name: str
    allowance: int  # per period


@dataclass(frozen=True)
class Offer:
    offer_id: int
    tier_id: int
    perk_id: int  # 0: none
    pass_class: int  # 0: none
    capacity: int
    provider: str


@dataclass(frozen=True)
class Membership:
    membership_id: int
    tier_id: int
    holder: str
    joined_at: int
    expires_at: int
    parts: tuple[int, ...]
    valid: bool  # unexpired, and every part still held, active and unexpired

    def period_index(self, period: int, now: int) -> int:
        """The membership's perk period at time ``now`` (0 from the join)."""
        return (now - self.joined_at) // period

    def period_bounds(self, period: int, now: int) -> tuple[int, int]:
        """The first second of the period ``now`` is in, and of the next."""
        start = self.joined_at + self.period_index(period, now) * period
        return start, start + period


def membership_id(tier_id: int, holder: str) -> int:
    """The id ``holder``'s membership of ``tier_id`` has (or would have)."""
    return (tier_id << 160) | int(holder, 16)


def holder_of(membership: int) -> str:
    """The holder a membership id names (its low 160 bits), checksummed."""
    return to_checksum_address((membership & ((1 << 160) - 1)).to_bytes(20, "big"))


def parse_ref(text: str) -> bytes:
    """A reference as the chain keeps it: 32 bytes. ``0x`` and 64 hex digits
    are taken as they are; any other text is hashed (keccak-256), so a
    booking number or a note never reaches the chain in clear."""
    text = text.strip()
    if text.startswith("0x") and len(text) == 66:
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            pass
    if not text:
        raise CredstackError("--ref: empty; give a booking reference (it is hashed) or 0x + 64 hex")
    return keccak(text=text)


def redeem_typed_data(
    domain: dict[str, Any],
    membership: int,
    perk_id: int,
    quantity: int,
    ref: bytes,
    provider: str,
    nonce: int,
    deadline: int,
) -> dict[str, Any]:
    """The EIP-712 message a member signs so that ``provider`` may redeem
    ``quantity`` of a perk for them (until ``deadline``, with the member's
    current ``nonce``)."""
    return {
        "types": {"EIP712Domain": DOMAIN_TYPES, **REDEEM_TYPES},
        "primaryType": "Redeem",
        "domain": domain,
        "message": {
            "membership_id": membership,
            "perk_id": perk_id,
            "quantity": quantity,
            "ref": ref,
            "provider": provider,
            "nonce": nonce,
            "deadline": deadline,
        },
    }


def sign_typed_data(account: Any, typed: dict[str, Any]) -> bytes:
    """The 65-byte signature (r, s, v) of ``account`` (an ape account) over
    the EIP-712 message ``typed``."""
    signature = account.sign_message(encode_typed_data(full_message=typed))
    if signature is None:
        raise CredstackError(f"account {account.address} did not sign")
    r, s = (int.from_bytes(bytes(x), "big").to_bytes(32, "big") for x in (signature.r, signature.s))
    return r + s + bytes([int(signature.v)])


def typed_data_signer(typed: dict[str, Any], signature: bytes) -> str:
    """Who signed the EIP-712 message ``typed`` (``signature``: r, s, v)."""
    from eth_account import Account

    return str(Account.recover_message(encode_typed_data(full_message=typed), signature=signature))


def _uint(log: dict[str, Any], i: int) -> int:
    return int.from_bytes(bytes(log["topics"][i]), "big")


def _address(log: dict[str, Any], i: int) -> str:
    return str(to_checksum_address(bytes(log["topics"][i])[12:]))


class Memberships:
    """Typed reads, checks and sends over a Membership contract."""

    def __init__(self, contract: Any, registry: Registry, from_block: int = 0) -> None:
        self.contract = contract
        self.address: str = contract.address
        self.registry = registry
        self._scanner = LogScanner(self.address, from_block)
        self._rules: dict[int, TierRules] = {}
        self._domain: dict[str, Any] | None = None

    @classmethod
    def for_deployment(cls, deployment: Any, registry: Registry) -> Memberships:
        from ape import project

        if not deployment.membership:
            raise CredstackError(
                "this deployment has no membership contract (deployed before memberships); "
                "deploy again"
            )
        return cls(project.Membership.at(deployment.membership), registry, deployment.block_number)

    # Tiers

    def tiers(self, issuer: str | None = None) -> list[Tier]:
        """Every tier created (by ``issuer``), oldest first, from TierCreated."""
        topics: list[str | None] = [topic(NAME, "TierCreated"), None]
        if issuer is not None:
            topics.append(word(issuer))
        found = []
        for log in self._scanner.logs(topics):
            name, period, required, options = decode(
                ["string", "uint256", "uint256[]", "(uint256,uint256,uint256)[]"],
                bytes(log["data"]),
            )
            found.append(
                Tier(
                    tier_id=_uint(log, 1),
                    name=str(name),
                    rules=TierRules(
                        issuer=_address(log, 2),
                        period=int(period),
                        required=tuple(int(k) for k in required),
                        options=tuple((int(c), int(m), int(g)) for c, m, g in options),
                    ),
                )
            )
        return found

    def tier_count(self) -> int:
        return int(self.contract.tier_count())

    def rules(self, tier_id: int) -> TierRules:
        """A tier's rules (fixed at creation: read once, then remembered); a
        CredstackError for a tier that does not exist."""
        if tier_id not in self._rules:
            if not 1 <= tier_id <= self.tier_count():
                raise CredstackError(f"unknown tier {tier_id} (tiers: 1 to {self.tier_count()})")
            info = self.contract.tier(tier_id)
            self._rules[tier_id] = TierRules(
                issuer=str(info.issuer),
                period=int(info.period),
                required=tuple(int(k) for k in info.required),
                options=tuple(
                    (int(o.class_id), int(o.min_score), int(o.group)) for o in info.options
                ),
            )
        return self._rules[tier_id]

    def active(self, tier_id: int) -> bool:
        return bool(self.contract.tier(tier_id).active)

    def tier_name(self, tier_id: int) -> str:
        return next((t.name for t in self.tiers() if t.tier_id == tier_id), f"tier {tier_id}")

    # Perks, providers, offers

    def perks(self, tier_id: int | None = None) -> list[Perk]:
        """Every perk added (to ``tier_id``), oldest first, from PerkAdded."""
        topics: list[str | None] = [topic(NAME, "PerkAdded")]
        if tier_id is not None:
            topics.append(word(tier_id))
        found = []
        for log in self._scanner.logs(topics):
            name, allowance = decode(["string", "uint256"], bytes(log["data"]))
            found.append(Perk(_uint(log, 2), _uint(log, 1), str(name), int(allowance)))
        return found

    def providers(self, tier_id: int) -> list[str]:
        """The providers registered for ``tier_id`` now (the last ProviderSet
        of each account says), in the order first registered."""
        allowed: dict[str, bool] = {}
        for log in self._scanner.logs([topic(NAME, "ProviderSet"), word(tier_id)]):
            [flag] = decode(["bool"], bytes(log["data"]))
            allowed[_address(log, 2)] = bool(flag)
        return [a for a, on in allowed.items() if on]

    def offers(self, tier_id: int | None = None) -> list[Offer]:
        """Every offer created (in ``tier_id``), oldest first, from OfferCreated."""
        topics: list[str | None] = [topic(NAME, "OfferCreated")]
        if tier_id is not None:
            topics += [None, word(tier_id)]
        found = []
        for log in self._scanner.logs(topics):
            perk_id, pass_class, capacity, provider = decode(
                ["uint256", "uint256", "uint256", "address"], bytes(log["data"])
            )
            found.append(
                Offer(
                    offer_id=_uint(log, 1),
                    tier_id=_uint(log, 2),
                    perk_id=int(perk_id),
                    pass_class=int(pass_class),
                    capacity=int(capacity),
                    provider=str(to_checksum_address(provider)),
                )
            )
        return found

    def used(self, record: Membership, perk: Perk, now: int) -> int:
        """Units of ``perk`` the membership has used in the period ``now``
        is in: the contract's count for the latest block's period, or 0 when
        ``now`` (a later time: the next block's) is in a period after it."""
        period = self.rules(record.tier_id).period
        latest = int(self.contract.period_of(record.membership_id))
        if record.period_index(period, now) != latest:
            return 0
        return int(self.contract.used(record.membership_id, perk.perk_id))

    def perk_of(self, tier_id: int, perk: str) -> Perk:
        """A perk of ``tier_id`` named by id or name; a CredstackError
        listing the tier's perks otherwise."""
        perks = self.perks(tier_id)
        found = [p for p in perks if p.name == perk or str(p.perk_id) == perk]
        if not found:
            listed = ", ".join(p.name for p in perks) or "none"
            raise CredstackError(f"tier {tier_id} has no perk '{perk}' (its perks: {listed})")
        return found[-1]

    def check_redeem(
        self, membership: int, perk: Perk, quantity: int, now: int | None = None
    ) -> Membership:
        """The membership, if a redemption of ``quantity`` units of ``perk``
        would pass now; a CredstackError with the first reason it would not."""
        now = chain_now() if now is None else now
        record = self.membership(membership)
        if record is None:
            raise CredstackError(f"no membership {membership:#x}")
        if perk.tier_id != record.tier_id:
            raise CredstackError(f"perk '{perk.name}' is not of tier {record.tier_id}")
        if quantity < 1:
            raise CredstackError(f"quantity {quantity}: at least 1")
        if self.registry.contract.paused():
            raise CredstackError("the registry is paused: perks wait until it is unpaused")
        if now >= record.expires_at:
            raise CredstackError(
                f"membership {membership:#x} expired on {_when(record.expires_at)}; renew it "
                "(`ape run membership join`)"
            )
        if not record.valid:
            bad = [
                f"token {c.token_id} {c.status.name.lower()}"
                if c.holder == record.holder
                else f"token {c.token_id} no longer held"
                for c in self.registry.credentials(list(record.parts))
                if c.status != Status.ACTIVE or c.holder != record.holder
            ]
            raise CredstackError(
                f"membership {membership:#x} grants no perks now: its credentials are not all "
                f"valid ({', '.join(bad)})"
            )
        left = perk.allowance - self.used(record, perk, now)
        if quantity > left:
            _, end = record.period_bounds(self.rules(record.tier_id).period, now)
            raise CredstackError(
                f"allowance used up: perk '{perk.name}' has {left} of {perk.allowance} left this "
                f"period (a new period starts {_when(end)}), asked for {quantity}"
            )
        return record

    def domain(self) -> dict[str, Any]:
        """The contract's EIP-712 domain (DOMAIN_NAME, DOMAIN_VERSION, the
        chain id, the contract), checked against its ``DOMAIN_SEPARATOR``:
        a signature over another domain would be refused on chain."""
        if self._domain is None:
            from ape import chain

            domain = {
                "name": DOMAIN_NAME,
                "version": DOMAIN_VERSION,
                "chainId": int(chain.chain_id),
                "verifyingContract": self.address,
            }
            typed = redeem_typed_data(domain, 0, 0, 0, b"\x00" * 32, self.address, 0, 0)
            separator = encode_typed_data(full_message=typed).header
            if bytes(separator) != bytes(self.contract.DOMAIN_SEPARATOR()):
                raise CredstackError(
                    f"membership contract {self.address}: its EIP-712 domain is not "
                    f"({DOMAIN_NAME!r}, {DOMAIN_VERSION!r}, chain {domain['chainId']}, itself); "
                    "this tooling cannot sign for it"
                )
            self._domain = domain
        return self._domain

    def redeem_message(
        self,
        membership: int,
        perk: Perk,
        quantity: int,
        ref: bytes,
        provider: str,
        deadline: int,
        nonce: int | None = None,
    ) -> dict[str, Any]:
        """The EIP-712 message for `redeem_for`, with the member's current
        nonce unless ``nonce`` is given."""
        if nonce is None:
            holder = holder_of(membership)
            nonce = int(self.contract.nonces(holder))
        return redeem_typed_data(
            self.domain(), membership, perk.perk_id, quantity, ref, provider, nonce, deadline
        )

    def check_signature(
        self,
        membership: int,
        perk: Perk,
        quantity: int,
        ref: bytes,
        provider: str,
        deadline: int,
        signature: bytes,
        now: int | None = None,
    ) -> None:
        """A CredstackError if `redeem_for` would refuse the signature: the
        provider not registered, the deadline passed, or not the member's
        signature of these terms with the current nonce (a replay, other
        terms, another signer)."""
        now = chain_now() if now is None else now
        tier_id = membership >> 160
        if not self.contract.is_provider(tier_id, provider):
            raise CredstackError(f"{provider} is not a registered provider of tier {tier_id}")
        if now > deadline:
            raise CredstackError(f"signature expired: its deadline was {_when(deadline)}")
        if len(signature) != 65:
            raise CredstackError(f"signature: {len(signature)} bytes, expected 65 (0x + 130 hex)")
        typed = self.redeem_message(membership, perk, quantity, ref, provider, deadline)
        holder = holder_of(membership)
        try:
            signer = typed_data_signer(typed, signature)
        except Exception:  # a malformed signature recovers nobody
            signer = ""
        if signer.lower() != holder.lower():
            raise CredstackError(
                f"bad signature: not {holder}'s for these terms (perk, quantity, ref, provider, "
                f"deadline) with nonce {typed['message']['nonce']}: a signature already used, "
                "made for other terms, or by another account"
            )

    def redeem(
        self,
        membership: int,
        perk: Perk,
        quantity: int,
        ref: bytes,
        sender: Any,
        deadline: int | None = None,
        signature: bytes | None = None,
    ) -> Any:
        """Redeem as the member, or as a provider with the member's
        signature (``deadline`` and ``signature``); checked first."""
        from credstack.send import as_sender

        record = self.check_redeem(membership, perk, quantity)
        sender = as_sender(sender)
        if signature is None:
            if sender.address.lower() != record.holder.lower():
                raise CredstackError(
                    f"{sender.address} is not the member ({record.holder}): a provider redeems "
                    "with the member's signature (`ape run membership sign`)"
                )
            return sender.send(self.contract.redeem, membership, perk.perk_id, quantity, ref)
        assert deadline is not None
        self.check_signature(membership, perk, quantity, ref, sender.address, deadline, signature)
        return sender.send(
            self.contract.redeem_for, membership, perk.perk_id, quantity, ref, deadline, signature
        )

    # Offers: bookings and passes

    def offer_taken(self, offer_id: int) -> tuple[Offer, int]:
        """The offer and its seats taken now; a CredstackError if unknown."""
        found = [o for o in self.offers() if o.offer_id == offer_id]
        if not found:
            known = ", ".join(str(o.offer_id) for o in self.offers()) or "none"
            raise CredstackError(f"unknown offer {offer_id} (offers: {known})")
        return found[0], int(self.contract.offer(offer_id).taken)

    def check_book(self, offer_id: int, holder: str, now: int | None = None) -> Offer:
        """The offer, if ``holder`` may book a seat now; a CredstackError
        with the first reason not (full, booked already, no valid
        membership, the perk's allowance used up)."""
        now = chain_now() if now is None else now
        offer, taken = self.offer_taken(offer_id)
        if taken >= offer.capacity:
            raise CredstackError(f"offer {offer_id} is full (capacity {offer.capacity})")
        member = membership_id(offer.tier_id, holder)
        if self.contract.booked(offer_id, member):
            raise CredstackError(f"{holder} has booked offer {offer_id} already (one seat each)")
        if offer.perk_id:
            perk = next(p for p in self.perks(offer.tier_id) if p.perk_id == offer.perk_id)
            self.check_redeem(member, perk, 1, now)
        else:
            record = self.membership(member)
            if record is None:
                raise CredstackError(f"{holder} is not a member of tier {offer.tier_id}")
            self.check_redeem_membership(record, now)
        return offer

    def check_redeem_membership(self, record: Membership, now: int) -> None:
        """A CredstackError unless ``record`` grants perks now."""
        if self.registry.contract.paused():
            raise CredstackError("the registry is paused: perks wait until it is unpaused")
        if now >= record.expires_at:
            raise CredstackError(
                f"membership {record.membership_id:#x} expired on {_when(record.expires_at)}"
            )
        if not record.valid:
            raise CredstackError(
                f"membership {record.membership_id:#x} grants no perks now: its credentials are "
                "not all valid"
            )

    def book(self, offer_id: int, ref: bytes, sender: Any) -> Any:
        """Book a seat as the member (checked first)."""
        from credstack.send import as_sender

        sender = as_sender(sender)
        offer = self.check_book(offer_id, sender.address)
        member = membership_id(offer.tier_id, sender.address)
        return sender.send(self.contract.book, offer_id, member, ref)

    def check_pass(self, offer_id: int, token_id: int, holder: str) -> Offer:
        """The offer, if ``holder`` may redeem pass ``token_id`` at it now."""
        offer, taken = self.offer_taken(offer_id)
        if not offer.pass_class:
            raise CredstackError(f"offer {offer_id} takes no passes")
        [credential] = self.registry.credentials([token_id])
        if not credential.exists:
            raise CredstackError(f"token {token_id}: no such credential")
        if credential.holder.lower() != holder.lower():
            raise CredstackError(f"token {token_id} is held by {credential.holder}, not {holder}")
        if credential.class_id != offer.pass_class:
            raise CredstackError(
                f"token {token_id} is of class {credential.class_id}, not offer {offer_id}'s "
                f"pass class {offer.pass_class}"
            )
        if credential.status != Status.ACTIVE:
            raise CredstackError(f"pass {token_id} is {credential.status.name.lower()}")
        if self.registry.contract.paused():
            raise CredstackError("the registry is paused: passes wait until it is unpaused")
        restricted, _ = self.registry.contract.class_rules(offer.pass_class)
        if restricted and not self.registry.contract.allowlist(offer.pass_class, self.address):
            # A closed-pilot class goes only to its allowlist: the transfer
            # to this contract would revert.
            raise CredstackError(
                f"class {offer.pass_class} is restricted to its allowlist, which does not hold "
                f"the membership contract {self.address}: governance must allowlist it first"
            )
        if taken >= offer.capacity:
            raise CredstackError(f"offer {offer_id} is full (capacity {offer.capacity})")
        return offer

    def redeem_pass(self, offer_id: int, token_id: int, sender: Any) -> Any:
        """Send pass ``token_id`` to the membership contract with the
        registry's ``safeTransferFrom`` and the offer id as data: a seat is
        taken and the pass burned (checked first)."""
        from eth_abi.abi import encode

        from credstack.send import as_sender

        sender = as_sender(sender)
        self.check_pass(offer_id, token_id, sender.address)
        method = self.registry.contract.safeTransferFrom
        return sender.send(
            method, sender.address, self.address, token_id, encode(["uint256"], [offer_id])
        )

    # Memberships

    def membership(self, membership: int) -> Membership | None:
        """The membership's record and whether it is valid now; None if the
        holder never joined."""
        tier_id, holder = (
            membership >> 160,
            holder_of(membership),
        )
        if not 1 <= tier_id <= self.tier_count():
            return None
        from ape.exceptions import ContractLogicError

        # The view refuses an id nobody joined with ("unknown membership"):
        # one call, where a scan of the Joined events grew with the chain.
        try:
            info = self.contract.membership(membership)
        except ContractLogicError:
            return None
        return Membership(
            membership_id=membership,
            tier_id=tier_id,
            holder=holder,
            joined_at=int(info.joined_at),
            expires_at=int(info.expires_at),
            parts=tuple(int(t) for t in info.parts),
            valid=bool(self.contract.is_valid(membership)),
        )

    def _joined_topics(self, tier_id: int | None, holder: str | None) -> list[str | None]:
        return [
            topic(NAME, "Joined"),
            None,
            None if tier_id is None else word(tier_id),
            None if holder is None else word(holder),
        ]

    def memberships_of(self, holder: str) -> list[Membership]:
        """Every membership ``holder`` has (any tier, valid or not), by tier."""
        logs = self._scanner.logs(self._joined_topics(None, holder))
        ids = sorted({_uint(log, 1) for log in logs})
        found = [self.membership(m) for m in ids]
        return [m for m in found if m is not None]

    def members(self, tier_id: int | None = None) -> list[int]:
        """Every membership id minted (in ``tier_id``), oldest first."""
        return [_uint(log, 1) for log in self._scanner.logs(self._joined_topics(tier_id, None))]

    # Joining

    def candidate_parts(
        self, tier_id: int, holder: str, held: list[Credential] | None = None
    ) -> list[Credential]:
        """The credentials to join ``tier_id`` with: for each group, its
        ``required`` options that ``holder`` holds valid and at or above the
        option's minimum, the best scores first; one token per class."""
        rules = self.rules(tier_id)
        best: dict[int, Credential] = {}
        for credential in self.registry.held(holder) if held is None else held:
            if credential.status != Status.ACTIVE:
                continue
            current = best.get(credential.class_id)
            if current is None or credential.score > current.score:
                best[credential.class_id] = credential
        chosen: list[Credential] = []
        for g, required in enumerate(rules.required):
            fits = [
                best[c]
                for c, minimum, group in rules.options
                if group == g and c in best and best[c].score >= minimum
            ]
            fits.sort(key=lambda c: -c.score)
            chosen += fits[:required]
        return sorted(chosen, key=lambda c: c.token_id)

    def missing(self, tier_id: int, parts: list[Credential]) -> list[str]:
        """For each group ``parts`` do not meet, what it needs, in words."""
        rules = self.rules(tier_id)
        counted = [0] * len(rules.required)
        minimum = {c: (m, g) for c, m, g in rules.options}
        for part in parts:
            if part.class_id in minimum and part.score >= minimum[part.class_id][0]:
                counted[minimum[part.class_id][1]] += 1
        return [
            f"group {g + 1} needs {required - counted[g]} more of: "
            + ", ".join(
                self.registry.class_info(c).name for c, _, group in rules.options if group == g
            )
            for g, required in enumerate(rules.required)
            if counted[g] < required
        ]

    def check_join(
        self, tier_id: int, holder: str, token_ids: list[int] | None = None, now: int | None = None
    ) -> tuple[list[int], Membership | None]:
        """The tokens a join (or, for an expired membership, its renewal by
        joining) of ``tier_id`` by ``holder`` would use, and the existing
        membership if any; a CredstackError with the first reason it would
        be refused."""
        now = chain_now() if now is None else now
        rules = self.rules(tier_id)
        if self.registry.contract.paused():
            raise CredstackError("the registry is paused: joins wait until it is unpaused")
        if not self.active(tier_id):
            raise CredstackError(f"tier {tier_id} is closed (inactive)")
        if not self.registry.is_issuer(rules.issuer):
            raise CredstackError(f"tier {tier_id}'s issuer {rules.issuer} is no longer an issuer")
        existing = self.membership(membership_id(tier_id, holder))
        if existing is not None and now < existing.expires_at:
            raise CredstackError(
                f"{holder} is already a member of tier {tier_id} (membership "
                f"{existing.membership_id:#x}) until {_when(existing.expires_at)}; renew from "
                f"{_when(existing.expires_at - rules.period // RENEW_TENTH)}"
            )
        parts = self._parts(tier_id, holder, token_ids)
        return [p.token_id for p in parts], existing

    def _parts(self, tier_id: int, holder: str, token_ids: list[int] | None) -> list[Credential]:
        """The parts to send: the given tokens, each checked, or the wallet's
        own best; a CredstackError when the requirements are not met."""
        if token_ids is None:
            parts = self.candidate_parts(tier_id, holder)
        else:
            parts = self.registry.credentials(sorted(set(token_ids)))
            options = {c: m for c, m, _ in self.rules(tier_id).options}
            for part in parts:
                why = None
                if not part.exists:
                    why = "no such token"
                elif part.holder.lower() != holder.lower():
                    why = f"held by {part.holder}, not {holder}"
                elif part.status != Status.ACTIVE:
                    why = part.status.name.lower()
                elif part.class_id not in options:
                    why = f"class {part.class_id} is not an option of tier {tier_id}"
                elif part.score < options[part.class_id]:
                    why = "score below the option's minimum"
                if why:
                    raise CredstackError(f"token {part.token_id} cannot qualify: {why}")
            seen: dict[int, int] = {}
            for part in parts:
                if part.class_id in seen:
                    name = self.registry.class_info(part.class_id).name
                    raise CredstackError(
                        f"tokens {seen[part.class_id]} and {part.token_id} are both of class "
                        f"{part.class_id} ({name}): a class counts once"
                    )
                seen[part.class_id] = part.token_id
        if missing := self.missing(tier_id, parts):
            raise CredstackError(
                f"{holder} does not qualify for tier {tier_id}: " + "; ".join(missing)
            )
        return parts

    def join(
        self, tier_id: int, holder: str, sender: Any, token_ids: list[int] | None = None
    ) -> tuple[int, list[int], Any]:
        """Join (as the holder) or join for the holder (as the tier's issuer
        or its delegate): the membership id, the parts and the receipt."""
        from credstack.send import as_sender

        parts, _ = self.check_join(tier_id, holder, token_ids)
        sender = as_sender(sender)
        if sender.address.lower() == holder.lower():
            receipt = sender.send(self.contract.join, tier_id, parts)
        else:
            self.check_may_act(tier_id, sender.address)
            receipt = sender.send(self.contract.join_for, tier_id, holder, parts)
        return membership_id(tier_id, holder), parts, receipt

    def check_renew(
        self, membership: int, token_ids: list[int] | None = None, now: int | None = None
    ) -> list[int]:
        """The tokens a renewal would use; a CredstackError if refused."""
        now = chain_now() if now is None else now
        record = self.membership(membership)
        if record is None:
            raise CredstackError(f"no membership {membership:#x}")
        rules = self.rules(record.tier_id)
        opens = record.expires_at - rules.period // RENEW_TENTH
        if now < opens:
            raise CredstackError(
                f"too early to renew membership {membership:#x}: from {_when(opens)} "
                f"(it expires {_when(record.expires_at)})"
            )
        if self.registry.contract.paused():
            raise CredstackError("the registry is paused: renewals wait until it is unpaused")
        if not self.active(record.tier_id):
            raise CredstackError(f"tier {record.tier_id} is closed (inactive)")
        return [p.token_id for p in self._parts(record.tier_id, record.holder, token_ids)]

    def renew(self, membership: int, sender: Any, token_ids: list[int] | None = None) -> Any:
        from credstack.send import as_sender

        parts = self.check_renew(membership, token_ids)
        sender = as_sender(sender)
        record = self.membership(membership)
        assert record is not None
        if sender.address.lower() != record.holder.lower():
            self.check_may_act(record.tier_id, sender.address)
        return sender.send(self.contract.renew, membership, parts)

    def check_may_act(self, tier_id: int, account: str) -> None:
        issuer = self.rules(tier_id).issuer
        if account.lower() != issuer.lower() and not self.registry.contract.is_delegate(
            issuer, account
        ):
            raise CredstackError(
                f"{account} is neither the holder nor tier {tier_id}'s issuer ({issuer}) or "
                "its delegate"
            )


def chain_now() -> int:
    """The time the next block will have (the chain's, not this machine's:
    a local chain may have travelled)."""
    from ape import chain

    return int(chain.pending_timestamp)


def _when(timestamp: int) -> str:
    from credstack.units import format_time

    return format_time(timestamp)
