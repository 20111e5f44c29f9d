"""Throughput and memory of bulk issuance on anvil (`make bench`).

Every run goes through the same engine as `ape run issue` (validation,
journal, gas-sized batches kept in flight, receipts) on a plain anvil
(credstack.anvil):

1. 10,000 credentials on an automining anvil, with the time split between
   the tool (validation, signing) and the node (estimating, mining, answering).
2. 10,000 credentials on an anvil that mines a block every 2 s, and one every
   12 s (as testnets and L2s do), each beside its floor: the blocks the
   credentials need at the block gas limit, times the block time. Target:
   within 1.3x of the floor.
3. 100,000 credentials in a process of their own, whose peak memory (max
   RSS) is the figure: target 400 MB, with the throughput beside it.
4. The validation alone of a 100,000-row CSV.

Figures go to bench/results.json: the keys named in the table at the top
level, the details under "issuance".
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project
from eth_utils import keccak, to_checksum_address
from rich.console import Console
from rich.table import Table

from credstack.anvil import Anvil, plain_anvil
from credstack.deploy import deploy_registry
from credstack.issuance import Issuance, validate, write_receipts
from credstack.journal import Journal
from credstack.registry import ISSUER_ROLE, ClassInfo, Registry, created_class_id

RESULTS = Path(__file__).with_name("results.json")
CREDENTIALS = 10_000
LARGE = 100_000
VALIDATION_ROWS = 100_000
BLOCK_TIMES = (2, 12)
FLOOR_FACTOR = 1.3  # target: within 1.3x of the floor
RSS_TARGET_MB = 400


def write_cohort(path: Path, count: int, offset: int = 0) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["wallet", "score", "evidence", "external_id"])
        for i in range(offset, offset + count):
            wallet = to_checksum_address(keccak(text=f"credstack-bench-learner-{i}")[:20])
            digest = hashlib.sha256(f"bench evidence {i}".encode()).hexdigest()
            writer.writerow([wallet, f"{70 + i % 30}.5", f"0x{digest}", f"B-{i:06d}"])


def new_class() -> tuple[Registry, ClassInfo, Any]:
    """A registry with one class on the connected chain, and its issuer."""
    admin, issuer = accounts.test_accounts[0], accounts.test_accounts[1]
    contract = deploy_registry(project, admin)
    contract.grantRole(ISSUER_ROLE, issuer, sender=admin)
    receipt = contract.create_class(
        "Bench Class", "ipfs://bench", False, True, 730 * 86_400, 7_000, sender=issuer
    )
    registry = Registry(contract, from_block=int(chain.blocks.height))
    return registry, registry.class_info(created_class_id(contract, receipt)), issuer


def issue(work: Path, count: int) -> dict[str, Any]:
    """Deploy, then issue ``count`` credentials from a CSV, as `ape run
    issue` does: validate, plan, execute, write receipts."""
    registry, klass, issuer = new_class()
    path = work / f"cohort-{count}.csv"
    write_cohort(path, count)
    started = time.perf_counter()
    rows, _ = validate(path, klass, skip_invalid=False)
    validation = time.perf_counter() - started
    issuance = Issuance(registry, klass, "bench", issuer, Journal(work / f"journal-{count}.jsonl"))
    plan = issuance.plan(rows)
    outcome = issuance.execute(plan)
    receipts_started = time.perf_counter()
    write_receipts(issuance.receipts(rows), work / f"receipts-{count}")
    receipts = time.perf_counter() - receipts_started
    wall = time.perf_counter() - started

    assert len(outcome.issued) == count
    assert int(registry.contract.total_issued()) == count
    blocks = blocks_of(outcome.transactions)
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
        "credentials": count,
        "wall_seconds": round(wall, 2),
        "transactions": len(outcome.transactions),
        "batch_size": plan.batch_size,
        "batches_per_block": plan.batches_per_block,
        "blocks_used": len(blocks),
        "block_gas_limit": int(chain.blocks.head.gas_limit),
        "gas_per_credential": round(outcome.gas_used / count),
        "gas_total": outcome.gas_used,
        "credentials_per_second": round(count / wall, 1),
        "seconds": {k: round(v, 2) for k, v in parts.items()},
    }


def blocks_of(transactions: list[str]) -> set[int]:
    """The blocks the transactions were mined in (raw JSON-RPC: quick)."""
    web3 = chain.provider.web3
    return {
        int(
            web3.provider.make_request("eth_getTransactionReceipt", [tx])["result"]["blockNumber"],
            16,
        )
        for tx in transactions
    }


def on_anvil(node: Anvil) -> Any:
    return networks.parse_network_choice(
        "ethereum:local:foundry", provider_settings={"host": node.url}
    )


def issue_with_block_time(work: Path, block_time: int) -> dict[str, Any]:
    """10,000 credentials on an anvil mining every ``block_time`` seconds
    (set up while automining, so only the issuance waits for blocks)."""
    with plain_anvil() as node, on_anvil(node):
        registry, klass, issuer = new_class()
        node.rpc("evm_setAutomine", False)
        node.rpc("evm_setIntervalMining", block_time)
        path = work / f"cohort-bt{block_time}.csv"
        write_cohort(path, CREDENTIALS, offset=1_000_000 * block_time)
        journal = Journal(work / f"journal-bt{block_time}.jsonl")
        started = time.perf_counter()
        rows, _ = validate(path, klass, skip_invalid=False)
        issuance = Issuance(registry, klass, "bench", issuer, journal)
        outcome = issuance.execute(issuance.plan(rows))
        seconds = time.perf_counter() - started
        assert len(outcome.issued) == CREDENTIALS
        block_limit = int(chain.blocks.head.gas_limit)
        blocks = blocks_of(outcome.transactions)
    floor_blocks = math.ceil(outcome.gas_used / block_limit)
    return {
        "seconds": round(seconds, 1),
        "floor_seconds": floor_blocks * block_time,
        "floor_blocks": floor_blocks,
        "blocks_used": len(blocks),
        "transactions": len(outcome.transactions),
    }


def child_large(url: str, work: str) -> None:
    """In a process of its own: 100,000 credentials; prints its figures and
    its own peak RSS as JSON."""
    node = Anvil(url, None)  # type: ignore[arg-type]
    with on_anvil(node):
        figures = issue(Path(work), LARGE)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({**figures, "peak_rss_mb": round(peak_kb / 1024)}))


def issue_large(work: Path) -> dict[str, Any]:
    with plain_anvil() as node:
        result = subprocess.run(
            [sys.executable, __file__, "--child-large", node.url, str(work)],
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise SystemExit(f"the 100,000-credential run failed:\n{result.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def validate_100k(work: Path) -> dict[str, Any]:
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
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with plain_anvil() as node, on_anvil(node):
            automine = issue(work, CREDENTIALS)
        interval = {bt: issue_with_block_time(work, bt) for bt in BLOCK_TIMES}
        large = issue_large(work)
        validation = validate_100k(work)

    table = Table(title=f"Issue {CREDENTIALS:,} credentials from a CSV on anvil (automine)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    wall = automine["wall_seconds"]
    table.add_row("wall time", f"{wall} s")
    table.add_row(
        "transactions",
        f"{automine['transactions']} (batches of {automine['batch_size']}, "
        f"{automine['batches_per_block']} a block)",
    )
    table.add_row("gas per credential", f"{automine['gas_per_credential']:,}")
    table.add_row("credentials per second", f"{automine['credentials_per_second']}")
    for part, seconds in automine["seconds"].items():
        table.add_row(f"  {part}", f"{seconds} s ({100 * seconds / wall:.0f}%)")
    table.add_row(
        f"validate {validation['rows']:,} rows (no chain)",
        f"{validation['seconds']} s ({validation['rows_per_second']:,} rows/s)",
    )
    console.print(table)

    keys: dict[str, Any] = {}
    targets = Table(title="Targets")
    for column in ("measure", "value", "floor / target", "ratio", ""):
        targets.add_column(column, justify="left" if column == "measure" else "right")
    for bt, figures in interval.items():
        key = f"issuance_10k_block_time_{bt}s"
        keys[f"{key}_seconds"] = figures["seconds"]
        keys[f"{key}_floor_seconds"] = figures["floor_seconds"]
        ratio = figures["seconds"] / figures["floor_seconds"]
        targets.add_row(
            f"{CREDENTIALS:,} credentials, {bt} s blocks ({figures['blocks_used']} blocks used, "
            f"floor {figures['floor_blocks']})",
            f"{figures['seconds']} s",
            f"{figures['floor_seconds']} s",
            f"{ratio:.2f}x",
            "[green]meets[/]" if ratio <= FLOOR_FACTOR else "[red]misses[/]",
        )
    keys["issuance_100k_peak_rss_mb"] = large["peak_rss_mb"]
    keys["issuance_100k_credentials_per_second"] = large["credentials_per_second"]
    keys["issuance_10k_automine_seconds"] = automine["wall_seconds"]
    targets.add_row(
        f"{LARGE:,} credentials: peak memory ({large['credentials_per_second']} credentials/s, "
        f"{large['wall_seconds']} s)",
        f"{large['peak_rss_mb']} MB",
        f"{RSS_TARGET_MB} MB",
        f"{large['peak_rss_mb'] / RSS_TARGET_MB:.2f}x",
        "[green]meets[/]" if large["peak_rss_mb"] <= RSS_TARGET_MB else "[red]misses[/]",
    )
    console.print(targets)
    console.print(
        f"targets: within {FLOOR_FACTOR}x of the floor (blocks the gas needs at the block gas "
        f"limit, times the block time); peak RSS of a {LARGE:,}-credential run <= "
        f"{RSS_TARGET_MB} MB"
    )

    document = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    document.update(keys)
    document["issuance"] = {
        **automine,
        "block_times": {str(bt): figures for bt, figures in interval.items()},
        "large": large,
        "validation_100k": validation,
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    console.print(f"added to {RESULTS}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    if len(sys.argv) == 4 and sys.argv[1] == "--child-large":
        child_large(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(main())
