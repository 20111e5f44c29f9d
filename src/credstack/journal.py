"""An append-only journal (JSON lines, flushed and fsynced per record).

It records what a run intends before it acts: the salt of every credential
before any transaction names it, and each transaction's hash and nonce before
it is broadcast. A run killed at any point leaves the journal at least as far
as the chain, so the next run can settle every transaction it may have sent
and reuse the salts it promised.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Prepared:
    """A credential's salt, promised before any transaction names it: the
    row it came from, and the salted evidence hash the chain will hold."""

    wallet: str
    row: int
    score: int  # basis points
    digest: bytes  # SHA-256 of the evidence document
    external_id: str
    salt: bytes
    hash: bytes  # keccak256(salt || digest)

    def record(self) -> dict[str, Any]:
        return {
            "t": "prepared",
            "wallet": self.wallet,
            "row": self.row,
            "score": self.score,
            "digest": self.digest.hex(),
            "external_id": self.external_id,
            "salt": self.salt.hex(),
            "hash": self.hash.hex(),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Prepared:
        return cls(
            wallet=record["wallet"],
            row=int(record["row"]),
            score=int(record["score"]),
            digest=bytes.fromhex(record["digest"]),
            external_id=record["external_id"],
            salt=bytes.fromhex(record["salt"]),
            hash=bytes.fromhex(record["hash"]),
        )


@dataclass
class JournalState:
    prepared: dict[str, Prepared] = field(default_factory=dict)  # wallet -> latest
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)  # tx hash -> record
    settled: set[str] = field(default_factory=set)  # tx hashes mined, failed or dropped

    @property
    def unsettled(self) -> list[dict[str, Any]]:
        return [r for tx, r in self.sent.items() if tx not in self.settled]


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> JournalState:
        state = JournalState()
        if not self.path.exists():
            return state
        self._drop_torn_tail()
        with self.path.open() as f:
            for line in f:
                record = json.loads(line)
                kind = record["t"]
                if kind == "prepared":
                    state.prepared[record["wallet"]] = Prepared.from_record(record)
                elif kind == "sent":
                    record.pop("wallets", None)  # for people reading the file
                    state.sent[record["tx"]] = record
                elif kind in ("mined", "failed", "dropped"):
                    state.settled.add(record["tx"])
        return state

    def _drop_torn_tail(self) -> None:
        """A crash mid-write can leave a last line without its newline: that
        record was never acted on, so it is cut off before anything appends."""
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with self.path.open("r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)

    def append(self, records: Iterable[dict[str, Any] | Prepared]) -> None:
        """Write records and fsync once, after the last."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as f:
            for record in records:
                data = record.record() if isinstance(record, Prepared) else record
                f.write(json.dumps(data, separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())
