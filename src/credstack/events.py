"""Reading events straight from ``eth_getLogs``: one scanner for every
contract of a deployment, topics computed from the compiled ABIs (never a
hand-typed signature), and the small helpers that turn topics and words into
values. Decoding thousands of events through ape's query layer is slow, so
the hot readers (issued credentials) slice raw log data themselves."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes

from credstack.errors import CredstackError

# Blocks per eth_getLogs request; public RPCs refuse wide ranges.
LOG_SPAN = 10_000
# A streamed scan aims at about this many logs per request: a response is
# held whole while it is parsed, so its size is the scan's memory.
LOGS_PER_REQUEST = 5_000


@cache
def signature(contract: str, event: str) -> str:
    """``CredentialIssued(uint256,uint256,address,uint256,uint256,bytes32)``,
    from the compiled ABI of ``contract`` (a contract name of this project)."""
    from ape import project

    found = [e for e in getattr(project, contract).contract_type.events if e.name == event]
    if len(found) != 1:
        raise CredstackError(f"{contract} has {len(found)} events named {event}")
    return str(found[0].selector)


def topic(contract: str, event: str) -> str:
    """The event's topic 0 as 0x-hex."""
    return "0x" + keccak(text=signature(contract, event)).hex()


def word(value: int | str) -> str:
    """A topic filter for an indexed uint256 or address."""
    if isinstance(value, str):  # an address
        return "0x" + value.lower().removeprefix("0x").rjust(64, "0")
    return "0x" + value.to_bytes(32, "big").hex()


def on_embedded_chain() -> bool:
    """Whether the connected chain is ape's in-process one (eth-tester): it
    mines each transaction as it is sent, and its eth_getLogs walks every
    block whatever the filter."""
    from ape import chain

    return str(chain.provider.name) == "test"


def as_bytes(value: Any) -> bytes:
    """A topic or data field as bytes, whether the node's JSON gave hex text
    or web3 gave bytes."""
    return bytes(HexBytes(value))


def topic_int(log: Any, index: int) -> int:
    return int.from_bytes(as_bytes(log["topics"][index]), "big")


def topic_address(log: Any, index: int) -> str:
    return to_checksum_address(as_bytes(log["topics"][index])[12:])


def as_int(value: Any) -> int:
    """A number from the node's JSON (hex text) or from web3 (int)."""
    return int(value, 16) if isinstance(value, str) else int(value)


def receipt_logs(receipt: Any, address: str, topic0: str) -> list[Any]:
    """The raw logs of ``receipt`` that ``address`` emitted with ``topic0``."""
    wanted = bytes.fromhex(topic0[2:])
    address = address.lower()
    return [
        log
        for log in receipt.logs
        if log["topics"]
        and as_bytes(log["topics"][0]) == wanted
        and str(log["address"]).lower() == address
    ]


class _LocalLogs:
    """ape's embedded chain (eth-tester) only: every log of the chain,
    fetched once and incrementally, indexed by address and topic.

    There every eth_getLogs walks every block in its range whatever its
    filter, so a scanner per contract, each walking from the deployment,
    costs a walk per contract (a minute at the end of a 400-learner pilot).
    One walk serves them all. The chain can go back (ape's test snapshots):
    the last block read is checked by hash before each use, and on a
    mismatch everything is read again."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.logs: list[Any] = []
        self.head = -1
        self.head_hash = b""
        # (address, topic position, topic) -> positions in logs; position -1
        # with an empty topic lists every log of the address.
        self.index: dict[tuple[str, int, bytes], list[int]] = {}

    def sync(self) -> None:
        from ape import chain

        web3 = chain.provider.web3
        height = int(chain.blocks.height)
        if self.head >= 0 and (
            height < self.head or bytes(web3.eth.get_block(self.head)["hash"]) != self.head_hash
        ):
            self._reset()
        start = self.head + 1
        while start <= height:
            stop = min(height, start + LOG_SPAN - 1)
            for log in web3.eth.get_logs({"fromBlock": start, "toBlock": stop}):
                i = len(self.logs)
                self.logs.append(log)
                address = str(log["address"]).lower()
                self.index.setdefault((address, -1, b""), []).append(i)
                for position, value in enumerate(log["topics"]):
                    self.index.setdefault((address, position, bytes(value)), []).append(i)
            start = stop + 1
        if height > self.head:
            self.head = height
            self.head_hash = bytes(web3.eth.get_block(height)["hash"])

    def find(self, address: str, from_block: int, topics: list[str | None]) -> list[Any]:
        self.sync()
        address = address.lower()
        wanted = [None if t is None else bytes.fromhex(t[2:]) for t in topics]
        candidates = self.index.get((address, -1, b""), [])
        for position, value in enumerate(wanted):
            if value is not None:
                found = self.index.get((address, position, value), [])
                if len(found) < len(candidates):
                    candidates = found
        logs = self.logs
        return [
            logs[i]
            for i in candidates
            if int(logs[i]["blockNumber"]) >= from_block
            and len(logs[i]["topics"]) >= len(wanted)
            and all(
                w is None or bytes(t) == w for w, t in zip(wanted, logs[i]["topics"], strict=False)
            )
        ]


_LOCAL = _LocalLogs()


class LogScanner:
    """eth_getLogs for one contract. Each query is remembered with the block
    it reached, so asking again reads only the blocks since. Assumes no
    reorg within one command's lifetime.

    On ape's embedded chain every contract's scanner reads from one shared
    walk of the chain (``_LocalLogs``)."""

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
            self._local = on_embedded_chain()
        if not self._local:
            return self._fetch(tuple(topics))
        return _LOCAL.find(self.address, self.from_block, topics)

    def stream(self, topics: list[str | None]) -> Iterator[dict[str, Any]]:
        """Logs matching ``topics``, oldest first, as the node's raw JSON
        (hex text), fetched a block range at a time and kept nowhere: for
        scans too large to hold, such as every credential of a class. The
        range grows while responses are small and shrinks when they are
        large or the node refuses one, so memory stays flat."""
        from ape import chain

        if self._local is None:
            self._local = on_embedded_chain()
        if self._local:
            yield from _LOCAL.find(self.address, self.from_block, topics)
            return
        web3 = chain.provider.web3
        head = int(chain.blocks.height)
        start, span = self.from_block, 1
        while start <= head:
            stop = min(head, start + span - 1)
            query = {"address": self.address, "fromBlock": hex(start), "toBlock": hex(stop)}
            reply = web3.provider.make_request("eth_getLogs", [{**query, "topics": topics}])
            if reply.get("error"):
                if span == 1:
                    raise CredstackError(f"the node refused eth_getLogs: {reply['error']}")
                span = max(1, span // 2)
                continue
            logs = reply["result"]
            yield from logs
            start = stop + 1
            if len(logs) > LOGS_PER_REQUEST:
                span = max(1, span // 2)
            elif len(logs) < LOGS_PER_REQUEST // 4:
                span = min(LOG_SPAN, span * 2)
