"""A metrics.json document of the spec's shape, built by hand, for the
report and summary tests (the real one comes from
credstack.analytics.metrics.compute)."""

from __future__ import annotations

from typing import Any

REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ISSUER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def weekly(count: int) -> list[dict[str, Any]]:
    return [
        {
            "week": w,
            "start": f"2025-{1 + (6 + 7 * w) // 31:02d}-{1 + (6 + 7 * w) % 28:02d}",
            "issued": 40 + 7 * w,
            "revoked": w % 3,
            "suspended": w % 2,
            "reinstated": 0,
            "renewed": 2 * (w % 4),
            "burned": 0,
            "expired": 1 if w > 8 else 0,
        }
        for w in range(count)
    ]


def sample_metrics(weeks: int = 14) -> dict[str, Any]:
    """Numbers chosen to be told apart in the page (1234, 4321, 777...)."""
    rows = weekly(weeks)
    totals = {k: sum(r[k] for r in rows) for k in rows[0] if k not in ("week", "start")}
    totals["valid_now"] = 1234
    cohorts = []
    for c in range(weeks):
        size = 30 + 5 * c
        active = [size] + [max(0, size - 4 * k - c) for k in range(1, weeks - c)]
        cohorts.append(
            {
                "cohort": c,
                "start": rows[c]["start"],
                "size": size,
                "active": active,
                "share": [a / size for a in active],
            }
        )
    return {
        "schema": "credstack.analytics/1",
        "generated_at": "2025-04-10T12:00:00Z",
        "chain_id": 31337,
        "registry": REGISTRY,
        "index": {
            "path": "out/index/31337-x.duckdb",
            "final_block": 900,
            "synced_block": 900,
            "events": 4321,
        },
        "window": {
            "origin": "2025-01-06T00:00:00Z",
            "end": "2025-04-10T09:30:00Z",
            "since": None,
            "weeks": weeks,
        },
        "churn_weeks": 6,
        "issuance": {
            "totals": totals,
            "revoked_by_reason": {"fraud": 3, "issued in error": 2, "plagiarism <b>": 1},
            "weekly": rows,
            "by_class": [
                {
                    "class_id": 1,
                    "name": "SQL Querying",
                    "issuer": ISSUER,
                    "transferable": False,
                    **{k: v for k, v in totals.items() if k != "valid_now"},
                    "valid_now": 1000,
                },
                {
                    "class_id": 7,
                    "name": "Event Pass",
                    "issuer": OTHER,
                    "transferable": True,
                    **{k: 0 for k in totals if k != "valid_now"},
                    "issued": 55,
                    "valid_now": 234,
                },
            ],
        },
        "retention": {
            "learners": 777,
            "cohorts": cohorts,
            "churn": {
                "weeks": 6,
                "churned": 321,
                "censored": 456,
                "survival": [
                    {"weeks": 1, "at_risk": 777, "churned": 100, "censored": 20, "survival": 0.871},
                    {"weeks": 3, "at_risk": 657, "churned": 150, "censored": 30, "survival": 0.672},
                    {"weeks": 6, "at_risk": 477, "churned": 71, "censored": 406, "survival": 0.572},
                ],
                "median_weeks": None,
            },
            "second_credential_days": {"learners": 222, "median": 12.5, "p25": 7.25, "p75": 20.75},
        },
        "pathways": [
            {
                "pathway_id": 1,
                "name": "Data Analyst",
                "issuer": ISSUER,
                "output_class": 4,
                "parts_required": 3,
                "started": 300,
                "funnel": {"0": 20, "1": 130, "2": 90, "3": 60},
                "claims": 45,
                "claim_rate": 0.15,
                "days_first_part_to_claim": {
                    "claims": 45,
                    "median": 33.5,
                    "p25": 21.0,
                    "p75": 49.0,
                },
                "cross_credit_claims": 9,
                "cross_credit_share": 0.2,
            },
        ],
        "market": {
            "classes": [7],
            "tokens": 55,
            "transfers": 38,
            "senders": 20,
            "receivers": 25,
            "tokens_traded": 22,
            "traded_share": 0.4,
            "transfers_per_traded_token": 1.7272,
            "median_holding_days": 9.5,
            "traded_then_used": 4,
            "weekly": [
                {"week": r["week"], "start": r["start"], "transfers": r["week"] % 5} for r in rows
            ],
        },
        "governance": {
            "proposals": 5,
            "approvals": 9,
            "scheduled": 4,
            "executed": 3,
            "cancelled": 1,
            "expired": 0,
            "hours_to_execution": {"proposals": 3, "median": 49.5, "min": 48.0, "max": 71.25},
            "pauses": [
                {
                    "paused_at": "2025-02-03T10:00:00Z",
                    "unpaused_at": "2025-02-03T16:30:00Z",
                    "hours": 6.5,
                },
                {"paused_at": "2025-04-09T09:30:00Z", "unpaused_at": None, "hours": 24.0},
            ],
            "paused_hours": 30.5,
            "forced_revocations": 2,
        },
        "employer": None,
        "membership": None,
        "absent": {
            "employer": "no employer contract in this deployment: uptake is not measured",
            "membership": "no membership contract in this deployment: not measured",
        },
        "notes": ["a note for the analyst"],
    }
