"""A typed facade over the CredentialRegistry contract, and a fast event reader.

Read ids from events, not ``receipt.return_value``: on ape's embedded chain
that value comes from replaying the call on the state *after* the
transaction, so a counter reads one too high.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_abi.abi import decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

DEFAULT_NAME = "credstack Credentials"
DEFAULT_SYMBOL = "CRED"
MAX_SCORE = 10_000
MAX_BATCH = 512
# EIP-7825's per-transaction gas cap (Osaka); batches stay under it everywhere.
TX_GAS_CAP = 16_777_216
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ISSUER_ROLE = keccak(text="ISSUER_ROLE")
DEFAULT_ADMIN_ROLE = b"\x00" * 32
# Blocks per eth_getLogs request; public RPCs refuse wide ranges.
LOG_SPAN = 10_000


class Status(IntEnum):
    """What ``status_of`` returns. Expired is derived from time, never stored."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    REVOKED = 3
    EXPIRED = 4
    BURNED = 5


STATUS_NAMES: dict[int, str] = {s.value: s.name.lower() for s in Status}


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


@dataclass(frozen=True)
class IssuedEvent:
    token_id: int
    class_id: int
    holder: str
    score: int
    expires_at: int
    evidence_hash: bytes
    block_number: int
    tx_hash: str


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


def _word(value: int | str) -> str:
    if isinstance(value, str):  # an address
        return "0x" + value.lower().removeprefix("0x").rjust(64, "0")
    return "0x" + value.to_bytes(32, "big").hex()


TOPICS = {
    "CredentialIssued": _topic("CredentialIssued(uint256,uint256,address,uint256,uint256,bytes32)"),
    "CredentialRevoked": _topic("CredentialRevoked(uint256,uint256,address,string)"),
    "ClassCreated": _topic("ClassCreated(uint256,address,string,string,bool,bool,uint256,uint256)"),
    "Transfer": _topic("Transfer(address,address,uint256)"),
}


def _issued(log: Any) -> IssuedEvent:
    """A CredentialIssued log; its data is three static words, sliced
    directly (ABI decoding costs more than the query for 10,000 logs)."""
    t, data = log["topics"], bytes(log["data"])
    return IssuedEvent(
        token_id=int.from_bytes(t[1], "big"),
        class_id=int.from_bytes(t[2], "big"),
        holder=to_checksum_address(bytes(t[3])[12:]),
        score=int.from_bytes(data[0:32], "big"),
        expires_at=int.from_bytes(data[32:64], "big"),
        evidence_hash=data[64:96],
        block_number=int(log["blockNumber"]),
        tx_hash="0x" + bytes(log["transactionHash"]).hex(),
    )


def created_class_id(registry: Any, receipt: Any) -> int:
    """The class id a `create_class` transaction made, from its event."""
    [event] = registry.ClassCreated.from_receipt(receipt)
    return int(event.class_id)


def issued_token_ids(registry: Any, receipt: Any) -> list[int]:
    """The token ids an `issue` or `issue_batch` transaction made, in order,
    from the receipt's raw logs (ape's decoding takes 0.1 s for a full batch)."""
    topic = bytes.fromhex(TOPICS["CredentialIssued"][2:])
    address = str(registry.address).lower()
    ids = []
    for log in receipt.logs:
        topics = [bytes(t) for t in log["topics"]]
        if topics and topics[0] == topic and str(log["address"]).lower() == address:
            ids.append(int.from_bytes(topics[1], "big"))
    return ids


def deploy_registry(
    project: Any,
    sender: Any,
    admin: str | None = None,
    name: str = DEFAULT_NAME,
    symbol: str = DEFAULT_SYMBOL,
    guardian: str | None = None,
) -> Any:
    """Deploy the renderer and the registry; ``admin`` defaults to the sender,
    ``guardian`` (who may pause) to nobody.

    Returns the registry contract instance (its ``renderer()`` is the renderer).
    """
    renderer = project.CredentialRenderer.deploy(sender=sender)
    return project.CredentialRegistry.deploy(
        name,
        symbol,
        admin or sender.address,
        renderer.address,
        guardian or ZERO_ADDRESS,
        sender=sender,
    )


class LogScanner:
    """eth_getLogs for one contract. Each query is remembered with the block
    it reached, so asking again reads only the blocks since. Assumes no
    reorg within one command's lifetime.

    On ape's embedded chain (eth-tester) every eth_getLogs walks every block
    in its range whatever the filter, so a query with new topics costs a
    full walk (tens of seconds late in the pilot). There the scanner fetches
    all of the contract's logs once, incrementally, and filters them here."""

    def __init__(self, address: str, from_block: int = 0) -> None:
        self.address = address
        self.from_block = from_block
        self._cache: dict[tuple[str | None, ...], tuple[int, list[Any]]] = {}
        self._local: bool | None = None

    def _fetch(self, key: tuple[str | None, ...]) -> list[Any]:
        from ape import chain

        web3 = chain.provider.web3
        head = int(chain.blocks.height)
        scanned, logs = self._cache.get(key, (self.from_block - 1, []))
        start = scanned + 1
        while start <= head:
            stop = min(head, start + LOG_SPAN - 1)
            query: dict[str, Any] = {"address": self.address, "fromBlock": start, "toBlock": stop}
            if key:
                query["topics"] = list(key)
            logs.extend(web3.eth.get_logs(query))
            start = stop + 1
        self._cache[key] = (max(scanned, head), logs)
        return logs

    def logs(self, topics: list[str | None]) -> list[dict[str, Any]]:
        """Logs matching ``topics``, oldest first."""
        if self._local is None:
            from ape import chain

            self._local = chain.provider.name == "test"
        if not self._local:
            return self._fetch(tuple(topics))
        wanted = [None if t is None else bytes.fromhex(t[2:]) for t in topics]
        return [
            log
            for log in self._fetch(())
            if len(log["topics"]) >= len(wanted)
            and all(w is None or bytes(t) == w for w, t in zip(wanted, log["topics"], strict=False))
        ]


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
        c = self.contract.class_info(class_id)
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
    ) -> list[IssuedEvent]:
        """CredentialIssued events, optionally for one class and/or holder."""
        topics: list[str | None] = [
            TOPICS["CredentialIssued"],
            None,
            None if class_id is None else _word(class_id),
            None if holder is None else _word(holder),
        ]
        return [_issued(log) for log in self._logs(topics)]

    def issued_event(self, token_id: int) -> IssuedEvent | None:
        topics: list[str | None] = [TOPICS["CredentialIssued"], _word(token_id)]
        logs = self._logs(topics)
        return _issued(logs[0]) if logs else None

    def revocation_reason(self, token_id: int) -> str | None:
        topics: list[str | None] = [TOPICS["CredentialRevoked"], _word(token_id)]
        for log in self._logs(topics):
            (reason,) = decode(["string"], bytes(log["data"]))
            return str(reason)
        return None

    def revoked_token_ids(self) -> list[int]:
        return [
            int.from_bytes(log["topics"][1], "big")
            for log in self._logs([TOPICS["CredentialRevoked"]])
        ]

    def tokens_received(self, holder: str) -> list[int]:
        """Token ids ever transferred or issued to ``holder``, in order."""
        topics: list[str | None] = [TOPICS["Transfer"], None, _word(holder)]
        seen: dict[int, None] = {}
        for log in self._logs(topics):
            seen[int.from_bytes(log["topics"][3], "big")] = None
        return list(seen)

    def held_tokens(self, holder: str) -> list[int]:
        """Token ids in ``holder``'s wallet now (active, suspended or expired),
        increasing: the list `recover` needs for its new wallet."""
        in_wallet = (Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED)
        records = [self.credential(t) for t in self.tokens_received(holder)]
        return sorted(
            c.token_id
            for c in records
            if c.holder.lower() == holder.lower() and c.status in in_wallet
        )

    def classes_created(self, issuer: str) -> dict[str, int]:
        """name -> class id for the classes ``issuer`` created (first wins)."""
        topics: list[str | None] = [TOPICS["ClassCreated"], None, _word(issuer)]
        found: dict[str, int] = {}
        for log in self._logs(topics):
            name = decode(
                ["string", "string", "bool", "bool", "uint256", "uint256"], bytes(log["data"])
            )[0]
            found.setdefault(str(name), int.from_bytes(log["topics"][1], "big"))
        return found
