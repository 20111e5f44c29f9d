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

from eth_account import Account
from rich.console import Console

from credstack.issuance import write_receipts
from credstack.openbadges.pilot import export_completers
from credstack.pilot.experiment import (
    ARMS,
    EXPERIMENT_WEEK,
    Verdict,
    arms_file,
    assign,
    expected_effect,
    plan,
)
from credstack.pilot.learning import CURRICULUM
from credstack.pilot.ledger import Ledger
from credstack.pilot.measure import AnalyticsMismatch, Measure, compare
from credstack.pilot.report import cross_check, print_summary, summarise, week_line
from credstack.pilot.scenario import run_weeks
from credstack.pilot.world import PATHWAY, PilotConfig, World

__all__ = ["CURRICULUM", "PilotConfig", "run_pilot"]


def run_pilot(config: PilotConfig, console: Console) -> dict[str, Any]:
    started = time.perf_counter()
    shutil.rmtree(config.out, ignore_errors=True)
    config.out.mkdir(parents=True)
    rng = random.Random(config.seed)
    ledger = Ledger()
    world = World(config, ledger, console)
    world.build(rng)
    assign(ledger.learners, config.seed)
    measure = Measure.open(world, config.out / "index.duckdb")
    try:
        measure.align(world)
        console.print(
            f"registry {world.registry.address}; catalog applied: {len(world.classes)} classes, "
            f"{len(world.issuers)} issuers; {len(ledger.learners)} learners; "
            f"week 0 is week {measure.offset} of the analytics"
        )
        perks = sum(1 for learner in ledger.learners if learner.arm == ARMS[0])
        console.print(
            f"perks experiment: {perks} learners randomized to the perks arm, "
            f"{len(ledger.learners) - perks} to control (seed {config.seed}); membership offered "
            f"to the perks arm's completers from week {EXPERIMENT_WEEK}; assumption: a member "
            f"drops out at {config.perks_effect:g} times the others' rate"
        )
        run_weeks(world, ledger, rng, lambda week, changes: console.print(week_line(week, changes)))
        write_receipts(ledger.receipts, config.out / "receipts")
        checks = cross_check(world, ledger, rng)
        wallets = {
            learner.index: [
                Account.from_key(World.key(learner.index, w)).address
                for w in range(learner.wallets)
            ]
            for learner in ledger.learners
        }
        arms_file(ledger.learners, config.out / "arms.csv", wallets)
        modules = [world.classes[slug].class_id for slug in CURRICULUM]
        analysis = measure.analyse(
            config.out / "analytics",
            plan(ledger.learners, measure.offset, modules, wallets, config.weeks),
        )
    finally:
        measure.close()
    differences = compare(ledger, measure.offset, analysis.metrics)
    x = analysis.metrics["experiment"]
    verdict = None
    if x is not None and x["difference"]["ci95"] is not None:
        last_week = int(analysis.metrics["window"]["weeks"]) - 1 - measure.offset
        expected = expected_effect(
            world.catalog, PATHWAY, last_week, config.perks_effect, horizon=x["horizon_weeks"]
        )
        low, high = x["difference"]["ci95"]
        verdict = Verdict(x["difference"]["retained"], low, high, expected)
    summary = summarise(world, ledger, checks, analysis)
    summary["experiment"] = {
        "perks_effect": config.perks_effect,
        "arms_file": str(config.out / "arms.csv"),
        "joined": ledger.tally.joined,
        "membership_renewals": ledger.tally.membership_renewals,
        "perks_used": dict(ledger.tally.perks),
        "measured_difference": verdict.measured if verdict else None,
        "ci95": [verdict.low, verdict.high] if verdict else None,
        "expected_difference": verdict.expected.difference if verdict else None,
        "expected_retained": (
            {"perks": verdict.expected.perks, "control": verdict.expected.control}
            if verdict
            else None
        ),
        "interval_covers_expected": verdict.covers if verdict else None,
    }
    summary["analytics"]["agrees_with_simulation"] = not differences
    summary["seconds"] = round(time.perf_counter() - started, 1)  # the read-back included
    (config.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print_summary(summary, analysis, console, config.out)
    if verdict is not None:
        console.print(verdict.line(config.perks_effect))
    else:
        console.print(
            f"perks experiment: the pilot ended before week {EXPERIMENT_WEEK}, or no learner of "
            "an arm is in the index: nothing to compare"
        )
    # Open Badges 3.0: the completers' pathway credentials, and how to serve them.
    exported, count = export_completers(
        world,
        [learner.pathway_token for learner in ledger.learners if learner.pathway_token],
        config.out,
    )
    console.print(
        f"Open Badges 3.0: {count} pathway credentials and the status lists in {exported}; "
        f"serve them (the pilot on anvil): ape run serve --network ethereum:local:foundry "
        f"--export-dir {exported}"
    )
    if differences:
        raise AnalyticsMismatch(differences)
    return summary
