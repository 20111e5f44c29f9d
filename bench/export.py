"""Open Badges 3.0 export speed (`make bench`): `export_credentials_per_second`.

What is measured: building, signing (eddsa-rdfc-2022: JSON-LD expansion
with the refusal of dropped members, RDFC-1.0 canonicalization, Ed25519)
and writing (atomically) CREDENTIALS OpenBadgeCredentials into a fresh
directory, plus the issuer's two status lists and the index, on both
cores (Exporter.credentials with 2 forked workers; one worker is measured
too). What is not: reading the chain. The tokens are built in memory (the
example catalog's classes, one issuer, scores, dates and evidence hashes as
the chain gives them), so the figure is the signer's, not the node's; the
chain reads of `ape run export` are a `credential_words` call per 16
tokens and one event query per class.

Target (the issue gives none): >= 200 credentials/s. A cohort of 10,000
then signs in under a minute, and a nightly re-export of a 100,000-token
registry (status lists aside, which are two files per issuer) in under 10
minutes; signing is pure Python (pyld), so this is about what two cores
give.

Also printed: credentials per CPU-second (the process's and its workers'
CPU time), which the machine's other load does not change much: with two
cores free, the two-worker figure approaches twice it.

Figures go to bench/results.json: the key at the top level, details under
"export".
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from credstack import catalog  # noqa: E402
from credstack.openbadges import keys  # noqa: E402
from credstack.openbadges.credential import ClassDocument, Token  # noqa: E402
from credstack.openbadges.export import Exporter  # noqa: E402

RESULTS = Path(__file__).with_name("results.json")
CREDENTIALS = 10_000
SINGLE = 1_000  # credentials signed by one worker, for the per-core figure
TARGET = 200
ISSUER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def tokens(count: int) -> list[Token]:
    """``count`` tokens over the example catalog's classes, as the chain gives them."""
    cat = catalog.load(ROOT / "examples" / "catalog.yaml")
    docs = []
    for spec in cat.classes.values():
        data = catalog.canonical_bytes(cat.metadata(spec))
        docs.append(ClassDocument(catalog.content_uri(data), json.loads(data)))
    now = int(time.time())
    return [
        Token(
            chain_id=31337,
            registry=REGISTRY,
            token_id=i,
            holder="0x" + f"{i:040x}",
            issuer=ISSUER,
            klass=docs[i % len(docs)],
            score=7000 + i % 3000,
            issued_at=now - 86_400,
            expires_at=now + 365 * 86_400,
            evidence_hash=i.to_bytes(32, "big"),
        )
        for i in range(1, count + 1)
    ]


def cpu_seconds() -> float:
    """User and system CPU time of this process and its finished children."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def run(work: Path, key: keys.IssuerKey, batch: list[Token], workers: int) -> tuple[float, float]:
    """Wall and CPU seconds to sign and write ``batch`` (and the lists and
    index) into ``work``."""
    exporter = Exporter(
        out=work,
        chain_id=31337,
        registry=REGISTRY,
        base_url="http://127.0.0.1:8000",
        keys=lambda who: key,
    )
    started, cpu = time.perf_counter(), cpu_seconds()
    exporter.credentials(batch, workers=workers)
    exporter.status_lists(ISSUER, [t.token_id for t in batch[::50]], [])
    exporter.index()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    written = [p for p in exporter.report.written if "/credentials/" in p]
    assert len(written) == len(batch), len(written)
    return seconds, cpu


def main() -> int:
    console = Console(width=120)
    batch = tokens(CREDENTIALS)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # A real key file (scrypt n = 2**18), opened once as the export does.
        keys.create_key(ISSUER, "bench", work / "keys")
        started = time.perf_counter()
        key = keys.open_key(ISSUER, "bench", work / "keys")
        open_seconds = time.perf_counter() - started
        single, _ = run(work / "one", key, batch[:SINGLE], workers=1)
        both, cpu = run(work / "two", key, batch, workers=2)
        size = (work / "two" / "credentials" / "1.json").stat().st_size
    per_second = CREDENTIALS / both
    per_core = SINGLE / single
    table = Table(title="Open Badges export (no chain reads)")
    for column in ("measure", "value", "target", ""):
        table.add_column(column, justify="left" if column == "measure" else "right")
    table.add_row(
        f"export_credentials_per_second ({CREDENTIALS:,} signed and written, 2 workers, "
        f"{both:.1f} s)",
        f"{per_second:,.0f}",
        f">= {TARGET}",
        "[green]meets[/]" if per_second >= TARGET else "[red]misses[/]",
    )
    table.add_row(
        f"one worker ({SINGLE:,} credentials, {single:.1f} s)", f"{per_core:,.0f}", "-", ""
    )
    table.add_row(
        f"per CPU-second ({cpu:.1f} CPU s for the {CREDENTIALS:,}: the machine's load aside)",
        f"{CREDENTIALS / cpu:,.0f}",
        "-",
        "",
    )
    table.add_row("opening the issuer's key (scrypt)", f"{open_seconds:.2f} s", "-", "")
    load = os.getloadavg()[0]
    console.print(f"load average while measuring: {load:.1f} on {os.cpu_count()} cores")
    console.print(table)
    console.print(f"one credential: {size:,} bytes (one line of JSON)")

    document = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    document["export_credentials_per_second"] = round(per_second)
    document["export"] = {
        "credentials": CREDENTIALS,
        "workers": 2,
        "seconds": round(both, 2),
        "one_worker_per_second": round(per_core),
        "per_cpu_second": round(CREDENTIALS / cpu),
        "cpu_seconds": round(cpu, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "key_open_seconds": round(open_seconds, 2),
        "credential_bytes": size,
        "targets": {"export_credentials_per_second": TARGET},
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    console.print(f"added to {RESULTS}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
