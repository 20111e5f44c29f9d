"""credstack.analytics.metrics and .km on small hand-built event tables
(tests.tooling.test_index_views.Ledger: the real index schema, events
inserted by hand). Every expected value is worked out by hand in the
comments. Day 0 (2024-01-01 00:00 UTC, the deployment block) is the
origin unless ``since`` moves it: week n = days [7n, 7n + 7)."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from credstack.analytics import metrics, summary
from credstack.analytics.km import kaplan_meier
from credstack.analytics.report import write_report
from tests.tooling.test_index_views import (
    A2,
    ISSUER,
    OTHER_ISSUER,
    PATHWAYS,
    ZERO,
    A,
    B,
    C,
    D,
    E,
    Ledger,
    addr,
    day,
    unix,
)


def unix_day(d: float) -> int:
    return unix(d)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(tmp_path / "index.duckdb")
    yield ledger
    ledger.index.close()


def weeks_of(rows: list[dict[str, object]], key: str) -> list[object]:
    return [r[key] for r in rows]


def test_issuance_per_week_and_class(ledger: Ledger) -> None:
    ledger.klass(1)
    ledger.klass(2, transferable=True)
    ledger.issue(1, 1, A, at=1, expires=10)  # expires day 10: week 1
    ledger.issue(2, 1, B, at=2, expires=12)
    ledger.revoke(2, 1, B, at=8, reason="fraud")  # revoked (week 1) before it expired: no expiry
    ledger.issue(3, 1, C, at=3, expires=9)  # expires day 9 (week 1) ...
    ledger.revoke(3, 1, C, at=15, reason="typo")  # ... revoked later (week 2): both count
    ledger.issue(4, 2, A, at=8)
    ledger.simple("credential_suspended", 4, 2, A, at=9)
    ledger.simple("credential_reinstated", 4, 2, A, at=16)
    ledger.renew(4, 2, A, at=22, expires=40)
    ledger.issue(5, 2, B, at=15)
    ledger.burn(5, 2, B, at=29)
    ledger.issue(6, 1, D, at=23, expires=35)  # expires after the end: not expired
    ledger.issue(7, 1, E, at=16, expires=30)  # expires exactly at the end (day 30): expired
    ledger.end(30)  # W = 30 // 7 = 4: weeks 0..4
    w = metrics.window(ledger.con)
    assert (w.origin, w.end, w.since, w.weeks) == (day(0), day(30), None, 5)
    got = metrics.issuance(ledger.con, w)
    weekly = got["weekly"]
    assert weeks_of(weekly, "start") == [
        "2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29",
    ]  # fmt: skip
    # issued: days 1, 2, 3 | 8 | 15, 16 | 23 | -
    assert weeks_of(weekly, "issued") == [3, 1, 2, 1, 0]
    assert weeks_of(weekly, "revoked") == [0, 1, 1, 0, 0]  # days 8, 15
    assert weeks_of(weekly, "suspended") == [0, 1, 0, 0, 0]  # day 9
    assert weeks_of(weekly, "reinstated") == [0, 0, 1, 0, 0]  # day 16
    assert weeks_of(weekly, "renewed") == [0, 0, 0, 1, 0]  # day 22
    assert weeks_of(weekly, "burned") == [0, 0, 0, 0, 1]  # day 29
    assert weeks_of(weekly, "expired") == [0, 2, 0, 0, 1]  # tokens 1, 3 (days 10, 9); 7 (day 30)
    # valid now: 4 (renewed to day 40) and 6 (expires day 35); 1, 7 expired, 2, 3 revoked, 5 burned
    assert got["totals"] == {
        "issued": 7, "revoked": 2, "suspended": 1, "reinstated": 1, "renewed": 1, "burned": 1,
        "expired": 3, "valid_now": 2,
    }  # fmt: skip
    assert got["revoked_by_reason"] == {"fraud": 1, "typo": 1}
    assert got["by_class"] == [
        # class 1: tokens 1, 2, 3, 6, 7
        {"class_id": 1, "name": "class 1", "issuer": ISSUER, "transferable": False, "issued": 5,
         "revoked": 2, "suspended": 0, "reinstated": 0, "renewed": 0, "burned": 0, "expired": 3,
         "valid_now": 1},
        # class 2: tokens 4, 5
        {"class_id": 2, "name": "class 2", "issuer": ISSUER, "transferable": True, "issued": 2,
         "revoked": 0, "suspended": 1, "reinstated": 1, "renewed": 1, "burned": 1, "expired": 0,
         "valid_now": 1},
    ]  # fmt: skip


def test_retention_cohorts_churn_and_second_credential(ledger: Ledger) -> None:
    ledger.klass(1)
    ledger.issue(1, 1, A, at=1)  # A: cohort 0 (day 1), active week 0
    ledger.recover(1, 1, A, A2, at=8)  # moving wallets is not activity
    ledger.issue(2, 1, A2, at=15)  # A2 is A: one learner, still cohort 0; active week 2
    ledger.issue(3, 1, B, at=2)  # B: cohort 0, active week 0 ...
    ledger.renew(3, 1, B, at=36, expires=90)  # ... and week 5: a return after 4 idle weeks
    ledger.issue(4, 1, C, at=9)  # C: cohort 1, active weeks 1, 2 (a claim) and 9
    ledger.emit("pathway_claimed", 17, pathway_id=1, holder=C, token_id=99, parts=[4])
    ledger.issue(5, 1, C, at=66)
    ledger.issue(6, 1, D, at=60)  # D: cohort 8, then weeks 9 and 10 idle
    ledger.issue(7, 1, E, at=65)  # E: cohort 9, week 10 idle
    ledger.end(70)  # W = 70 // 7 = 10
    w = metrics.window(ledger.con)
    got = metrics.retention(ledger.con, w, churn_weeks=2)
    assert got["learners"] == 5  # A (with A2), B, C, D, E
    assert got["cohorts"] == [
        # cohort 0 {A, B}: w0 both, w2 A, w5 B; offsets 0..10
        {"cohort": 0, "start": "2024-01-01", "size": 2,
         "active": [2, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0],
         "share": [1.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0]},
        # cohort 1 {C}: weeks 1, 2, 9 -> offsets 0, 1, 8 of 0..9
        {"cohort": 1, "start": "2024-01-08", "size": 1,
         "active": [1, 1, 0, 0, 0, 0, 0, 0, 1, 0],
         "share": [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]},
        {"cohort": 8, "start": "2024-02-26", "size": 1, "active": [1, 0, 0],
         "share": [1.0, 0.0, 0.0]},
        {"cohort": 9, "start": "2024-03-04", "size": 1, "active": [1, 0], "share": [1.0, 0.0]},
    ]  # fmt: skip
    # Churn (N = 2), duration = last active week before the first idle run - cohort + 1:
    #   A: weeks 0, 2; idle 3..10 -> churned, 2 - 0 + 1 = 3 (the 1-week gap is no churn)
    #   B: weeks 0, 5; idle 1..4 -> churned at the FIRST gap, 0 - 0 + 1 = 1 (returning later)
    #   C: weeks 1, 2, 9; idle 3..8 -> churned, 2 - 1 + 1 = 2
    #   D: week 8; idle 9, 10 (2 weeks, within 0..W) -> churned, 8 - 8 + 1 = 1
    #   E: week 9; idle 10 only -> censored, W - 9 + 1 = 2
    # KM: t=1: n=5, d=2 -> S = 3/5 = 0.6; t=2: n=3, d=1, c=1 -> 0.6 * 2/3 = 0.4;
    #     t=3: n=1, d=1 -> 0. Median: first S <= 0.5 -> 2 weeks.
    churn = got["churn"]
    assert (churn["weeks"], churn["churned"], churn["censored"]) == (2, 4, 1)
    assert churn["survival"] == [
        {"weeks": 1, "at_risk": 5, "churned": 2, "censored": 0, "survival": pytest.approx(0.6)},
        {"weeks": 2, "at_risk": 3, "churned": 1, "censored": 1, "survival": pytest.approx(0.4)},
        {"weeks": 3, "at_risk": 1, "churned": 1, "censored": 0, "survival": 0.0},
    ]
    assert churn["median_weeks"] == 2
    # With the default N = 6: A (idle 3..10, eight weeks) and C (idle 3..8, six) churn;
    # B's longest idle run is 5 weeks (6..10), D's 2, E's 1: censored.
    default = metrics.retention(ledger.con, w)["churn"]
    assert (default["churned"], default["censored"]) == (2, 3)
    # Second credential: A days 1 -> 15 (14, across wallets), C days 9 -> 66 (57).
    # Quartiles by linear interpolation: 14 + 0.25 * 43 = 24.75, 14 + 0.75 * 43 = 46.25.
    assert got["second_credential_days"] == {
        "learners": 2, "median": 35.5, "p25": 24.75, "p75": 46.25,
    }  # fmt: skip


def test_kaplan_meier_by_hand_and_against_lifelines() -> None:
    # Hand case,
    # durations: [1, 2, 2, 2, 4, 5], observed: [1, 0, 1, 1, 0, 1]
    # t=1: n=6 d=1 -> 5/6 = 0.8333; t=2: n=5 d=2 c=1 -> 5/6 * 3/5 = 0.5;
    # t=4: n=2 d=0 c=1 -> 0.5; t=5: n=1 d=1 -> 0. Median: first S <= 0.5 -> 2.
    s = kaplan_meier([1, 2, 2, 2, 4, 5], [True, False, True, True, False, True])
    assert [(r["weeks"], r["at_risk"], r["churned"], r["censored"]) for r in s.table] == [
        (1, 6, 1, 0), (2, 5, 2, 1), (4, 2, 0, 1), (5, 1, 1, 0),
    ]  # fmt: skip
    assert [r["survival"] for r in s.table] == pytest.approx([5 / 6, 0.5, 0.5, 0.0])
    assert s.median == 2
    # Grouped counts give the same table as the expanded data.
    grouped = kaplan_meier([1, 2, 2, 4, 5], [True, False, True, False, True], [1, 1, 2, 1, 1])
    assert grouped == s
    # Never down to one half (S = 2/3 at 3, then only censoring): no median.
    assert kaplan_meier([3, 4, 5], [True, False, False]).median is None

    from lifelines import KaplanMeierFitter

    rng = random.Random(13)
    for _ in range(20):
        n = rng.randint(1, 300)
        durations = [rng.randint(1, 40) for _ in range(n)]
        observed = [rng.random() < 0.6 for _ in range(n)]
        ours = kaplan_meier(durations, observed)
        fitter = KaplanMeierFitter().fit(durations, observed)
        theirs = fitter.survival_function_["KM_estimate"]
        for row in ours.table:
            assert row["survival"] == pytest.approx(float(theirs.loc[row["weeks"]]), abs=1e-9)
        table = fitter.event_table
        for row in ours.table:
            assert row["at_risk"] == int(table.loc[row["weeks"], "at_risk"])
            assert row["churned"] == int(table.loc[row["weeks"], "observed"])
            assert row["censored"] == int(table.loc[row["weeks"], "censored"])
        median = fitter.median_survival_time_
        assert ours.median == (None if median == float("inf") else median)


def test_governance_forced_revocations_and_an_open_pause(ledger: Ledger) -> None:
    ledger.klass(1)
    ledger.issue(1, 1, A, at=0.5)
    ledger.issue(2, 1, B, at=0.5)
    ledger.issue(3, 1, C, at=0.5)

    def proposal(table: str, pid: int, at: float, **extra: object) -> None:
        ledger.emit(table, at, proposal_id=pid, **extra)

    op = "0x" + "ab" * 32
    proposal("proposal_created", 1, 1, proposer=A, operation_id=op, targets=[A], payloads=["0x"],
             description="one")  # fmt: skip
    proposal("proposal_approved", 1, 1, member=A, approvals=1)
    proposal("proposal_approved", 1, 1.5, member=B, approvals=2)
    proposal("proposal_scheduled", 1, 2, operation_id=op, ready_at=0, expires_at=unix_day(20))
    proposal("proposal_executed", 1, 4, operation_id=op)  # 3 days after creation: 72 h
    proposal("proposal_created", 2, 2, proposer=A, operation_id=op, targets=[A], payloads=["0x"],
             description="two")  # fmt: skip
    # scheduled, never run, expired on day 10 (<= end): expired
    proposal("proposal_scheduled", 2, 3, operation_id=op, ready_at=0, expires_at=unix_day(10))
    proposal("proposal_created", 3, 5, proposer=A, operation_id=op, targets=[A], payloads=["0x"],
             description="three")  # fmt: skip
    proposal("proposal_cancelled", 3, 6, operation_id=op, member=B)
    proposal("proposal_created", 4, 6, proposer=A, operation_id=op, targets=[A], payloads=["0x"],
             description="four")  # fmt: skip
    # scheduled, expires on day 40 (after the end): not expired
    proposal("proposal_scheduled", 4, 7, operation_id=op, ready_at=0, expires_at=unix_day(40))
    proposal("proposal_created", 5, 8, proposer=A, operation_id=op, targets=[A], payloads=["0x"],
             description="five")  # fmt: skip
    proposal("proposal_executed", 5, 9.5, operation_id=op)  # 1.5 days: 36 h
    ledger.emit("paused", 10, account=A)
    ledger.emit("unpaused", 11, account=B)  # 24 h
    ledger.revoke(1, 1, A, at=12, reason="fraud", forced=True)  # the timelock ran it
    ledger.revoke(2, 1, B, at=13, reason="fraud")  # the issuer's own
    ledger.revoke(3, 1, C, at=14, reason="fraud", forced=True)  # forced too
    ledger.emit("paused", 25, account=A)  # still open at the end: 5 days = 120 h
    ledger.end(30)
    got = metrics.governance(ledger.con, metrics.window(ledger.con))
    assert got == {
        "proposals": 5, "approvals": 2, "scheduled": 3, "executed": 2, "cancelled": 1,
        "expired": 1,
        # executed after 72 h and 36 h: median 54
        "hours_to_execution": {"proposals": 2, "median": 54.0, "min": 36.0, "max": 72.0},
        "pauses": [
            {"paused_at": "2024-01-11T00:00:00Z", "unpaused_at": "2024-01-12T00:00:00Z",
             "hours": 24.0},
            {"paused_at": "2024-01-26T00:00:00Z", "unpaused_at": None, "hours": 120.0},
        ],
        "paused_hours": 144.0,
        "forced_revocations": 2,  # tokens 1 and 3, not 2
    }  # fmt: skip


def test_pathway_funnel_claims_and_cross_credit(ledger: Ledger) -> None:
    ledger.klass(1)
    ledger.klass(2, issuer=OTHER_ISSUER)
    ledger.klass(3, transferable=True)
    ledger.klass(9)
    # Two groups, one part each: group 0 = class 1 (score >= 5000); group 1 = class 2 or 3.
    ledger.emit(
        "pathway_created", 0.5, pathway_id=1, output_class=9, issuer=ISSUER, name="path",
        inherit_expiry=False, required=[1, 1],
        options=[{"class_id": 1, "min_score": 5000, "group": 0},
                 {"class_id": 2, "min_score": 0, "group": 1},
                 {"class_id": 3, "min_score": 0, "group": 1}],
    )  # fmt: skip
    ledger.issue(1, 1, A, at=1, score=8000)
    ledger.issue(2, 2, A, at=2)  # another issuer's class: A's claim is cross-credit
    ledger.emit("pathway_claimed", 10, pathway_id=1, holder=A, token_id=11, parts=[1, 2])
    ledger.issue(11, 9, A, at=10)
    ledger.issue(3, 1, B, at=3, score=4000)  # under the option's min_score: no part
    ledger.issue(4, 3, B, at=4)
    ledger.transfer(4, B, addr("buyer"), at=7)  # ... sold: B holds no part now
    ledger.issue(5, 3, C, at=5)
    ledger.issue(6, 3, C, at=6)  # two of group 1 count once (min(required 1, 2)): 1 part
    ledger.issue(7, 1, D, at=2, score=9000)
    ledger.revoke(7, 1, D, at=8)  # D started, holds nothing now: 0 parts
    ledger.issue(9, 1, E, at=3, score=6000)
    ledger.issue(10, 3, E, at=4)
    ledger.emit("pathway_claimed", 17, pathway_id=1, holder=E, token_id=12, parts=[9, 10])
    ledger.issue(12, 9, E, at=17)
    ledger.end(30)
    got = metrics.pathways(ledger.con, metrics.window(ledger.con))
    assert got == [
        {
            "pathway_id": 1, "name": "path", "issuer": ISSUER, "output_class": 9,
            "parts_required": 2,  # 1 + 1
            "started": 5,  # A, B, C, D, E hold(held) a credential of class 1, 2 or 3
            # 0 parts: B (sold its class 3), D | 1: C | 2: A, E (parts count after a claim)
            "funnel": {"0": 2, "1": 1, "2": 2},
            "claims": 2,
            "claim_rate": 0.4,  # 2 / 5
            # A: day 10 - day 1 = 9; E: day 17 - day 3 = 14 -> median 11.5,
            # p25 = 9 + 0.25 * 5 = 10.25, p75 = 9 + 0.75 * 5 = 12.75
            "days_first_part_to_claim": {"claims": 2, "median": 11.5, "p25": 10.25, "p75": 12.75},
            "cross_credit_claims": 1,  # A's (class 2 is OTHER_ISSUER's); E's parts are ISSUER's
            "cross_credit_share": 0.5,
        }
    ]  # fmt: skip


def test_market_counts_only_sales_and_measures_holding(ledger: Ledger) -> None:
    ledger.klass(1)
    ledger.klass(2, transferable=True)
    ledger.issue(1, 2, A, at=1)  # mint: not a sale
    ledger.transfer(1, A, B, at=3)  # sale, held 3 - 1 = 2 days
    ledger.transfer(1, B, C, at=8)  # sale, held 8 - 3 = 5 days
    ledger.burn(1, 2, C, at=10)  # burn: not a sale; token 1 traded then used
    ledger.issue(2, 2, B, at=2)
    ledger.recover(2, 2, B, E, at=5)  # recovery: not a sale, but an ownership change
    ledger.transfer(2, E, D, at=9)  # sale, held 9 - 5 = 4 days (since the recovery)
    ledger.issue(3, 2, C, at=4)
    ledger.revoke(3, 2, C, at=6)  # revocation: not a sale
    ledger.issue(4, 2, D, at=4)  # never traded:
    ledger.transfer(4, D, PATHWAYS, at=11)  # sent to a deployment contract is not a sale
    ledger.issue(5, 1, A, at=1)  # not transferable: not counted
    ledger.recover(5, 1, A, A2, at=12)
    ledger.end(30)
    got = metrics.market(ledger.con, metrics.window(ledger.con))
    assert got == {
        "classes": [2],
        "tokens": 4,  # 1, 2, 3, 4
        "transfers": 3,  # A->B, B->C, E->D
        "senders": 3,  # A, B, E
        "receivers": 3,  # B, C, D
        "tokens_traded": 2,  # 1, 2
        "traded_share": 0.5,
        "transfers_per_traded_token": 1.5,  # (2 + 1) / 2
        "median_holding_days": 4.0,  # of 2, 5, 4
        "traded_then_used": 1,  # token 1, burned
        "weekly": [  # days 3 | 8, 9
            {"week": 0, "start": "2024-01-01", "transfers": 1},
            {"week": 1, "start": "2024-01-08", "transfers": 2},
            {"week": 2, "start": "2024-01-15", "transfers": 0},
            {"week": 3, "start": "2024-01-22", "transfers": 0},
            {"week": 4, "start": "2024-01-29", "transfers": 0},
        ],
    }


def test_since_drops_earlier_events(ledger: Ledger) -> None:
    ledger.klass(1)
    ledger.issue(1, 1, A, at=1)  # before since: ignored
    ledger.issue(2, 1, B, at=15)  # since = day 14 (2024-01-15): week 0
    ledger.revoke(1, 1, A, at=16)  # after since: a revocation, of a token issued before
    ledger.issue(3, 1, C, at=22)  # week 1
    ledger.end(30)  # W = (30 - 14) // 7 = 2
    doc = metrics.compute(ledger.con, since=dt.date(2024, 1, 15))
    assert doc["window"] == {
        "origin": "2024-01-15T00:00:00Z", "end": "2024-01-31T00:00:00Z", "since": "2024-01-15",
        "weeks": 3,
    }  # fmt: skip
    assert weeks_of(doc["issuance"]["weekly"], "issued") == [1, 1, 0]
    assert weeks_of(doc["issuance"]["weekly"], "revoked") == [1, 0, 0]
    assert doc["issuance"]["totals"]["valid_now"] == 2  # B's and C's; A's is not in the data
    assert doc["retention"]["learners"] == 2  # B (cohort 0), C (cohort 1): not A
    assert [(c["cohort"], c["size"]) for c in doc["retention"]["cohorts"]] == [(0, 1), (1, 1)]
    assert any("2024-01-15" in note for note in doc["notes"])


def test_compute_marks_the_absent_and_serialises(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "bare.duckdb", governance=False, pathways=False)
    ledger.klass(1)
    ledger.issue(1, 1, A, at=1)
    ledger.end(10)
    doc = metrics.compute(ledger.con, now=day(10))
    ledger.index.close()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["schema"] == "credstack.analytics/1"
    assert (doc["chain_id"], doc["registry"]) == (31337, ledger.deployment.registry)
    assert doc["index"]["path"] is None  # the caller's to fill
    assert doc["index"]["events"] == 3  # class_created, transfer (mint), credential_issued
    assert (doc["employer"], doc["membership"]) == (None, None)
    assert set(doc["absent"]) == {"employer", "membership"}
    assert doc["absent"]["employer"].startswith("no employer registry in this deployment")
    assert doc["market"] is None and doc["pathways"] == []
    assert doc["governance"]["proposals"] == 0
    assert doc["notes"] == [
        "no pathway registry in this deployment: no pathways",
        "no transferable class in this deployment: no secondary market",
        "no council in this deployment: proposals are not counted",
    ]
    assert list(doc) == [
        "schema", "generated_at", "chain_id", "registry", "index", "window", "churn_weeks",
        "issuance", "retention", "pathways", "market", "governance", "employer", "membership",
        "absent", "experiment", "notes",
    ]  # fmt: skip


def test_membership_tiers_perks_offers_and_passes(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "members.duckdb", membership=True)
    m = ledger.addresses["Membership"]
    provider = addr("provider")
    ledger.klass(1)
    ledger.klass(2, transferable=True)  # the pass
    ledger.emit(
        "tier_created", 0, tier_id=1, issuer=ISSUER, name="circle", period=90 * 86_400,
        required=[1], options=[{"class_id": 1, "min_score": 0, "group": 0}],
    )  # fmt: skip
    ledger.emit("perk_added", 0, tier_id=1, perk_id=1, name="mentor-hour", allowance=2)
    ledger.emit("perk_added", 0, tier_id=1, perk_id=2, name="seat", allowance=1)
    ledger.emit(
        "offer_created", 0, offer_id=1, tier_id=1, perk_id=0, pass_class=2, capacity=3,
        provider=provider,
    )  # fmt: skip
    ledger.emit(
        "offer_created", 0, offer_id=2, tier_id=1, perk_id=2, pass_class=0, capacity=2,
        provider=provider,
    )  # fmt: skip
    ledger.issue(1, 1, A, at=1)
    ledger.issue(2, 1, B, at=1)
    ledger.issue(3, 1, C, at=2)
    ledger.issue(4, 2, A, at=2)  # passes
    ledger.issue(5, 2, C, at=2)

    def joined(table: str, holder: str, at: float, expires: float, token: int) -> None:
        # A membership id (tier << 160 | holder) does not fit the index's
        # 128-bit integers: the index stores NULL, as here; (tier, holder)
        # names the membership.
        ledger.emit(
            table, at, membership_id=None, tier_id=1, holder=holder,
            expires_at=unix(expires), parts=[token],
        )  # fmt: skip

    joined("joined", A, 3, 93, 1)  # expires day 93: expired at the end (day 100)
    joined("joined", B, 3, 120, 2)  # unexpired at the end, but:
    ledger.revoke(2, 1, B, at=10)  # B's qualifying credential: no longer valid
    joined("joined", C, 5, 95, 3)
    joined("renewed", C, 86, 185, 3)  # renewed: valid now
    for perk, member, quantity, by, at in (
        (1, A, 2, provider, 4),  # a provider sends it, with A's signature
        (1, C, 1, C, 20),  # C directly
        (2, C, 1, provider, 21),
    ):
        ledger.emit(
            "perk_redeemed", at, membership_id=None, perk_id=perk, member=member, tier_id=1,
            quantity=quantity, provider=by, ref="0x" + "33" * 32, period=0,
        )  # fmt: skip
    ledger.emit(
        "offer_booked", 6, offer_id=2, membership_id=None, member=A, ref="0x" + "44" * 32,
        seats_left=1,
    )  # fmt: skip
    ledger.transfer(4, A, B, at=8)  # a sale
    for token, holder, at in ((4, B, 12), (5, C, 13)):  # redeemed at the membership contract
        tx = f"redeem-{token}"
        ledger.emit("transfer", at, tx, sender=holder, receiver=m, token_id=token)
        ledger.emit(
            "pass_redeemed", at, tx, offer_id=1, token_id=token, holder=holder, class_id=2,
            seats_left=2 if token == 4 else 1,
        )  # fmt: skip
        ledger.emit("transfer", at, tx, sender=m, receiver=ZERO, token_id=token)
        ledger.emit("credential_burned", at, tx, token_id=token, class_id=2, holder=m)
    ledger.end(100)  # W = 14
    w = metrics.window(ledger.con)
    got = metrics.membership(ledger.con, w)
    assert got is not None
    assert got["members"] == 3
    assert got["tiers"] == [
        {"tier_id": 1, "name": "circle", "issuer": ISSUER, "period_days": 90.0, "members": 3,
         "renewals": 1, "valid_now": 1},  # only C's: A's expired (93 <= 100), B's revoked
    ]  # fmt: skip
    assert got["perks"] == [
        {"perk_id": 1, "tier_id": 1, "name": "mentor-hour", "allowance": 2, "redemptions": 2,
         "quantity": 3, "members": 2, "by_provider": 1},
        {"perk_id": 2, "tier_id": 1, "name": "seat", "allowance": 1, "redemptions": 1,
         "quantity": 1, "members": 1, "by_provider": 1},
    ]  # fmt: skip
    assert got["offers"] == [
        {"offer_id": 1, "tier_id": 1, "perk_id": 0, "pass_class": 2, "capacity": 3, "booked": 0,
         "passes": 2, "fill_rate": 2 / 3},
        {"offer_id": 2, "tier_id": 1, "perk_id": 2, "pass_class": 0, "capacity": 2, "booked": 1,
         "passes": 0, "fill_rate": 0.5},
    ]  # fmt: skip
    # Token 4 was sold (A -> B) before B redeemed it; token 5 never changed hands.
    assert got["passes"] == {"redeemed": 2, "redeemed_after_transfer": 1}
    weekly = {row["week"]: (row["joined"], row["redemptions"]) for row in got["weekly"]}
    assert len(weekly) == 15
    # Joins on days 3, 3, 5 (week 0); redemptions on days 4 (week 0), 20 (2), 21 (3).
    assert {k: v for k, v in weekly.items() if v != (0, 0)} == {0: (3, 1), 2: (0, 1), 3: (0, 1)}
    # The sale counts in the market; sending a pass to the membership contract does not.
    sold = metrics.market(ledger.con, w)
    assert sold is not None and sold["transfers"] == 1 and sold["traded_then_used"] == 1
    doc = metrics.compute(ledger.con)
    assert doc["membership"] == got and set(doc["absent"]) == {"employer"}
    # Membership acts are activity: C (cohort 0, issued day 2) is active in weeks 0 (join),
    # 2 and 3 (perks), 12 (renewal on day 86).
    [cohort] = doc["retention"]["cohorts"]
    assert cohort["size"] == 3
    assert [k for k, n in enumerate(cohort["active"]) if n] == [0, 1, 2, 3, 12]
    # The report's section, with its figure; the summary's line.
    html = write_report(doc, ledger.con, tmp_path / "report.html").read_text()
    ledger.index.close()
    assert '<section id="membership">' in html and "<h2>Employer uptake</h2>" in html
    assert "Passes redeemed: 2, of which 1 had changed hands first." in html
    assert 'alt="Joins and perk redemptions per week"' in html
    assert (
        "membership: 3 learners joined; perks used: mentor-hour 3, seat 1; seats taken: "
        "offer 1 2 of 3, offer 2 1 of 2; passes redeemed 2 (1 after changing hands)"
    ) in summary(doc)
