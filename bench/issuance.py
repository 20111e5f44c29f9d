"""Throughput benchmark of bulk issuance on anvil (`make bench`).

Issues 10,000 credentials from a CSV through the same engine as
`ape run issue` (validation, journal, gas-sized batches, receipts) on a fresh
anvil that ape-foundry starts, and reports where the time goes: validation
and signing are the tool's, estimating and waiting are the node's. Then times
the validation alone of a 100,000-row CSV. Adds its figures to
bench/results.json under "issuance".
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project
from eth_utils import keccak, to_checksum_address
from rich.console import Console
from rich.table import Table

from credstack.anvil import plain_anvil
from credstack.deploy import deploy_registry
from credstack.issuance import Issuance, validate, write_receipts
from credstack.journal import Journal
from credstack.registry import ISSUER_ROLE, Registry, created_class_id

RESULTS = Path(__file__).with_name("results.json")
CREDENTIALS = 10_000
VALIDATION_ROWS = 100_000
# Targets: none set by the issue; shown for orientation.
TARGET_NOTE = "no target set; the split shows whether the tool or the node is the bound"


def write_cohort(path: Path, count: int) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["wallet", "score", "evidence", "external_id"])
        for i in range(count):
            wallet = to_checksum_address(keccak(text=f"credstack-bench-learner-{i}")[:20])
            digest = hashlib.sha256(f"bench evidence {i}".encode()).hexdigest()
            writer.writerow([wallet, f"{70 + i % 30}.5", f"0x{digest}", f"B-{i:06d}"])


def issue_10k(work: Path) -> dict[str, Any]:
    admin, issuer = accounts.test_accounts[0], accounts.test_accounts[1]
    contract = deploy_registry(project, admin)
    contract.grantRole(ISSUER_ROLE, issuer, sender=admin)
    receipt = contract.create_class(
        "Bench Class", "ipfs://bench", False, True, 730 * 86_400, 7_000, sender=issuer
    )
    registry = Registry(contract, from_block=int(chain.blocks.height))
    klass = registry.class_info(created_class_id(contract, receipt))
    path = work / "cohort.csv"
    write_cohort(path, CREDENTIALS)

    started = time.perf_counter()
    rows, _ = validate(path, klass, skip_invalid=False)
    validation = time.perf_counter() - started
    issuance = Issuance(registry, klass, "bench", issuer, Journal(work / "journal.jsonl"))
    plan = issuance.plan(rows)
    outcome = issuance.execute(plan)
    receipts_started = time.perf_counter()
    write_receipts(issuance.receipts(rows), work / "receipts")
    receipts = time.perf_counter() - receipts_started
    wall = time.perf_counter() - started

    assert len(outcome.issued) == CREDENTIALS
    assert int(contract.total_issued()) == CREDENTIALS
    t = outcome.timings
    parts = {
        "validation": validation,
        "planning (journal, chain scan)": t.planning,
        "gas estimates (node)": t.estimating,
        "signing (tool)": t.signing,
        "sending and waiting (node)": t.node,
        "receipts (chain scan, files)": receipts,
    }
    parts["other"] = max(wall - sum(parts.values()), 0.0)
    return {
        "credentials": CREDENTIALS,
        "wall_seconds": round(wall, 2),
        "transactions": len(outcome.transactions),
        "batch_size": plan.batch_size,
        "gas_per_credential": round(outcome.gas_used / CREDENTIALS),
        "gas_total": outcome.gas_used,
        "credentials_per_second": round(CREDENTIALS / wall, 1),
        "seconds": {k: round(v, 2) for k, v in parts.items()},
    }


def validate_100k(work: Path) -> dict[str, Any]:
    from credstack.registry import ClassInfo

    klass = ClassInfo(1, "0x" + "11" * 20, "x", "", False, True, 0, 7_000, True)
    path = work / "big.csv"
    write_cohort(path, VALIDATION_ROWS)
    started = time.perf_counter()
    rows, errors = validate(path, klass, skip_invalid=False)
    seconds = time.perf_counter() - started
    assert len(rows) == VALIDATION_ROWS and not errors
    return {
        "rows": VALIDATION_ROWS,
        "seconds": round(seconds, 2),
        "rows_per_second": round(VALIDATION_ROWS / seconds),
    }


def main() -> int:
    console = Console(width=120)
    # A plain anvil: see credstack.anvil for why not the one ape-foundry starts.
    with tempfile.TemporaryDirectory() as tmp, plain_anvil() as node:
        work = Path(tmp)
        with networks.parse_network_choice(
            "ethereum:local:foundry", provider_settings={"host": node.url}
        ):
            issuance = issue_10k(work)
        validation = validate_100k(work)

    table = Table(title=f"Issue {CREDENTIALS:,} credentials from a CSV on anvil")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("wall time", f"{issuance['wall_seconds']} s")
    table.add_row(
        "transactions", f"{issuance['transactions']} (batches of {issuance['batch_size']})"
    )
    table.add_row("gas per credential", f"{issuance['gas_per_credential']:,}")
    table.add_row("credentials per second", f"{issuance['credentials_per_second']}")
    wall = issuance["wall_seconds"]
    for part, seconds in issuance["seconds"].items():
        table.add_row(f"  {part}", f"{seconds} s ({100 * seconds / wall:.0f}%)")
    table.add_row(
        f"validate {validation['rows']:,} rows (no chain)",
        f"{validation['seconds']} s ({validation['rows_per_second']:,} rows/s)",
    )
    console.print(table)
    console.print(TARGET_NOTE)

    document = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    document["issuance"] = {**issuance, "validation_100k": validation}
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    console.print(f"added to {RESULTS}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
