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

from credstack.analytics import metrics
from credstack.analytics.km import kaplan_meier
from tests.tooling.test_index_views import (
    A,
    A2,
    B,
    C,
    D,
    E,
    ISSUER,
    OTHER_ISSUER,
    Ledger,
    addr,
    day,
)


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
