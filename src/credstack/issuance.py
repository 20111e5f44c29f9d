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
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credstack import fees
from credstack.errors import CredstackError, InputError, JournalError, RowError
from credstack.evidence import file_digest, new_salt, parse_hex32, salted_hash
from credstack.inputs import FATAL_FIELDS, address_problem, read_table
from credstack.journal import Journal, Prepared
from credstack.registry import (
    MAX_BATCH,
    TX_GAS_CAP,
    ClassInfo,
    IssuedEvent,
    Registry,
    issued_token_ids,
)
from credstack.send import Pending, as_sender
from credstack.units import format_percent, parse_percent

CSV_FIELDS = ("wallet", "score", "evidence", "external_id")
# Batches aim at this share of the gas cap; each is estimated before sending.
GAS_HEADROOM = 0.95
# A batch transaction's gas limit is its estimate plus this share.
LIMIT_MARGIN = 1 / 32
# How long a resumed run waits for a transaction an earlier run left pending.
PENDING_WAIT = 120
# Prepared salts are journalled (and fsynced) this many at a time.
JOURNAL_CHUNK = 10_000
# At most this many batch transactions broadcast and not yet mined.
MAX_IN_FLIGHT = 8


@dataclass(frozen=True, slots=True)
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
    gas_limit: int  # a batch transaction's gas limit at most: min(tx cap, block / per block)
    settled: list[str] = field(default_factory=list)
    batches_per_block: int = 1  # how many batches one block holds
    # What the batches pay for their data on an L2 (credstack.fees); None on
    # chains that charge nothing for it (local chains).
    data: fees.DataCost | None = None

    @property
    def in_flight(self) -> int:
        """Batches kept broadcast and unmined at once: two blocks' worth, so
        the next block's batches wait in the pool when one is mined."""
        return min(MAX_IN_FLIGHT, 2 * self.batches_per_block)

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
        self._prepared: dict[str, Prepared] = {}
        self._unjournalled: list[Prepared] = []
        self._planned = False

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
        # Batches sized to pack blocks: as many equal batches per block as
        # the transaction cap needs (two of 15M fill a 30M block, where one
        # of 16.7M would leave it half empty). A block takes a transaction
        # while its gas *limit* fits, so the limits, not the estimates, must
        # add up to at most the block's.
        per_block = -(-block_limit // TX_GAS_CAP)
        cap = min(TX_GAS_CAP, block_limit // per_block)
        self.timings.planning += time.perf_counter() - started

        fixed, per = self._gas_model(new)
        target = cap * GAS_HEADROOM / (1 + LIMIT_MARGIN)
        size = min(MAX_BATCH, max(1, int((target - fixed) // max(per, 1))))
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
            batches_per_block=per_block,
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
                gas_limit = _gas_limit(estimate, cap)
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
        self._prepared = self.journal.read().prepared
        self._unjournalled = []
        self._planned = True
        for row in rows:
            old = self._prepared.get(row.wallet)
            if old is not None and (old.score, old.digest, old.external_id) == (
                row.score,
                row.digest,
                row.external_id,
            ):
                continue
            salt = new_salt()
            prepared = Prepared(
                row.wallet,
                row.row,
                row.score,
                row.digest,
                row.external_id,
                salt,
                salted_hash(salt, row.digest),
            )
            self._prepared[row.wallet] = prepared
            self._unjournalled.append(prepared)

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
        hashes = [self._prepared[r.wallet].hash for r in rows]
        return (
            self.klass.class_id,
            [r.wallet for r in rows],
            [r.score for r in rows],
            hashes,
        )

    # Sending

    def execute(
        self,
        plan: Plan,
        on_progress: Callable[[int], None] | None = None,
        in_flight: int | None = None,
    ) -> Outcome:
        """Send every batch of the plan, up to ``in_flight`` (default: the
        plan's) broadcast at once with consecutive nonces, so a block can
        take several. Each transaction is journalled (hash and nonce) before
        it is broadcast and again once mined; receipts are read in nonce
        order. Killed anywhere, the same command finishes the work: `plan`
        settles whatever the journal says was sent."""
        from ape import chain
        from ape.exceptions import ContractLogicError

        for i in range(0, len(self._unjournalled), JOURNAL_CHUNK):
            self.journal.append(self._unjournalled[i : i + JOURNAL_CHUNK])
        self._unjournalled = []
        issued: list[tuple[IssueRow, int]] = []
        transactions: list[str] = []
        gas_used = 0
        queue = deque(plan.batches)
        flight: deque[tuple[list[IssueRow], Pending]] = deque()
        # The embedded chain mines as it is sent: nothing to overlap.
        limit = 1 if self.sender.mines_on_send else max(1, in_flight or plan.in_flight)
        web3 = chain.provider.web3
        nonce = int(web3.eth.get_transaction_count(self.sender.address, "pending"))
        sent: list[str] = []
        while queue or flight:
            while queue and len(flight) < limit:
                batch = queue.popleft()
                started = time.perf_counter()
                estimate = self._estimate(batch)
                self.timings.estimating += time.perf_counter() - started
                if estimate * (1 + LIMIT_MARGIN) > plan.gas_limit and len(batch) > 1:
                    half = len(batch) // 2
                    queue.extendleft([batch[half:], batch[:half]])
                    continue
                args = self._batch_args(batch)
                txn, what = self.sender.prepare(
                    self.registry.contract.issue_batch,
                    *args,
                    gas_limit=_gas_limit(estimate, plan.gas_limit),
                    nonce=nonce,
                )

                def journal(
                    tx: str, nonce: int, wallets: list[str] = args[1], seen: list[str] = sent
                ) -> None:
                    record = {"t": "sent", "tx": tx, "nonce": nonce, "wallets": wallets}
                    self.journal.append([record])
                    seen.append(tx)

                try:
                    pending = self.sender.submit(txn, what, before_broadcast=journal)
                except ContractLogicError as err:  # the embedded chain mines on send
                    self.journal.append([{"t": "failed", "tx": sent[-1]}])
                    raise self._reverted(err, sent[-1]) from None
                self.timings.signing += pending.signing
                flight.append((batch, pending))
                nonce += 1
            batch, pending = flight.popleft()
            started = time.perf_counter()
            try:
                receipt = self.sender.wait(pending)
            except ContractLogicError as err:
                self.journal.append([{"t": "failed", "tx": pending.tx}])
                raise self._reverted(err, pending.tx) from None
            # Time the engine spent waiting (transactions in flight overlap).
            self.timings.node += time.perf_counter() - started
            ids = issued_token_ids(self.registry.contract, receipt)
            if len(ids) != len(batch):
                raise JournalError(
                    f"{pending.tx}: expected {len(batch)} credentials, saw {len(ids)}"
                )
            self.journal.append([{"t": "mined", "tx": pending.tx, "token_ids": ids}])
            issued += list(zip(batch, ids, strict=True))
            transactions.append(pending.tx)
            gas_used += int(receipt.gas_used)
            if on_progress is not None:
                on_progress(len(batch))
        return Outcome(issued, transactions, gas_used, self.timings)

    def _reverted(self, err: Any, tx: str = "") -> CredstackError:
        """A batch the chain refused; later batches already broadcast are
        settled by the next run."""
        which = f"batch transaction {tx}" if tx else "a batch transaction"
        return CredstackError(
            f"{which} reverted: {err.message}; run the same command again to settle the rest"
        )

    # Receipts

    def receipts(self, rows: list[IssueRow]) -> Iterator[dict[str, Any]]:
        """One record per CSV row that is on chain, for the issuer to keep and
        hand to the learner: the salt is what lets the learner prove the
        evidence later. Made one at a time, as they are written."""
        # After `plan`, the salts it loaded and made are the journal's.
        prepared = self._prepared if self._planned else self.journal.read().prepared
        onchain = self.issued_by_wallet()
        for row in rows:
            event = onchain.get(row.wallet.lower())
            if event is None:
                continue
            promised = prepared.get(row.wallet)
            salt = b""
            if promised is not None and promised.hash == event.evidence_hash:
                salt = promised.salt
            yield {
                "wallet": row.wallet,
                "external_id": row.external_id,
                "class": self.slug,
                "class_id": self.klass.class_id,
                "token_id": event.token_id,
                "score": format_percent(event.score),
                "expires_at": event.expires_at,
                "document_sha256": "0x" + row.digest.hex(),
                "salt": "0x" + salt.hex() if salt else "",
                "evidence_hash": "0x" + event.evidence_hash.hex(),
                "transaction": event.tx_hash,
            }


def _gas_limit(estimate: int, cap: int) -> int:
    """A batch transaction's gas limit: its estimate plus LIMIT_MARGIN, at
    most ``cap`` (what `plan` prices and `execute` sends)."""
    return min(int(estimate * (1 + LIMIT_MARGIN)), cap)


RECEIPT_FIELDS = (
    "wallet", "external_id", "class", "class_id", "token_id", "score", "expires_at",
    "document_sha256", "salt", "evidence_hash", "transaction",
)  # fmt: skip


def write_receipts(records: Iterable[dict[str, Any]], base: Path) -> tuple[Path, Path]:
    """``base``.csv and ``base``.json, written as the records come (nothing
    is held whole) and each put in place atomically at the end."""
    base.parent.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = Path(f"{base}.csv"), Path(f"{base}.json")
    csv_fd, csv_tmp = tempfile.mkstemp(dir=base.parent, suffix=".tmp")
    json_fd, json_tmp = tempfile.mkstemp(dir=base.parent, suffix=".tmp")
    with os.fdopen(csv_fd, "w", newline="") as csv_file, os.fdopen(json_fd, "w") as json_file:
        writer = csv.DictWriter(csv_file, fieldnames=RECEIPT_FIELDS)
        writer.writeheader()
        json_file.write("[")
        written = 0
        for record in records:
            writer.writerow(record)
            # The layout json.dumps(records, indent=2) would give, an item at a time.
            item = json.dumps(record, indent=2).replace("\n", "\n  ")
            json_file.write(("," if written else "") + "\n  " + item)
            written += 1
        json_file.write("\n]\n" if written else "]\n")
    os.replace(csv_tmp, csv_path)
    os.replace(json_tmp, json_path)
    return csv_path, json_path


def validate(
    path: Path, klass: ClassInfo, skip_invalid: bool
) -> tuple[list[IssueRow], list[RowError]]:
    """Rows to issue; raises InputError unless ``skip_invalid``."""
    rows, errors = read_rows(path, klass)
    if errors and (not skip_invalid or any(e.field in FATAL_FIELDS for e in errors)):
        raise InputError(str(path), errors)
    return rows, errors
