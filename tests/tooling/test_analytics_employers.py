"""Employer uptake in the analytics (credstack.analytics.metrics.employer)
on hand-built event tables (tests.tooling.test_index_views.Ledger: the real
index schema, events inserted by hand); every expected value is worked out
by hand in the comments. Day 0 is 2024-01-01; the window ends on day 120."""

from __future__ import annotations

import json
from pathlib import Path

from credstack.analytics import metrics
from credstack.analytics.report import write_report
from tests.tooling.test_index_views import ISSUER, A, B, C, Ledger, addr, day

X, Y, Z = addr("employer-x"), addr("employer-y"), addr("employer-z")
JOB, SHEETS = "15-2051.00", "15-2051.01"


def endorse(ledger: Ledger, at: float, who: str, kind: int, target: int, task: str) -> None:
    ledger.emit(
        "endorsed", at, employer=who, kind=kind, target_id=target,
        task_hash="0x" + "00" * 32, task=task, note_uri="",
    )  # fmt: skip


def record(
    ledger: Ledger, at: float, who: str, token: int, holder: str, outcome: int, cls: int
) -> None:
    ledger.emit(
        "credential_verified", at, token_id=token, employer=who, holder=holder, outcome=outcome,
        class_id=cls, nonce=None,
    )  # fmt: skip


def uptake(tmp_path: Path) -> Ledger:
    ledger = Ledger(tmp_path / "employers.duckdb", employers=True)
    ledger.klass(1, name="Sheets")
    ledger.klass(2, name="SQL")
    ledger.klass(9, name="Analyst")
    ledger.emit(
        "pathway_created", 0.5, pathway_id=1, output_class=9, issuer=ISSUER, name="path",
        inherit_expiry=False, required=[1],
        options=[{"class_id": 1, "min_score": 0, "group": 0}],
    )  # fmt: skip
    for at, who, name in ((1, X, "X"), (1, Y, "Y"), (2, Z, "Z")):
        ledger.emit("employer_added", at, employer=who, name=name, url="")
    endorse(ledger, 2, X, 1, 1, JOB)
    endorse(ledger, 3, Y, 1, 1, JOB)
    endorse(ledger, 3, Z, 1, 1, JOB)  # Z is removed on day 20: not counted at the end
    endorse(ledger, 2, X, 0, 2, JOB)
    ledger.emit(
        "endorsement_withdrawn", 5, employer=X, kind=0, target_id=2,
        task_hash="0x" + "00" * 32, task=JOB,
    )  # fmt: skip
    endorse(ledger, 4, Y, 0, 1, SHEETS)
    ledger.emit("employer_removed", 20, employer=Z)
    ledger.issue(1, 1, A, at=5)
    ledger.issue(3, 2, C, at=3)  # C never claims
    ledger.emit("pathway_claimed", 10, pathway_id=1, holder=A, token_id=11, parts=[1])
    ledger.issue(11, 9, A, at=10)
    ledger.issue(2, 1, B, at=40)
    ledger.emit("pathway_claimed", 50, pathway_id=1, holder=B, token_id=12, parts=[2])
    ledger.issue(12, 9, B, at=50)
    record(ledger, 20, X, 11, A, 1, 9)  # 10 days after A's claim
    record(ledger, 45, X, 11, A, 2, 9)
    ledger.emit("consent_revoked", 46, holder=A, nonce=None)
    record(ledger, 60, Y, 11, A, 4, 9)  # A hired
    record(ledger, 30, Y, 3, C, 1, 2)
    record(ledger, 100, X, 12, B, 1, 9)  # 50 days after B's claim
    ledger.end(120)
    return ledger


def test_employer_uptake__by_hand(tmp_path: Path) -> None:
    ledger = uptake(tmp_path)
    got = metrics.employer(ledger.con, metrics.window(ledger.con))
    ledger.index.close()
    assert got == {
        # X, Y, Z added; Z removed; all three endorsed in the window.
        "employers": {"onboarded": 3, "removed": 1, "active": 3},
        # Standing at the end, by employers active then: class 1 by Y; pathway 1
        # by X and Y (Z removed); class 2 withdrawn by X.
        "endorsements": [
            {"kind": "class", "target": 1, "name": "Sheets", "task": SHEETS, "employers": 1},
            {"kind": "pathway", "target": 1, "name": "path", "task": JOB, "employers": 2},
        ],
        # Class 9 is pathway 1's credential: its records are the pathway's row
        # (tokens 11: verified, interviewed, hired; 12: verified); token 3 is class 2's.
        "verifications": [
            {"kind": "class", "target": 2, "name": "SQL", "verified": 1, "interviewed": 0,
             "hired": 0},
            {"kind": "pathway", "target": 1, "name": "path", "verified": 2, "interviewed": 1,
             "hired": 1},
        ],
        # Completers A (claim day 10, first record day 20) and B (claim day 50,
        # first record day 100, 50 days later). 4 weeks: both observed (the end
        # is 110 and 70 days after), A only -> 1/2; 8 weeks (56 days): both
        # -> 2/2; 12 weeks (84 days): B censored (70 < 84), A -> 1/1.
        "completers_verified_within": {
            "4": 0.5, "8": 1.0, "12": 1.0, "completers": 2,
            "observed": {"4": 2, "8": 2, "12": 1},
        },
        # First records: token 11 day 20 - 10 = 10; token 3 day 30 - 3 = 27;
        # token 12 day 100 - 50 = 50: median 27, p25 10 + 0.5 * 17 = 18.5,
        # p75 27 + 0.5 * 23 = 38.5.
        "days_to_first_verification": {"n": 3, "median": 27.0, "p25": 18.5, "p75": 38.5},
        "hires_per_completer": 0.5,  # A's hire over A and B
        "consents_revoked": 1,
    }  # fmt: skip


def test_employer_uptake__since_and_compute(tmp_path: Path) -> None:
    ledger = uptake(tmp_path)
    doc = metrics.compute(ledger.con, now=day(120))
    assert json.loads(json.dumps(doc)) == doc
    assert doc["employer"]["employers"]["onboarded"] == 3
    assert "employer" not in doc["absent"]
    # From day 25 on: no onboarding, no endorsement; X and Y recorded.
    w = metrics.window(ledger.con, since=day(25).date())
    later = metrics.employer(ledger.con, w)
    ledger.index.close()
    assert later is not None
    assert later["employers"] == {"onboarded": 0, "removed": 0, "active": 2}
    assert later["consents_revoked"] == 1
    # Standing endorsements are the state at the end, whatever `since` is.
    assert [e["employers"] for e in later["endorsements"]] == [1, 2]


def test_report__employer_section_and_figure(tmp_path: Path) -> None:
    ledger = uptake(tmp_path)
    doc = metrics.compute(ledger.con, now=day(120))
    ledger.index.close()
    page = write_report(doc, None, tmp_path / "report").read_text()
    assert 'id="employers"' in page
    assert "Employer uptake" in page
    assert "accepted by 2 employers for 15-2051.00" in page
    assert 'alt="Employer records by outcome, per class and pathway" src="data:image/png' in page
    assert 'id="absent"' in page  # the membership contract is not in this ledger
