"""Fast chain reads for the web app: eth_call and eth_getLogs through web3
with the contracts' ABIs (an ape contract call costs about 25 ms of Python
per call; these cost one JSON-RPC round trip), and a cache that stays exact
while the chain does not change.

Freshness: at most every ``interval`` seconds the app reads the latest block;
when it moved, the logs of the app's contracts in the new blocks; any log
(or a chain that went back) drops every cached page. A page that time alone
can change (a credential reaching its expiry) carries the chain time it is
good until. So a cached page is what the chain says as of the last poll: at
most ``interval`` seconds stale."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from credstack.employers import Employer
from credstack.registry import Credential, Registry, Status, decode_word

WORDS_PER_CALL = 16


def abi_of(contract: Any) -> list[dict[str, Any]]:
    """An ape contract's ABI as JSON for web3."""
    return [item.model_dump(mode="json", by_alias=True) for item in contract.contract_type.abi]


def named(outputs: list[dict[str, Any]], values: Any) -> Any:
    """web3's tuples for a function's outputs as dicts keyed by the ABI's
    component names (so a reordered struct still reads right)."""

    def one(spec: dict[str, Any], value: Any) -> Any:
        kind = spec["type"]
        if kind.startswith("tuple"):
            if kind.endswith("]"):
                inner = {**spec, "type": kind[: kind.rindex("[")]}
                return [one(inner, v) for v in value]
            return {c["name"]: one(c, v) for c, v in zip(spec["components"], value, strict=True)}
        if kind.endswith("]") and not kind.startswith("tuple"):
            return list(value)
        return value

    if len(outputs) == 1:
        return one(outputs[0], values)
    return [one(o, v) for o, v in zip(outputs, values, strict=True)]


@dataclass(frozen=True)
class Head:
    number: int
    timestamp: int


class Freshness:
    """The latest block as last polled, and a generation that moves when
    the watched contracts emitted a log since (or the chain went back)."""

    def __init__(self, web3: Any, addresses: list[str], interval: float) -> None:
        self.web3 = web3
        self.addresses = [to_checksum_address(a) for a in addresses]
        self.interval = interval
        self.generation = 0
        self.head = Head(-1, 0)
        self._polled = 0.0
        self._lock = threading.Lock()

    def poll(self) -> tuple[int, Head]:
        """(generation, head), reading the chain at most every ``interval`` s."""
        with self._lock:
            now = time.monotonic()
            if self.head.number >= 0 and now - self._polled < self.interval:
                return self.generation, self.head
            block = self.web3.eth.get_block("latest")
            number, timestamp = int(block["number"]), int(block["timestamp"])
            if self.head.number < 0 or number < self.head.number:
                self.generation += 1
            elif number > self.head.number:
                logs = self.web3.eth.get_logs(
                    {
                        "address": self.addresses,
                        "fromBlock": self.head.number + 1,
                        "toBlock": number,
                    }
                )
                if logs:
                    self.generation += 1
            self.head = Head(number, timestamp)
            self._polled = now
            return self.generation, self.head


class ChainReads:
    """The registry's, pathway registry's and employer registry's reads the
    pages need, as raw calls."""

    def __init__(self, registry: Registry, pathways: Any = None, employers: Any = None) -> None:
        from ape import chain

        self.web3 = chain.provider.web3
        self.registry = registry
        self.pathways = pathways
        self._registry = self.web3.eth.contract(
            address=to_checksum_address(registry.address), abi=abi_of(registry.contract)
        )
        self._pathways = (
            None
            if pathways is None
            else self.web3.eth.contract(
                address=to_checksum_address(pathways.address), abi=abi_of(pathways.contract)
            )
        )
        self._employers = (
            None
            if employers is None
            else self.web3.eth.contract(
                address=to_checksum_address(employers.address), abi=abi_of(employers.contract)
            )
        )

    def _call(self, contract: Any, name: str, *args: Any) -> Any:
        function = contract.get_function_by_name(name)(*args)
        return named(function.abi["outputs"], function.call())

    def head(self) -> Head:
        block = self.web3.eth.get_block("latest")
        return Head(int(block["number"]), int(block["timestamp"]))

    def block_time(self, number: int) -> int:
        return int(self.web3.eth.get_block(number)["timestamp"])

    def credential(self, token_id: int) -> Credential:
        """The record and its status now, as the contract reports them."""
        c = self._call(self._registry, "credential", token_id)
        return Credential(
            token_id=token_id,
            holder=to_checksum_address(c["holder"]),
            class_id=int(c["class_id"]),
            score=int(c["score"]),
            expires_at=int(c["expires_at"]),
            status=Status(int(c["status"])),
        )

    def credentials(self, token_ids: list[int], now: int) -> list[Credential]:
        """Many credentials, 16 a call (``credential_words``), statuses at ``now``."""
        found: list[Credential] = []
        for i in range(0, len(token_ids), WORDS_PER_CALL):
            chunk = token_ids[i : i + WORDS_PER_CALL]
            words = self._registry.functions.credential_words(chunk).call()
            found += [decode_word(t, int(w), now) for t, w in zip(chunk, words, strict=True)]
        return found

    def held(self, holder: str, now: int) -> list[Credential]:
        """As Registry.held: the wallet's active, suspended or expired credentials."""
        in_wallet = (Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED)
        records = self.credentials(sorted(self.registry.tokens_received(holder)), now)
        return [c for c in records if c.holder.lower() == holder.lower() and c.status in in_wallet]

    def progress(self, pathway_id: int, holder: str, token_ids: list[int]) -> dict[str, Any]:
        """The pathway registry's progress view, by field name."""
        assert self._pathways is not None
        result: dict[str, Any] = self._call(
            self._pathways, "progress", pathway_id, to_checksum_address(holder), token_ids
        )
        return result

    def employers(self) -> list[Employer]:
        """Every account ever added as an employer (removed ones too), in
        the order added, with its name, URL and whether it is active: as
        credstack.employers.Employers.employers."""
        assert self._employers is not None
        found = []
        for i in range(int(self._employers.functions.employer_count().call())):
            account = to_checksum_address(self._employers.functions.employer_at(i).call())
            info = self._call(self._employers, "employer", account)
            found.append(
                Employer(
                    account,
                    str(info["name"]),
                    str(info["url"]),
                    bool(info["active"]),
                    int(info["added_at"]),
                )
            )
        return found
