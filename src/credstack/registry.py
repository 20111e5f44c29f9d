"""A typed facade over the CredentialRegistry contract and its events.

Read ids from events, not ``receipt.return_value``: on ape's embedded chain
that value comes from replaying the call on the state *after* the
transaction, so a counter reads one too high.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from credstack.events import (
    LogScanner,
    as_bytes,
    as_int,
    receipt_logs,
    topic,
    topic_address,
    topic_int,
    word,
)
from credstack.inputs import ZERO_ADDRESS

DEFAULT_NAME = "credstack Credentials"
DEFAULT_SYMBOL = "CRED"
MAX_SCORE = 10_000
MAX_BATCH = 512
# EIP-7825's per-transaction gas cap (Osaka); batches stay under it everywhere.
TX_GAS_CAP = 16_777_216
ISSUER_ROLE = keccak(text="ISSUER_ROLE")
DEFAULT_ADMIN_ROLE = b"\x00" * 32
# The contract this module reads (its name in the compiled project).
NAME = "CredentialRegistry"


class Status(IntEnum):
    """What ``status_of`` returns. Expired is derived from time, never stored."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    REVOKED = 3
    EXPIRED = 4
    BURNED = 5


STATUS_NAMES: dict[int, str] = {s.value: s.name.lower() for s in Status}

# `class_info`'s return type with its strings read as bytes (the ABI encodes
# both alike), for a registry whose strings are not UTF-8.
_CLASS_INFO_RAW = "(address,bytes,bytes,bool,bool,uint256,uint256,bool)"
_CLASS_INFO_SELECTOR = keccak(text="class_info(uint256)")[:4]


def text_of(raw: bytes) -> str:
    """A string as a contract returned it: its text, or, when the bytes are
    not UTF-8, the bytes in hex, flagged. A credstack registry refuses such
    text, but a foreign registry (or one deployed before that rule) can hold
    any bytes, and reading it must not fail on them."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"0x{raw.hex()} (not UTF-8)"


# A credential's storage word, as `credential_words` returns it; the Python
# twin of contracts/modules/credential_word.vy: holder (bits 0..159), class
# id (160..191), expires_at (192..231), score (232..247), stored status
# (248..251; expiry is not applied), lock bit (255).
_U32, _U40, _U16 = (1 << 32) - 1, (1 << 40) - 1, (1 << 16) - 1
WORDS_PER_CALL = 16  # credential_words takes at most 16 ids


def decode_word(token_id: int, word: int, now: int) -> Credential:
    """The credential a storage word holds, its status as ``status_of``
    would report it at time ``now``."""
    expires_at = (word >> 192) & _U40
    status = Status((word >> 248) & 15)
    if status == Status.ACTIVE and expires_at and now >= expires_at:
        status = Status.EXPIRED
    return Credential(
        token_id=token_id,
        holder=to_checksum_address((word & ((1 << 160) - 1)).to_bytes(20, "big")),
        class_id=(word >> 160) & _U32,
        score=(word >> 232) & _U16,
        expires_at=expires_at,
        status=status,
    )


@dataclass(frozen=True)
class ClassInfo:
    class_id: int
    issuer: str
    name: str
    uri: str
    transferable: bool
    revocable: bool
    validity: int
    min_score: int
    active: bool

    @property
    def exists(self) -> bool:
        return self.issuer != ZERO_ADDRESS


@dataclass(frozen=True)
class Credential:
    token_id: int
    holder: str
    class_id: int
    score: int
    expires_at: int
    status: Status

    @property
    def exists(self) -> bool:
        return self.class_id != 0


@dataclass(frozen=True, slots=True)
class IssuedEvent:
    token_id: int
    class_id: int
    holder: str
    score: int
    expires_at: int
    evidence_hash: bytes
    block_number: int
    tx_hash: str


def _issued(log: Any) -> IssuedEvent:
    """A CredentialIssued log (raw JSON or web3's); its data is three static
    words, sliced directly (ABI decoding costs more than the query for
    10,000 logs)."""
    data = as_bytes(log["data"])
    return IssuedEvent(
        token_id=topic_int(log, 1),
        class_id=topic_int(log, 2),
        holder=topic_address(log, 3),
        score=int.from_bytes(data[0:32], "big"),
        expires_at=int.from_bytes(data[32:64], "big"),
        evidence_hash=data[64:96],
        block_number=as_int(log["blockNumber"]),
        tx_hash="0x" + as_bytes(log["transactionHash"]).hex(),
    )


def created_class_id(registry: Any, receipt: Any) -> int:
    """The class id a `create_class` transaction made, from its event."""
    [event] = registry.ClassCreated.from_receipt(receipt)
    return int(event.class_id)


def issued_token_ids(registry: Any, receipt: Any) -> list[int]:
    """The token ids an `issue` or `issue_batch` transaction made, in order,
    from the receipt's raw logs (ape's decoding takes 0.1 s for a full batch)."""
    logs = receipt_logs(receipt, str(registry.address), topic(NAME, "CredentialIssued"))
    return [topic_int(log, 1) for log in logs]


class Registry:
    """Typed reads over an ape contract instance of CredentialRegistry, and
    event queries straight through eth_getLogs (decoding thousands of events
    through ape's query layer is slow)."""

    def __init__(self, contract: Any, from_block: int = 0) -> None:
        self.contract = contract
        self.address: str = contract.address
        self.from_block = from_block
        self._scanner = LogScanner(self.address, from_block)

    @classmethod
    def at(cls, address: str, from_block: int = 0) -> Registry:
        from ape import project

        return cls(project.CredentialRegistry.at(address), from_block)

    # Reads

    def class_info(self, class_id: int) -> ClassInfo:
        """The class; a name or URI that is not UTF-8 comes back as flagged
        hex (``text_of``) instead of failing the read."""
        try:
            c = self.contract.class_info(class_id)
        except (DecodingError, ValueError):  # UnicodeDecodeError is a ValueError
            return self._class_info_raw(class_id)
        return ClassInfo(
            class_id=class_id,
            issuer=str(c.issuer),
            name=str(c.name),
            uri=str(c.uri),
            transferable=bool(c.transferable),
            revocable=bool(c.revocable),
            validity=int(c.validity),
            min_score=int(c.min_score),
            active=bool(c.active),
        )

    def _class_info_raw(self, class_id: int) -> ClassInfo:
        """``class_info`` by eth_call, its strings decoded as bytes."""
        from ape import chain

        answer = chain.provider.web3.eth.call(
            {"to": self.address, "data": _CLASS_INFO_SELECTOR + encode(["uint256"], [class_id])}
        )
        ((issuer, name, uri, transferable, revocable, validity, min_score, active),) = decode(
            [_CLASS_INFO_RAW], bytes(answer)
        )
        return ClassInfo(
            class_id=class_id,
            issuer=to_checksum_address(issuer),
            name=text_of(name),
            uri=text_of(uri),
            transferable=bool(transferable),
            revocable=bool(revocable),
            validity=int(validity),
            min_score=int(min_score),
            active=bool(active),
        )

    def credential(self, token_id: int) -> Credential:
        c = self.contract.credential(token_id)
        return Credential(
            token_id=token_id,
            holder=str(c.holder),
            class_id=int(c.class_id),
            score=int(c.score),
            expires_at=int(c.expires_at),
            status=Status(int(self.contract.status_of(token_id))),
        )

    def credentials(self, token_ids: list[int]) -> list[Credential]:
        """Many credentials in one call per 16 (``credential_words``), with
        statuses as of the next block."""
        from ape import chain

        now = int(chain.pending_timestamp)
        found: list[Credential] = []
        for i in range(0, len(token_ids), WORDS_PER_CALL):
            chunk = token_ids[i : i + WORDS_PER_CALL]
            words = self.contract.credential_words(chunk)
            found += [decode_word(t, int(w), now) for t, w in zip(chunk, words, strict=True)]
        return found

    def is_issuer(self, address: str) -> bool:
        return bool(self.contract.hasRole(ISSUER_ROLE, address))

    def is_admin(self, address: str) -> bool:
        return bool(self.contract.hasRole(DEFAULT_ADMIN_ROLE, address))

    def may_operate(self, klass: ClassInfo, address: str) -> bool:
        """Whether ``address`` may issue into and manage the class: its issuer or
        a delegate, while the issuer keeps the issuer role."""
        if not self.is_issuer(klass.issuer):
            return False
        if address.lower() == klass.issuer.lower():
            return True
        return bool(self.contract.is_delegate(klass.issuer, address))

    # Events

    def _logs(self, topics: list[str | None]) -> list[dict[str, Any]]:
        return self._scanner.logs(topics)

    def issued_events(
        self, class_id: int | None = None, holder: str | None = None
    ) -> Iterator[IssuedEvent]:
        """CredentialIssued events, optionally for one class and/or holder,
        oldest first, streamed (a class may have a million)."""
        topics: list[str | None] = [
            topic(NAME, "CredentialIssued"),
            None,
            None if class_id is None else word(class_id),
            None if holder is None else word(holder),
        ]
        return (_issued(log) for log in self._scanner.stream(topics))

    def issued_event(self, token_id: int) -> IssuedEvent | None:
        topics: list[str | None] = [topic(NAME, "CredentialIssued"), word(token_id)]
        logs = self._logs(topics)
        return _issued(logs[0]) if logs else None

    def revocation_reason(self, token_id: int) -> str | None:
        topics: list[str | None] = [topic(NAME, "CredentialRevoked"), word(token_id)]
        for log in self._logs(topics):
            (reason,) = decode(["bytes"], bytes(log["data"]))
            return text_of(reason)
        return None

    def revoked_token_ids(self) -> list[int]:
        return [
            int.from_bytes(log["topics"][1], "big")
            for log in self._logs([topic(NAME, "CredentialRevoked")])
        ]

    def tokens_received(self, holder: str) -> list[int]:
        """Token ids ever transferred or issued to ``holder``, in order."""
        topics: list[str | None] = [topic(NAME, "Transfer"), None, word(holder)]
        seen: dict[int, None] = {}
        for log in self._logs(topics):
            seen[int.from_bytes(log["topics"][3], "big")] = None
        return list(seen)

    def held(self, holder: str) -> list[Credential]:
        """The credentials in ``holder``'s wallet now (active, suspended or
        expired), by increasing token id."""
        in_wallet = (Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED)
        records = self.credentials(sorted(self.tokens_received(holder)))
        return [c for c in records if c.holder.lower() == holder.lower() and c.status in in_wallet]

    def held_tokens(self, holder: str) -> list[int]:
        """Token ids in ``holder``'s wallet now, increasing: the list
        `recover` needs for its new wallet."""
        return [c.token_id for c in self.held(holder)]

    def classes_created(self, issuer: str) -> dict[str, int]:
        """name -> class id for the classes ``issuer`` created (first wins)."""
        topics: list[str | None] = [topic(NAME, "ClassCreated"), None, word(issuer)]
        found: dict[str, int] = {}
        for log in self._logs(topics):
            name = decode(
                ["bytes", "bytes", "bool", "bool", "uint256", "uint256"], bytes(log["data"])
            )[0]
            found.setdefault(text_of(name), int.from_bytes(log["topics"][1], "big"))
        return found
