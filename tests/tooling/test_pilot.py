"""The pilot (`make demo`) on a small cohort: it runs end to end, the chain
read back agrees with the simulation, and so do the analytics it measures
itself with; a disagreement fails the run, naming the figure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from credstack.openbadges.verify import verify_document
from credstack.pilot import PilotConfig, run_pilot
from credstack.pilot.ledger import Ledger
from credstack.pilot.measure import compare, expected
from credstack.registry import Registry


def _files(directory: Path) -> Any:
    """URL -> document under the export directory (what `ape run serve` serves)."""

    def fetch(url: str) -> Any:
        path = directory / url.removeprefix("http://127.0.0.1:8000/ob/")
        return json.loads(path.read_text()) if path.is_file() else None

    return fetch


def test_pilot__small_cohort__measured_from_the_chain(tmp_path: Path) -> None:
    out = tmp_path / "pilot"
    console = Console(file=(tmp_path / "log.txt").open("w"), width=150)
    summary = run_pilot(PilotConfig(learners=20, weeks=14, seed=7, out=out), console)
    assert all(summary["checks"].values()), summary["checks"]
    assert summary["analytics"]["agrees_with_simulation"]
    assert json.loads((out / "summary.json").read_text()) == summary
    validation = summary["validation"]
    assert sum(c["rejected_below_minimum"] for c in validation.values()) > 0
    assert (out / "receipts.csv").exists()
    assert any((out / "csv").iterdir())
    # The analytics' files: the report names them.
    metrics = json.loads(Path(summary["analytics"]["metrics"]).read_text())
    report = Path(summary["analytics"]["report"])
    assert report.read_text().startswith("<!DOCTYPE html>")
    assert (Path(summary["analytics"]["parquet"]) / "credential_issued.parquet").exists()
    log = (tmp_path / "log.txt").read_text()
    assert "chain read back agrees with the simulation" in log
    assert f"report: {report}" in log
    assert metrics["issuance"]["totals"]["issued"] > 20
    assert metrics["retention"]["learners"] <= 20
    # It ran under governance: onboarding and the closed-pilot rules passed
    # the council, the guardian's pause was lifted by the council, a pass
    # was revoked by force and learners' credentials were recovered.
    descriptions = [p["description"] for p in summary["proposals"]]
    assert descriptions[0] == (
        "catalog: onboard issuers northwind, lumen; employers acme-retail, harbor-logistics, "
        "civic-health"
    )
    assert any(d.startswith("closed pilot: mentor-session-pass") for d in descriptions)
    assert any(d.startswith("unpause") for d in descriptions)
    gov = metrics["governance"]
    assert gov["forced_revocations"] == 1
    assert gov["executed"] == len(descriptions)
    assert gov["paused_hours"] >= 48
    # Employers: onboarded by that proposal, endorsing the pathway; the
    # records the analytics find are the ones the simulation made.
    employer = metrics["employer"]
    assert employer["employers"]["onboarded"] == 3 and "employer" not in metrics["absent"]
    pathway = [e for e in employer["endorsements"] if e["kind"] == "pathway"]
    assert [(e["task"], e["employers"]) for e in pathway] == [("15-2051.00", 3)]
    records = summary["employers"]["records"]
    got = {k: sum(v[k] for v in employer["verifications"]) for k in ("verified", "hired")}
    assert got == {k: records.get(k, 0) for k in ("verified", "hired")}
    assert records.get("verified", 0) > 0
    assert "employer records (with consent): " in log
    # Its last step: the completers' pathway credentials as Open Badges 3.0,
    # each passing all five checks against the pilot's chain, and the line
    # that serves them.
    exported = out / "openbadges" / "1337"
    assert f"--export-dir {exported}" in log.replace("\n", "")
    index = json.loads((exported / "index.json").read_text())
    registry = Registry.at(index["registry"])
    assert index["credentials"], "no completer in the small pilot"
    for token_id, path in index["credentials"].items():
        doc = json.loads((exported / path).read_text())
        verdict = verify_document(doc, registry=registry, status_list=_files(exported))
        assert verdict.ok, (token_id, verdict.to_json())


def _ledger() -> Ledger:
    """Two learners: 0 earns in pilot weeks 0 and 2 and renews in 4; 1 earns
    in week 2 only."""
    ledger = Ledger()
    ledger.active(0, 0, earned=True)
    ledger.active(0, 2, earned=True)
    ledger.active(1, 2, earned=True)
    ledger.active(0, 4, earned=False)
    ledger.tally.issued["a"] = 3
    return ledger


def test_expected__cohorts_in_analytics_weeks() -> None:
    # Pilot week w is analytics week w + 1; 6 analytics weeks (0..5).
    # Learner 0: cohort 1, active in weeks 1, 3, 5 -> offsets 0, 2, 4 of 5.
    # Learner 1: cohort 3, active in week 3 -> offset 0 of 3.
    want = expected(_ledger(), offset=1, weeks=6)
    assert want["active_by_cohort"] == {"1": [1, 0, 1, 0, 1], "3": [1, 0, 0]}
    assert want["learners"] == 2 and want["issued"] == 3


@pytest.mark.parametrize(
    ("field", "path", "value"),
    [
        ("issued: the simulation says 3, the analytics 4", ("issuance", "totals", "issued"), 4),
        (
            "active learners (simulation vs analytics): cohort 1 week +4: 1 vs 0, "
            "cohort 3 week +0: 1 vs None, cohort 3 week +1: 0 vs None, "
            "cohort 3 week +2: 0 vs None",
            ("retention", "cohorts"),
            [{"cohort": 1, "active": [1, 0, 1, 0, 0]}],
        ),
        (
            "perk_redemptions: the simulation says {}, the analytics {'mentor-hour': 1}",
            ("membership", "perks"),
            [{"name": "mentor-hour", "redemptions": 1}],
        ),
        (
            "bookings: the simulation says 0, the analytics 2",
            ("membership", "offers"),
            [{"booked": 2}],
        ),
    ],
)
def test_compare__names_each_difference(field: str, path: tuple[str, ...], value: object) -> None:
    metrics = {
        "window": {"weeks": 6},
        "issuance": {"totals": {"issued": 3, "revoked": 0, "renewed": 0, "suspended": 0},
                     "revoked_by_reason": {}},
        "market": None,
        "pathways": [],
        "governance": {"forced_revocations": 0},
        "membership": {"weekly": [], "tiers": [], "perks": [], "offers": [], "passes": {}},
        "retention": {"learners": 2, "cohorts": [{"cohort": 1, "active": [1, 0, 1, 0, 1]},
                                                 {"cohort": 3, "active": [1, 0, 0]}]},
    }  # fmt: skip
    assert compare(_ledger(), 1, metrics) == []
    node: dict[str, object] = metrics
    for key in path[:-1]:
        node = node[key]  # type: ignore[assignment]
    node[path[-1]] = value
    assert compare(_ledger(), 1, metrics) == [field]
