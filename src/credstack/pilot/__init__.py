"""The pilot (`ape run pilot`, `make demo`): a cohort over months, in one process.

On ape's embedded chain (or a local anvil): deploy under the catalog's council
and timelock, onboard the issuers through a council proposal, apply the
example catalog as each issuer, put the mentor-session pass under closed-pilot
rules (an allowlist of the cohort, a last issuance date), then walk a cohort
through the programme week by week with time travel. Every assessment window
writes a CSV per class and runs it through the same issuance engine as `ape run
issue`: attempts below a class's minimum are rejected by validation, not by the
chain. Issuers revoke a few credentials with reasons, suspend and reinstate
others, mentor-session passes change hands and expire, and some are renewed.
Governance acts too: the guardian pauses on a suspected key leak and the
council unpauses after its delay, the council revokes a pass obtained by
fraud, and issuers recover the credentials of learners who lost their keys to
new wallets. At the end the chain is read back and compared with the ledger,
and the pilot measures itself: the same analytics as `ape run analytics` over
its own chain (report.html, metrics.json, Parquet under out/pilot/analytics/)
give the printed summary, and the simulation's records only check them: any
difference fails the run, naming it.

- ``world``: the chain and its actors (deploy, onboard, apply the catalog).
- ``ledger``: the expected state, and the only place transactions and their
  gas are counted (every sender's listener).
- ``scenario``: the weeks, as functions of world, ledger, random source, week.
- ``measure``: the event index and the analytics over the pilot's chain,
  and the simulation's figures they must agree with.
- ``report``: the chain read back, the run's summary, what is printed.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from typing import Any

from rich.console import Console

from credstack.issuance import write_receipts
from credstack.pilot.learning import CURRICULUM
from credstack.pilot.ledger import Ledger
from credstack.pilot.measure import AnalyticsMismatch, Measure, compare
from credstack.pilot.report import cross_check, print_summary, summarise, week_line
from credstack.pilot.scenario import run_weeks
from credstack.pilot.world import PilotConfig, World

__all__ = ["CURRICULUM", "PilotConfig", "run_pilot"]


def run_pilot(config: PilotConfig, console: Console) -> dict[str, Any]:
    started = time.perf_counter()
    shutil.rmtree(config.out, ignore_errors=True)
    config.out.mkdir(parents=True)
    rng = random.Random(config.seed)
    ledger = Ledger()
    world = World(config, ledger, console)
    world.build(rng)
    measure = Measure.open(world, config.out / "index.duckdb")
    try:
        measure.align(world)
        console.print(
            f"registry {world.registry.address}; catalog applied: {len(world.classes)} classes, "
            f"{len(world.issuers)} issuers; {len(ledger.learners)} learners; "
            f"week 0 is week {measure.offset} of the analytics"
        )
        run_weeks(world, ledger, rng, lambda week, changes: console.print(week_line(week, changes)))
        write_receipts(ledger.receipts, config.out / "receipts")
        checks = cross_check(world, ledger, rng)
        analysis = measure.analyse(config.out / "analytics")
    finally:
        measure.close()
    differences = compare(ledger, measure.offset, analysis.metrics)
    summary = summarise(world, ledger, checks, analysis)
    summary["analytics"]["agrees_with_simulation"] = not differences
    summary["seconds"] = round(time.perf_counter() - started, 1)  # the read-back included
    (config.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print_summary(summary, analysis, console, config.out)
    if differences:
        raise AnalyticsMismatch(differences)
    return summary
