"""Bulk issuance from a CSV: validate every row, plan, send in batches sized
by gas, journal every step, and write the issuer's receipts.

CSV columns (any order, header required): ``wallet`` (EIP-55 checksummed),
``score`` (percent, 0 to 100, up to two decimals), ``evidence`` (a file path,
relative to the CSV, or ``0x`` + the document's SHA-256), ``external_id`` (the
issuer's own reference, kept off chain). Rows are numbered as a spreadsheet
shows them: the header is row 1.

A wallet counts as issued when the chain has a ``CredentialIssued`` event for
it in this class (whatever its status now): re-running a CSV never issues a
wallet the same class twice.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credstack import fees
from credstack.errors import CredstackError, InputError, JournalError, RowError
from credstack.evidence import file_digest, new_salt, parse_hex32, salted_hash
from credstack.inputs import FATAL_FIELDS, address_problem, read_table
from credstack.journal import Journal
from credstack.registry import (
    MAX_BATCH,
    TX_GAS_CAP,
    ClassInfo,
    IssuedEvent,
    Registry,
    issued_token_ids,
)
from credstack.send import as_sender
from credstack.units import format_percent, parse_percent

CSV_FIELDS = ("wallet", "score", "evidence", "external_id")
# Batches aim at this share of the gas cap; each is estimated before sending.
GAS_HEADROOM = 0.95
# How long a resumed run waits for a transaction an earlier run left pending.
PENDING_WAIT = 120


@dataclass(frozen=True)
class IssueRow:
    row: int
    wallet: str
    score: int  # basis points
    digest: bytes  # SHA-256 of the evidence document
    external_id: str


# Validation


def read_rows(path: Path, klass: ClassInfo) -> tuple[list[IssueRow], list[RowError]]:
    """Every valid row and every error, checked against the class."""
    rows: list[IssueRow] = []
    errors: list[RowError] = []
    seen_wallets: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    digests: dict[str, bytes | str] = {}
    for record in read_table(path, CSV_FIELDS):
        if isinstance(record, RowError):
            errors.append(record)
            continue
        line, cell = record.row, record.cells
        bad = len(errors)

        wallet = cell["wallet"]
        if problem := address_problem(wallet):
            errors.append(RowError(line, "wallet", wallet, problem))
        elif wallet.lower() in seen_wallets:
            first = seen_wallets[wallet.lower()]
            errors.append(RowError(line, "wallet", wallet, f"duplicate of row {first}"))
        else:
            seen_wallets[wallet.lower()] = line

        score = 0
        try:
            score = parse_percent(cell["score"])
        except ValueError as err:
            errors.append(RowError(line, "score", cell["score"], f"out of range: {err}"))
        else:
            if score < klass.min_score:
                minimum = format_percent(klass.min_score)
                errors.append(
                    RowError(line, "score", cell["score"], f"below the class minimum of {minimum}")
                )

        digest = _evidence_digest(cell["evidence"], path.parent, digests)
        if isinstance(digest, str):
            errors.append(RowError(line, "evidence", cell["evidence"], digest))

        external_id = cell["external_id"]
        if not external_id:
            errors.append(RowError(line, "external_id", "", "missing"))
        elif external_id in seen_ids:
            first = seen_ids[external_id]
            errors.append(RowError(line, "external_id", external_id, f"duplicate of row {first}"))
        else:
            seen_ids[external_id] = line

        if len(errors) == bad and isinstance(digest, bytes):
            rows.append(IssueRow(line, wallet, score, digest, external_id))
    return rows, errors


def _evidence_digest(text: str, base: Path, cache: dict[str, bytes | str]) -> bytes | str:
    """The document's SHA-256, or why it cannot be had."""
    if not text:
        return "missing: a file path or 0x + 64 hex digits"
    if text.lower().startswith("0x"):
        digest = parse_hex32(text)
        return digest if digest is not None else "not a SHA-256 hash (0x + 64 hex digits)"
    if text not in cache:
        try:
            cache[text] = file_digest(base / text)
        except OSError as err:
            cache[text] = f"unreadable evidence file ({err.strerror})"
    return cache[text]


# Planning


@dataclass
class Plan:
    class_id: int
    new: list[IssueRow]
    done: list[tuple[IssueRow, IssuedEvent]]
    batches: list[list[IssueRow]]
    batch_size: int
    gas_fixed: int
    gas_per_credential: int
    gas_price: int
    gas_limit: int  # the cap a batch must stay under: min(tx cap, block gas limit)
    settled: list[str] = field(default_factory=list)
    # What the batches pay for their data on an L2 (credstack.fees); None on
    # chains that charge nothing for it (local chains).
    data: fees.DataCost | None = None

    @property
    def gas_total(self) -> int:
        return sum(self.gas_fixed + self.gas_per_credential * len(b) for b in self.batches)

    @property
    def execution_wei(self) -> int:
        """The gas estimate at the gas price, less the gas that pays for
        data where the estimate includes it (Arbitrum)."""
        data_gas = self.data.gas if self.data is not None else 0
        return max(self.gas_total - data_gas, 0) * self.gas_price

    @property
    def cost_wei(self) -> int:
        """Execution and data together."""
        return self.execution_wei + (self.data.wei if self.data is not None else 0)


@dataclass
class Timings:
    validation: float = 0.0
    planning: float = 0.0
    estimating: float = 0.0
    signing: float = 0.0
    node: float = 0.0


@dataclass
class Outcome:
    issued: list[tuple[IssueRow, int]]  # row, token id
    transactions: list[str]
    gas_used: int
    timings: Timings


class Issuance:
    """One class on one registry, with its journal and receipts."""

    def __init__(
        self,
        registry: Registry,
        klass: ClassInfo,
        slug: str,
        sender: Any,
        journal: Journal,
    ) -> None:
        self.registry = registry
        self.klass = klass
        self.slug = slug
        self.sender = as_sender(sender)
        self.journal = journal
        self.timings = Timings()
        self._estimates: dict[tuple[str, ...], int] = {}
        self._prepared: dict[str, dict[str, Any]] = {}
        self._unjournalled: list[dict[str, Any]] = []

    # Before anything is sent

    def check_signer(self) -> None:
        """The signer must be able to issue this class right now."""
        contract = self.registry.contract
        if bool(contract.paused()):
            raise CredstackError("the registry is paused: nothing can be issued until unpaused")
        if not self.klass.active:
            raise CredstackError(f"class '{self.slug}' ({self.klass.class_id}) is inactive")
        if not self.registry.may_operate(self.klass, self.sender.address):
            raise CredstackError(
                f"account {self.sender.address} may not issue class '{self.slug}': "
                f"not its issuer ({self.klass.issuer}) or a delegate of it, "
                "or the issuer's role was removed"
            )

    def settle(self, wait: float = PENDING_WAIT) -> list[str]:
        """Settle every transaction an earlier run sent but never saw mined.
        Returns one line per transaction saying what became of it."""
        from ape import chain
        from web3.exceptions import TimeExhausted, TransactionNotFound

        web3 = chain.provider.web3
        lines = []
        for record in self.journal.read().unsettled:
            tx = record["tx"]
            try:
                receipt = web3.eth.get_transaction_receipt(tx)
            except TransactionNotFound:
                try:
                    web3.eth.get_transaction(tx)
                except TransactionNotFound:
                    # Never broadcast, or dropped from the pool. Its nonce is
                    # free again, so the next transaction takes it and this
                    # one can never be mined later.
                    self.journal.append([{"t": "dropped", "tx": tx}])
                    lines.append(f"{tx}: never mined (dropped); its credentials are re-planned")
                    continue
                try:
                    receipt = web3.eth.wait_for_transaction_receipt(tx, timeout=wait)
                except TimeExhausted:
                    raise JournalError(
                        f"transaction {tx} (nonce {record['nonce']}) from an earlier run is "
                        f"still pending after {wait:.0f} s: wait for it, then re-run"
                    ) from None
            if receipt["status"] == 1:
                ape_receipt = chain.get_receipt(tx)
                ids = issued_token_ids(self.registry.contract, ape_receipt)
                self.journal.append([{"t": "mined", "tx": tx, "token_ids": ids}])
                lines.append(f"{tx}: mined before the interruption ({len(ids)} credentials)")
            else:
                self.journal.append([{"t": "failed", "tx": tx}])
                lines.append(f"{tx}: reverted; its credentials are re-planned")
        return lines

    def plan(self, rows: list[IssueRow], batch_size: int | None = None) -> Plan:
        """Split rows into issued (on chain) and new; size batches by gas."""
        from ape import chain

        started = time.perf_counter()
        settled = self.settle()
        onchain = self.issued_by_wallet()
        done, new = [], []
        for row in rows:
            event = onchain.get(row.wallet.lower())
            if event is not None:
                done.append((row, event))
            else:
                new.append(row)
        self._prepare(new)
        block_limit = int(chain.blocks.head.gas_limit)
        cap = min(TX_GAS_CAP, block_limit)
        self.timings.planning += time.perf_counter() - started

        fixed, per = self._gas_model(new)
        size = min(MAX_BATCH, max(1, int((cap * GAS_HEADROOM - fixed) // max(per, 1))))
        if batch_size is not None:
            size = max(1, min(size, batch_size))
        batches = [new[i : i + size] for i in range(0, len(new), size)]
        data = self._data_cost(batches, fixed, per, cap)
        return Plan(
            class_id=self.klass.class_id,
            new=new,
            done=done,
            batches=batches,
            batch_size=size,
            gas_fixed=fixed,
            gas_per_credential=per,
            gas_price=int(chain.provider.gas_price),
            gas_limit=cap,
            settled=settled,
            data=data,
        )

    def _data_cost(
        self, batches: list[list[IssueRow]], fixed: int, per: int, cap: int
    ) -> fees.DataCost | None:
        """What the batches pay for their data on an L2, None on a chain
        that charges nothing for it. Batches differ only in the last one's
        length: one of each length is built as the transaction `execute`
        sends (calldata, gas limit, nonce, fees), unsigned, and priced."""
        started = time.perf_counter()
        model = fees.detect() if batches else None
        cost = None
        if model is not None:
            contract = self.registry.contract
            copies = Counter(len(b) for b in batches)
            transactions = []
            for batch in {len(b): b for b in batches}.values():
                estimate = fixed + per * len(batch)
                calldata = bytes(contract.issue_batch.encode_input(*self._batch_args(batch)))
                gas_limit = min(estimate + estimate // 10, cap)
                tx = fees.prepare(self.sender.address, str(contract.address), calldata, gas_limit)
                transactions.append((tx, copies[len(batch)]))
            cost = fees.data_cost(model, transactions)
        self.timings.planning += time.perf_counter() - started
        return cost

    def issued_by_wallet(self) -> dict[str, IssuedEvent]:
        """Lower-case wallet -> the class's first CredentialIssued event for it
        (events come in chain order)."""
        first: dict[str, IssuedEvent] = {}
        for event in self.registry.issued_events(self.klass.class_id):
            first.setdefault(event.holder.lower(), event)
        return first

    def _prepare(self, rows: list[IssueRow]) -> None:
        """Give each new row its salt: the one an earlier run promised if the
        row has not changed, else a fresh one. Fresh salts stay in memory
        (a dry run writes nothing) until `execute` journals them, before any
        transaction names them."""
        state = self.journal.read()
        self._prepared = dict(state.prepared)
        self._unjournalled = []
        for row in rows:
            old = state.prepared.get(row.wallet)
            if old is not None and (old["score"], old["digest"], old["external_id"]) == (
                row.score,
                row.digest.hex(),
                row.external_id,
            ):
                continue
            salt = new_salt()
            record = {
                "t": "prepared",
                "wallet": row.wallet,
                "row": row.row,
                "score": row.score,
                "digest": row.digest.hex(),
                "external_id": row.external_id,
                "salt": salt.hex(),
                "hash": salted_hash(salt, row.digest).hex(),
            }
            self._prepared[row.wallet] = record
            self._unjournalled.append(record)

    def _gas_model(self, rows: list[IssueRow]) -> tuple[int, int]:
        """(fixed, per credential) gas from the node's estimates: one of the
        first 64 rows, and, when there are more rows than that, one of a
        single row to split the fixed part from the per-credential part."""
        if not rows:
            return 0, 0
        started = time.perf_counter()
        probe = rows[:64]
        large = self._estimate(probe)
        if len(rows) <= len(probe):
            self.timings.estimating += time.perf_counter() - started
            return 0, -(-large // len(probe))
        small = self._estimate(rows[:1])
        per = -(-(large - small) // (len(probe) - 1))  # round up
        self.timings.estimating += time.perf_counter() - started
        return max(small - per, 0), per

    def _estimate(self, rows: list[IssueRow]) -> int:
        """The node's gas estimate for one batch, remembered: the batch that
        is sent next is often the one just probed."""
        from ape.exceptions import ContractLogicError

        key = tuple(r.wallet for r in rows)
        if key not in self._estimates:
            args = self._batch_args(rows)
            try:
                self._estimates[key] = int(
                    self.registry.contract.issue_batch.estimate_gas_cost(
                        *args, sender=self.sender.account
                    )
                )
            except ContractLogicError as err:
                raise CredstackError(f"the node refused the batch: {err.message}") from None
        return self._estimates[key]

    def _batch_args(self, rows: list[IssueRow]) -> tuple[int, list[str], list[int], list[bytes]]:
        hashes = [bytes.fromhex(self._prepared[r.wallet]["hash"]) for r in rows]
        return (
            self.klass.class_id,
            [r.wallet for r in rows],
            [r.score for r in rows],
            hashes,
        )

    # Sending

    def execute(self, plan: Plan, on_progress: Callable[[int], None] | None = None) -> Outcome:
        """Send every batch of the plan, journalling each transaction before
        it is broadcast and after it is mined."""
        from ape.exceptions import ContractLogicError

        if self._unjournalled:
            self.journal.append(self._unjournalled)
            self._unjournalled = []
        issued: list[tuple[IssueRow, int]] = []
        transactions: list[str] = []
        gas_used = 0
        queue = list(plan.batches)
        while queue:
            batch = queue.pop(0)
            args = self._batch_args(batch)
            started = time.perf_counter()
            estimate = self._estimate(batch)
            self.timings.estimating += time.perf_counter() - started
            if estimate > plan.gas_limit * GAS_HEADROOM and len(batch) > 1:
                half = len(batch) // 2
                queue[:0] = [batch[:half], batch[half:]]
                continue
            gas_limit = min(estimate + estimate // 10, plan.gas_limit)

            broadcast: list[str] = []

            def journal(
                tx: str, nonce: int, wallets: list[str] = args[1], seen: list[str] = broadcast
            ) -> None:
                self.journal.append([{"t": "sent", "tx": tx, "nonce": nonce, "wallets": wallets}])
                seen.append(tx)

            try:
                receipt = self.sender.send(
                    self.registry.contract.issue_batch,
                    *args,
                    gas_limit=gas_limit,
                    before_broadcast=journal,
                )
            except ContractLogicError as err:
                if not broadcast:  # refused by the node's estimate: nothing was sent
                    raise CredstackError(f"the node refused the batch: {err.message}") from None
                self.journal.append([{"t": "failed", "tx": broadcast[0]}])
                raise CredstackError(
                    f"batch transaction {broadcast[0]} reverted: {err.message}"
                ) from None
            assert self.sender.last is not None
            tx = self.sender.last.tx
            self.timings.signing += self.sender.last.signing
            self.timings.node += self.sender.last.node
            ids = issued_token_ids(self.registry.contract, receipt)
            if len(ids) != len(batch):
                raise JournalError(f"{tx}: expected {len(batch)} credentials, saw {len(ids)}")
            self.journal.append([{"t": "mined", "tx": tx, "token_ids": ids}])
            issued += list(zip(batch, ids, strict=True))
            transactions.append(tx)
            gas_used += int(receipt.gas_used)
            if on_progress is not None:
                on_progress(len(batch))
        return Outcome(issued, transactions, gas_used, self.timings)

    # Receipts

    def receipts(self, rows: list[IssueRow]) -> list[dict[str, Any]]:
        """One record per CSV row that is on chain, for the issuer to keep and
        hand to the learner: the salt is what lets the learner prove the
        evidence later."""
        state = self.journal.read()
        onchain = self.issued_by_wallet()
        out = []
        for row in rows:
            event = onchain.get(row.wallet.lower())
            if event is None:
                continue
            prepared = state.prepared.get(row.wallet)
            salt = ""
            if prepared is not None and prepared["hash"] == event.evidence_hash.hex():
                salt = prepared["salt"]
            out.append(
                {
                    "wallet": row.wallet,
                    "external_id": row.external_id,
                    "class": self.slug,
                    "class_id": self.klass.class_id,
                    "token_id": event.token_id,
                    "score": format_percent(event.score),
                    "expires_at": event.expires_at,
                    "document_sha256": "0x" + row.digest.hex(),
                    "salt": "0x" + salt if salt else "",
                    "evidence_hash": "0x" + event.evidence_hash.hex(),
                    "transaction": event.tx_hash,
                }
            )
        return out


def write_receipts(records: list[dict[str, Any]], base: Path) -> tuple[Path, Path]:
    """``base``.csv and ``base``.json, each written atomically."""
    base.parent.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = Path(f"{base}.csv"), Path(f"{base}.json")
    fields = (
        list(records[0])
        if records
        else ["wallet", "external_id", "class", "class_id", "token_id", "salt", "evidence_hash"]
    )
    for path, write in (
        (csv_path, lambda f: _write_csv(f, fields, records)),
        (json_path, lambda f: f.write(json.dumps(records, indent=2) + "\n")),
    ):
        fd, tmp = tempfile.mkstemp(dir=base.parent, suffix=".tmp")
        with os.fdopen(fd, "w", newline="") as f:
            write(f)
        os.replace(tmp, path)
    return csv_path, json_path


def _write_csv(f: Any, fields: list[str], records: list[dict[str, Any]]) -> None:
    writer = csv.DictWriter(f, fieldnames=fields)
    writer.writeheader()
    writer.writerows(records)


def validate(
    path: Path, klass: ClassInfo, skip_invalid: bool
) -> tuple[list[IssueRow], list[RowError]]:
    """Rows to issue; raises InputError unless ``skip_invalid``."""
    rows, errors = read_rows(path, klass)
    if errors and (not skip_invalid or any(e.field in FATAL_FIELDS for e in errors)):
        raise InputError(str(path), errors)
    return rows, errors
