"""The pilot measures itself: the event index over its own (embedded) chain,
the same analytics as `ape run analytics`, and the simulation's records used
only to check what the analytics found.

Weeks: the analytics count weeks from the deployment's first event. Once
the world is built, ``align`` syncs the index, reads that origin and moves
the pilot's week 0 to the next analytics week boundary, so pilot week ``w``
is analytics week ``w + offset``. A window's acts (issuance, trades,
governance with its 48-hour delay, claims, renewals) take less than a week,
so each falls in its own pilot week on the chain's clock too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credstack.analytics import Analysis, Experiment, analyse
from credstack.analytics.metrics import window
from credstack.employers import OUTCOMES
from credstack.errors import CredstackError
from credstack.index import Index, for_provider
from credstack.pilot.ledger import Ledger
from credstack.pilot.world import WEEK, World


class AnalyticsMismatch(CredstackError):
    """The analytics of the pilot's chain disagree with its simulation."""

    def __init__(self, differences: list[str]) -> None:
        super().__init__(
            "the pilot's analytics disagree with its simulation: " + "; ".join(differences)
        )


@dataclass
class Measure:
    index: Index
    offset: int = 0  # pilot week w is analytics week w + offset

    @classmethod
    def open(cls, world: World, path: Path) -> Measure:
        return cls(Index.open(world.deployment, path=path))

    def sync(self) -> None:
        from ape import chain

        self.index.sync(for_provider(chain.provider))

    def align(self, world: World) -> None:
        """Sync, then start the pilot's week 0 on the analytics' next week
        boundary (the current one if the chain is on it)."""
        self.sync()
        origin = int(window(self.index.connection).origin.timestamp())
        head = world.head_time()
        self.offset = -(-(head - origin) // WEEK)  # ceiling division
        world.start = origin + self.offset * WEEK
        world.advance_to(world.start)

    def analyse(self, out: Path, experiment: Experiment | None = None) -> Analysis:
        self.sync()
        return analyse(self.index, out, experiment=experiment)

    def close(self) -> None:
        self.index.close()


def expected(ledger: Ledger, offset: int, weeks: int) -> dict[str, Any]:
    """What the analytics must say, from the simulation's own records:
    issued, revoked, market transfers, pathway claims, membership joins,
    renewals, perk redemptions by name, bookings, passes redeemed, employers'
    records by outcome, consents revoked, hires per completer and, per cohort (the
    analytics' week of a learner's first credential), the learners active in
    each week from the cohort's to the last (``weeks`` analytics weeks)."""
    tally = ledger.tally
    claims = sum(1 for learner in ledger.learners if learner.pathway_token)
    cohorts: dict[int, list[int]] = {}
    for learner, first in ledger.first_credential.items():
        cohort = first + offset
        active = cohorts.setdefault(cohort, [0] * (weeks - cohort))
        for week in ledger.activity[learner]:
            active[week + offset - cohort] += 1
    return {
        "issued": sum(tally.issued.values()),
        "revoked": len(ledger.revoked),
        "revoked_by_reason": dict(sorted(tally.reasons.items())),
        "renewed": sum(tally.renewed.values()),
        "suspended": sum(tally.suspended.values()),
        "market_transfers": tally.transfers,
        "pathway_claims": claims,
        "forced_revocations": tally.forced,
        "employer_records": {name: tally.records[name] for name in OUTCOMES},
        "consents_revoked": tally.consents_revoked,
        "hires_per_completer": tally.records["hired"] / claims if claims else None,
        "learners": len(ledger.first_credential),
        "membership_joins": tally.joined,
        "membership_renewals": tally.membership_renewals,
        "perk_redemptions": dict(sorted(tally.perks.items())),
        "bookings": tally.bookings,
        "passes_redeemed": tally.passes_redeemed,
        "active_by_cohort": {str(c): cohorts[c] for c in sorted(cohorts)},
    }


def measured(metrics: dict[str, Any]) -> dict[str, Any]:
    """The same figures, as the analytics found them on the chain."""
    totals = metrics["issuance"]["totals"]
    market = metrics["market"] or {}
    membership = metrics.get("membership") or {}
    employer = metrics.get("employer") or {}
    records = employer.get("verifications") or []
    return {
        "issued": totals["issued"],
        "revoked": totals["revoked"],
        "revoked_by_reason": dict(sorted(metrics["issuance"]["revoked_by_reason"].items())),
        "renewed": totals["renewed"],
        "suspended": totals["suspended"],
        "market_transfers": market.get("transfers", 0),
        "pathway_claims": sum(p["claims"] for p in metrics["pathways"]),
        "forced_revocations": metrics["governance"]["forced_revocations"],
        "employer_records": {name: sum(r[name] for r in records) for name in OUTCOMES},
        "consents_revoked": employer.get("consents_revoked", 0),
        "hires_per_completer": employer.get("hires_per_completer"),
        "learners": metrics["retention"]["learners"],
        "membership_joins": sum(w["joined"] for w in membership.get("weekly", [])),
        "membership_renewals": sum(t["renewals"] for t in membership.get("tiers", [])),
        "perk_redemptions": {
            p["name"]: p["redemptions"]
            for p in sorted(membership.get("perks", []), key=lambda p: p["name"])
            if p["redemptions"]
        },
        "bookings": sum(o["booked"] for o in membership.get("offers", [])),
        "passes_redeemed": membership.get("passes", {}).get("redeemed", 0),
        "active_by_cohort": {
            str(c["cohort"]): list(c["active"]) for c in metrics["retention"]["cohorts"]
        },
    }


def compare(ledger: Ledger, offset: int, metrics: dict[str, Any]) -> list[str]:
    """Each figure, simulation against analytics: the differences, one line
    each (none when they agree). Cohorts are compared week by week, and the
    first ten differing weeks are named."""
    want = expected(ledger, offset, int(metrics["window"]["weeks"]))
    got = measured(metrics)
    differences = [
        f"{name}: the simulation says {want[name]}, the analytics {got[name]}"
        for name in want
        if name != "active_by_cohort" and want[name] != got[name]
    ]
    cells = []
    cohorts_want, cohorts_got = want["active_by_cohort"], got["active_by_cohort"]
    for cohort in sorted(set(cohorts_want) | set(cohorts_got), key=int):
        a, b = cohorts_want.get(cohort, []), cohorts_got.get(cohort, [])
        for k in range(max(len(a), len(b))):
            x = a[k] if k < len(a) else None
            y = b[k] if k < len(b) else None
            if x != y:
                cells.append(f"cohort {cohort} week +{k}: {x} vs {y}")
    if cells:
        more = f" and {len(cells) - 10} more" if len(cells) > 10 else ""
        differences.append(
            "active learners (simulation vs analytics): " + ", ".join(cells[:10]) + more
        )
    return differences
