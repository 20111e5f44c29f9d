"""The pilot's report: the summary (a JSON document), the chain read back
against the ledger, and the printed tables."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from credstack.evidence import salted_hash
from credstack.pilot.ledger import Ledger
from credstack.pilot.scenario import CURRICULUM, pathway_parts
from credstack.pilot.world import PATHWAY, World


def week_line(week: int, changes: tuple[int, ...]) -> str:
    issued, rejected, revoked, traded, renewed, claimed = changes
    return (
        f"week {week:2d}: issued {issued:3d}, rejected {rejected:2d}, revoked {revoked}, "
        f"passes traded {traded}, renewed {renewed}, pathway claims {claimed}"
    )


def summarise(world: World, ledger: Ledger, rng: random.Random) -> dict[str, Any]:
    """The summary document (its ``seconds`` is the caller's to fill)."""
    tally = ledger.tally
    now = world.now()
    status: dict[str, Counter[str]] = {slug: Counter() for slug in world.catalog.classes}
    for token_id, (slug, _) in ledger.tokens.items():
        status[slug][ledger.status(token_id, now).name.lower()] += 1
    classes: dict[str, dict[str, Any]] = {}
    for slug in world.catalog.classes:
        classes[slug] = {
            "class_id": world.classes[slug].class_id,
            "attempts": tally.attempts[slug],
            "rejected_below_minimum": tally.rejected[slug],
            "already_held": tally.already[slug],
            "issued": tally.issued[slug],
            "revoked": tally.revoked[slug],
            "suspensions": tally.suspended[slug],
            "reinstated": tally.reinstated[slug],
            "renewed": tally.renewed[slug],
            "now": dict(status[slug]),
        }
    total_valid = sum(c["now"].get("active", 0) for c in classes.values())
    held = Counter(
        sum(
            1
            for slug in CURRICULUM
            if slug in learner.tokens and ledger.valid(learner.tokens[slug], now)
        )
        for learner in ledger.learners
    )
    weeks = world.config.weeks
    retention = {
        f"week {w}": sum(
            1
            for learner in ledger.learners
            if learner.start_week <= w and (learner.dropped_week or 10**9) > w
        )
        for w in (4, 13, weeks)
    }
    checks = cross_check(world, ledger, rng, status)
    spec = world.catalog.pathways[PATHWAY]
    parts_held = Counter(pathway_parts(world, ledger, learner)[0] for learner in ledger.learners)
    needed = sum(g.required for g in spec.groups)
    pathway = {
        "slug": PATHWAY,
        "pathway_id": world.pathway_id,
        "parts_required": needed,
        "funnel": {str(k): parts_held.get(k, 0) for k in range(needed + 1)},
        "claimed": sum(1 for learner in ledger.learners if learner.pathway_token),
        "claimed_by_learner": tally.claims_by_learner,
        "claimed_by_issuer_for_learner": tally.claims_for_learner,
    }
    return {
        "learners": world.config.learners,
        "weeks": weeks,
        "seed": world.config.seed,
        "registry": world.registry.address,
        "chain_id": world.deployment.chain_id,
        "classes": classes,
        "credentials_valid_now": total_valid,
        "modules_held_funnel": {str(k): held.get(k, 0) for k in range(len(CURRICULUM) + 1)},
        "active_learners": retention,
        "dropped_out": sum(1 for learner in ledger.learners if learner.dropped_week is not None),
        "pass_transfers": tally.transfers,
        "pathway": pathway,
        "governance": {
            "proposals": tally.proposals,
            "forced_revocations": tally.forced,
            "credentials_recovered": tally.recovered,
            "learners_recovered": sum(1 for learner in ledger.learners if learner.wallets > 1),
            "paused_hours": round(tally.paused_seconds / 3_600, 1),
            "threshold": int(world.governance.council.threshold()),
            "delay_hours": world.delay() // 3_600,
            "pass_issued_until": world.pass_until,
        },
        "revocation_reasons": dict(tally.reasons),
        "transactions": ledger.transaction_count,
        "gas_used": ledger.gas_used,
        "transactions_by_call": {
            what: {"transactions": n, "gas": ledger.gas[what]}
            for what, n in sorted(ledger.transactions.items(), key=lambda kv: -ledger.gas[kv[0]])
        },
        "issuance_seconds": round(tally.issuance_seconds, 1),
        "seconds": 0.0,
        "checks": checks,
    }


def cross_check(
    world: World, ledger: Ledger, rng: random.Random, status: dict[str, Counter[str]]
) -> dict[str, bool]:
    """Read the chain back: it must agree with what the simulation did."""
    contract = world.registry.contract
    now = world.now()
    issued = sum(ledger.tally.issued.values())
    revoked = sum(c.get("revoked", 0) for c in status.values())
    in_wallets = issued - revoked
    sample = rng.sample(ledger.receipts, min(20, len(ledger.receipts)))
    evidence_ok = all(
        salted_hash(bytes.fromhex(r["salt"][2:]), bytes.fromhex(r["document_sha256"][2:]))
        == bytes.fromhex(r["evidence_hash"][2:])
        for r in sample
    )
    # Every token's status and owner, read one by one, would cost a minute
    # on the embedded chain: a random sample of 60 is read instead.
    tokens = rng.sample(sorted(ledger.tokens), min(60, len(ledger.tokens)))
    statuses_ok = all(int(contract.status_of(t)) == ledger.status(t, now) for t in tokens)
    owners_ok = all(
        str(contract.ownerOf(t)) == ledger.learners[ledger.tokens[t][1]].address
        for t in tokens
        if t not in ledger.revoked
    )
    # The pathway: every claim on chain is one the simulation made, and
    # the contract's progress view agrees for a sample of learners.
    claims = world.pathways.claimed(world.pathway_id)
    expected = {
        (world.pathway_id, learner.claimant): learner.pathway_token
        for learner in ledger.learners
        if learner.pathway_token
    }
    # The contract keys a claim by wallet: after a key recovery the new
    # wallet shows none (the pilot does not claim again).
    sampled = rng.sample(ledger.learners, min(10, len(ledger.learners)))
    progress_ok = True
    for learner in sampled:
        held, parts = pathway_parts(world, ledger, learner, unused_only=True)
        view = world.pathways.progress(world.pathway_id, learner.address, parts)
        claimed_here = learner.pathway_token if learner.claimant == learner.address else 0
        progress_ok &= view.claimed_token == claimed_here
        progress_ok &= view.parts_held == held
    # The ledger heard every receipt: the chain's own count of this run's
    # transactions (every sender's nonce) must equal it.
    nonces = _nonces(world)
    return {
        "pathway_claims_match": claims == expected,
        "sampled_pathway_progress_matches": progress_ok,
        "total_issued_matches": int(contract.total_issued()) == issued,
        "total_supply_matches": int(contract.totalSupply()) == in_wallets,
        "revocations_match": set(world.registry.revoked_token_ids()) == ledger.revoked,
        "sampled_statuses_match": statuses_ok,
        "sampled_owners_match": owners_ok,
        "evidence_receipts_verify": evidence_ok,
        "transactions_counted_match_nonces": nonces == ledger.transaction_count,
    }


def _nonces(world: World) -> int:
    """Transactions the chain says the pilot's accounts sent since each was
    first seen (every one acts through ``World.sender``)."""
    from ape import chain

    return sum(int(chain.provider.get_nonce(a)) - n for a, n in world.nonces.items())


def print_summary(summary: dict[str, Any], console: Console, out: Path) -> None:
    table = Table(title=f"Pilot: {summary['learners']} learners over {summary['weeks']} weeks")
    for column in (
        "class", "attempts", "rejected", "held", "issued", "revoked", "suspended*", "renewed",
        "valid now", "expired now",
    ):  # fmt: skip
        table.add_column(column, justify="left" if column == "class" else "right")
    for slug, c in summary["classes"].items():
        table.add_row(
            slug,
            str(c["attempts"]),
            str(c["rejected_below_minimum"]),
            str(c["already_held"]),
            str(c["issued"]),
            str(c["revoked"]),
            str(c["suspensions"]),
            str(c["renewed"]),
            str(c["now"].get("active", 0)),
            str(c["now"].get("expired", 0)),
        )
    console.print(table)
    console.print(
        "rejected: score below the class minimum (refused by validation, never sent); "
        "held: the wallet already had one (skipped)\n"
        "* suspensions during the pilot; most were reinstated after review"
    )
    funnel = ", ".join(f"{k}: {v}" for k, v in summary["modules_held_funnel"].items())
    console.print(f"learners by valid modules held (of {len(CURRICULUM)}): {funnel}")
    active = ", ".join(f"{k}: {v}" for k, v in summary["active_learners"].items())
    console.print(f"active learners: {active}; dropped out: {summary['dropped_out']}")
    console.print(f"mentor-pass transfers: {summary['pass_transfers']}")
    pathway = summary["pathway"]
    funnel = ", ".join(f"{k}: {v}" for k, v in pathway["funnel"].items())
    console.print(
        f"pathway {pathway['slug']} (id {pathway['pathway_id']}): learners by required parts "
        f"held now (of {pathway['parts_required']}): {funnel}; claimed: {pathway['claimed']} "
        f"({pathway['claimed_by_learner']} by the learner, "
        f"{pathway['claimed_by_issuer_for_learner']} by the issuer for the learner)"
    )
    gov = summary["governance"]
    console.print(
        f"governance: {len(gov['proposals'])} council proposals passed "
        f"({gov['threshold']} approvals, then {gov['delay_hours']} h in the timelock); "
        f"forced revocations: {gov['forced_revocations']}; "
        f"{gov['credentials_recovered']} credentials of {gov['learners_recovered']} learners "
        "recovered to new wallets; "
        f"paused by the guardian for {gov['paused_hours']} h until the council unpaused"
    )
    for proposal in gov["proposals"]:
        console.print(
            f"  proposal {proposal['id']} ({proposal['calls']} calls): {proposal['description']}"
        )
    for reason, n in summary["revocation_reasons"].items():
        console.print(f"revoked ({n}): {reason}")
    console.print(
        f"{summary['transactions']} transactions, {summary['gas_used']:,} gas; "
        f"{summary['seconds']} s ({summary['issuance_seconds']} s in issuance)"
    )
    calls = ", ".join(
        f"{what} {c['transactions']} ({c['gas']:,} gas)"
        for what, c in summary["transactions_by_call"].items()
    )
    console.print(f"  by call: {calls}")
    checks = summary["checks"]
    verdict = "agrees" if all(checks.values()) else "DISAGREES"
    console.print(f"chain read back {verdict} with the simulation: {checks}")
    console.print(f"summary: {out / 'summary.json'}; CSVs, journals and receipts under {out}/")
