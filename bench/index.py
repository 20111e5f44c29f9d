"""The event index on anvil (`make bench`): how fast a sync reads a chain
holding over 100,000 events, and how that compares with ape's own event
queries over the same range.

1. A plain anvil (credstack.anvil); a registry (its admin an account, as in
   bench/issuance.py) and one soulbound class; CREDENTIALS credentials
   issued with `issue_batch` (300 a transaction, sent as raw
   eth_sendTransaction from the unlocked issuer): three events each
   (Transfer, Locked, CredentialIssued).
2. `index_events_per_second`: Index.sync of the whole chain into a new
   DuckDB file (target >= 20,000 events/s), over HTTP JSON-RPC as a
   real node would be read.
3. `index_vs_ape_query_speedup`: ape's `Contract.EventName.query` for every
   event type of the registry over the first QUERY_BLOCKS blocks of the
   issuance (ape decodes each log on its own: the whole chain would take
   minutes), beside an index sync of the same blocks into another file;
   the ratio of the two times.

Figures go to bench/results.json: the two keys at the top level, details
under "index".
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project
from ape.logging import logger
from eth_abi.abi import encode
from eth_utils import keccak, to_checksum_address
from rich.console import Console
from rich.table import Table

from credstack.anvil import Anvil, plain_anvil
from credstack.deploy import deploy_registry
from credstack.deployments import Deployment
from credstack.index import HttpRpc, Index
from credstack.registry import ISSUER_ROLE, created_class_id

RESULTS = Path(__file__).with_name("results.json")
CREDENTIALS = 34_000  # three events each: 102,000 events
BATCH = 300
QUERY_BLOCKS = 12  # blocks of issuance ape reads (about 11,500 events)
EVENTS_PER_SECOND_TARGET = 20_000


def on_anvil(node: Anvil) -> Any:
    return networks.parse_network_choice(
        "ethereum:local:foundry", provider_settings={"host": node.url}
    )


def issue_batches(node: Anvil, registry: str, issuer: str, class_id: int, count: int) -> None:
    selector = keccak(text="issue_batch(uint256,address[],uint256[],bytes32[])")[:4]
    sent = []
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        holders = [
            to_checksum_address(keccak(text=f"credstack-index-bench-{i}")[:20])
            for i in range(start, start + size)
        ]
        scores = [7_000 + i % 3_000 for i in range(size)]
        hashes = [keccak(text=f"evidence {start + i}") for i in range(size)]
        data = selector + encode(
            ["uint256", "address[]", "uint256[]", "bytes32[]"], [class_id, holders, scores, hashes]
        )
        tx = {"from": issuer, "to": registry, "data": "0x" + data.hex(), "gas": hex(16_777_216)}
        sent.append(node.rpc("eth_sendTransaction", tx))
    for tx_hash in sent:
        receipt = node.rpc("eth_getTransactionReceipt", tx_hash)
        if receipt is None or receipt["status"] != "0x1":
            raise SystemExit(f"issue_batch {tx_hash} failed: {receipt}")


def setup(node: Anvil) -> tuple[Deployment, int]:
    """Registry, class, credentials; the deployment record and the last
    block before the issuance."""
    admin, issuer = accounts.test_accounts[0], accounts.test_accounts[1]
    registry = deploy_registry(project, admin)
    first = int(chain.blocks.height) - 1  # the renderer's block
    registry.grantRole(ISSUER_ROLE, issuer, sender=admin)
    receipt = registry.create_class(
        "Bench Class", "ipfs://bench", False, True, 730 * 86_400, 7_000, sender=issuer
    )
    class_id = created_class_id(registry, receipt)
    before = int(chain.blocks.height)
    issue_batches(node, registry.address, issuer.address, class_id, CREDENTIALS)
    deployment = Deployment(
        chain_id=int(chain.chain_id),
        network="ethereum:local:foundry",
        registry=registry.address,
        renderer=str(registry.renderer()),
        deployer=admin.address,
        block_number=first,
        block_hash="0x" + bytes(chain.blocks[first].hash).hex(),
    )
    return deployment, before


def ape_query(registry: Any, start: int, stop: int) -> tuple[float, int]:
    started = time.perf_counter()
    rows = 0
    for event in registry.contract_type.events:
        frame = getattr(registry, event.name).query("*", start_block=start, stop_block=stop)
        rows += len(frame)
    return time.perf_counter() - started, rows


def main() -> int:
    console = Console(width=120)
    logger.set_level("WARNING")
    with tempfile.TemporaryDirectory() as tmp, plain_anvil() as node, on_anvil(node):
        work = Path(tmp)
        started = time.perf_counter()
        deployment, before = setup(node)
        setup_seconds = time.perf_counter() - started
        with Index.open(deployment, work / "full.duckdb") as index:
            full = index.sync(HttpRpc(node.url), progress=False)
            counts = {
                t: int(index.connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # type: ignore[index]
                for t in index.tables()
            }
        assert full.events == sum(counts.values()) >= 100_000, counts

        stop = before + QUERY_BLOCKS
        with Index.open(deployment, work / "part.duckdb") as index:
            part = index.sync(HttpRpc(node.url), progress=False, to_block=stop)
        registry = project.CredentialRegistry.at(deployment.registry)
        ape_seconds, ape_rows = ape_query(registry, deployment.block_number, stop)
        assert ape_rows == part.events, (ape_rows, part.events)

    speedup = ape_seconds / part.seconds
    table = Table(title="Event index on anvil")
    for column in ("measure", "value", "target", ""):
        table.add_column(column, justify="left" if column == "measure" else "right")
    eps = full.events_per_second
    table.add_row(
        f"index_events_per_second ({full.events:,} events, {full.blocks:,} blocks, "
        f"{full.chunks} chunks, {full.seconds:.2f} s)",
        f"{eps:,.0f}",
        f">= {EVENTS_PER_SECOND_TARGET:,}",
        "[green]meets[/]" if eps >= EVENTS_PER_SECOND_TARGET else "[red]misses[/]",
    )
    table.add_row(
        f"index_vs_ape_query_speedup ({part.events:,} events: ape {ape_seconds:.2f} s, "
        f"index {part.seconds:.2f} s)",
        f"{speedup:,.1f}x",
        "-",
        "",
    )
    console.print(table)
    console.print(f"set-up (deploy, {CREDENTIALS:,} credentials): {setup_seconds:.1f} s")

    document = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    document["index_events_per_second"] = round(eps)
    document["index_vs_ape_query_speedup"] = round(speedup, 1)
    document["index"] = {
        "events": full.events,
        "blocks": full.blocks,
        "chunks": full.chunks,
        "seconds": round(full.seconds, 2),
        "rows_per_table": counts,
        "query_range_events": part.events,
        "ape_query_seconds": round(ape_seconds, 2),
        "index_range_seconds": round(part.seconds, 3),
        "targets": {"index_events_per_second": EVENTS_PER_SECOND_TARGET},
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    console.print(f"added to {RESULTS}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
