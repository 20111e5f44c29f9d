"""The pilot's report: the chain read back against the ledger, the run's
summary (a JSON document) and what is printed: the analytics' summary of
the chain beside the run's own figures."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from credstack.analytics import Analysis
from credstack.evidence import salted_hash
from credstack.pilot.ledger import Ledger
from credstack.pilot.scenario import pathway_parts
from credstack.pilot.world import World


def week_line(week: int, changes: tuple[int, ...]) -> str:
    issued, rejected, revoked, traded, renewed, claimed = changes
    return (
        f"week {week:2d}: issued {issued:3d}, rejected {rejected:2d}, revoked {revoked}, "
        f"passes traded {traded}, renewed {renewed}, pathway claims {claimed}"
    )


def summarise(
    world: World, ledger: Ledger, checks: dict[str, bool], analysis: Analysis
) -> dict[str, Any]:
    """The run's summary document: what the simulation did that the chain
    cannot say (validation refusals, transactions and gas by call), the
    read-back, the analytics' agreement and where their files are. What
    happened to the credentials, learners, pathway, market and governance
    is the analytics' (``analytics`` is metrics.json); the caller fills
    ``seconds``."""
    tally = ledger.tally
    return {
        "learners": world.config.learners,
        "weeks": world.config.weeks,
        "seed": world.config.seed,
        "registry": world.registry.address,
        "chain_id": world.deployment.chain_id,
        "validation": {
            slug: {
                "class_id": world.classes[slug].class_id,
                "attempts": tally.attempts[slug],
                "rejected_below_minimum": tally.rejected[slug],
                "already_held": tally.already[slug],
            }
            for slug in world.catalog.classes
        },
        "proposals": tally.proposals,
        "transactions": ledger.transaction_count,
        "gas_used": ledger.gas_used,
        "transactions_by_call": {
            what: {"transactions": n, "gas": ledger.gas[what]}
            for what, n in sorted(ledger.transactions.items(), key=lambda kv: -ledger.gas[kv[0]])
        },
        "employers": {
            "consents": tally.consents,
            "consents_revoked": tally.consents_revoked,
            "records": dict(tally.records),
            "refused_before_sending": dict(tally.records_refused),
        },
        "issuance_seconds": round(tally.issuance_seconds, 1),
        "seconds": 0.0,
        "checks": checks,
        "analytics": {
            "report": str(analysis.report_path),
            "metrics": str(analysis.metrics_path),
            "parquet": str(analysis.parquet_dir),
            "agrees_with_simulation": True,
        },
    }


def cross_check(world: World, ledger: Ledger, rng: random.Random) -> dict[str, bool]:
    """Read the chain back: it must agree with what the simulation did."""
    contract = world.registry.contract
    now = world.now()
    issued = sum(ledger.tally.issued.values())
    in_wallets = issued - len(ledger.revoked) - len(ledger.burned)
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
        if t not in ledger.revoked and t not in ledger.burned
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


def print_summary(summary: dict[str, Any], analysis: Analysis, console: Console, out: Path) -> None:
    """The analytics' summary of the chain, then the run's own figures."""
    metrics = analysis.metrics
    table = Table(
        title=f"Pilot: {summary['learners']} learners over {summary['weeks']} weeks, "
        "measured from the chain"
    )
    for column in (
        "class", "attempts", "rejected", "held", "issued", "revoked", "suspended*", "renewed",
        "valid now", "expired",
    ):  # fmt: skip
        table.add_column(column, justify="left" if column == "class" else "right")
    by_id = {int(c["class_id"]): c for c in metrics["issuance"]["by_class"]}
    for slug, tried in summary["validation"].items():
        c = by_id.get(tried["class_id"], {})
        table.add_row(
            slug,
            str(tried["attempts"]),
            str(tried["rejected_below_minimum"]),
            str(tried["already_held"]),
            *(str(c.get(k, 0)) for k in ("issued", "revoked", "suspended", "renewed")),
            str(c.get("valid_now", 0)),
            str(c.get("expired", 0)),
        )
    console.print(table)
    console.print(
        "attempts, rejected (score below the class minimum, refused by validation, never "
        "sent) and held (the wallet already had one, skipped) are the issuance engine's; "
        "the other columns are the analytics' from the chain\n"
        "* suspensions during the pilot; most were reinstated after review"
    )
    for line in analysis.summary_lines:
        console.print(line)
    for proposal in summary["proposals"]:
        console.print(
            f"  proposal {proposal['id']} ({proposal['calls']} calls): {proposal['description']}"
        )
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
    console.print(
        "the analytics agree with the simulation (issued, revoked and why, renewed, suspended, "
        "transfers, claims, forced revocations, learners, membership joins and renewals, perk "
        "redemptions, bookings, passes redeemed, employers' records by outcome, consents "
        "revoked, hires per completer, active learners per cohort and week)"
    )
    hired = summary["employers"]
    refused = sum(hired["refused_before_sending"].values())
    console.print(
        f"employers: {hired['consents']} completers consented, {hired['consents_revoked']} "
        f"revoked; {refused} record(s) refused by the tooling before sending (revoked consent, "
        "or its signer no longer holds the credential)"
    )
    console.print(f"report: {analysis.report_path}")
    console.print(
        f"metrics: {analysis.metrics_path}; Parquet: {analysis.parquet_dir}/; "
        f"summary: {out / 'summary.json'}; CSVs, journals and receipts under {out}/"
    )
