"""The pilot (`make demo`) on a small cohort: it runs end to end, and the
chain read back agrees with the simulation."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from credstack.pilot import CURRICULUM, PilotConfig, run_pilot


def test_pilot__small_cohort__summary_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "pilot"
    console = Console(file=(tmp_path / "log.txt").open("w"), width=150)
    summary = run_pilot(PilotConfig(learners=20, weeks=14, seed=7, out=out), console)
    assert all(summary["checks"].values()), summary["checks"]
    assert json.loads((out / "summary.json").read_text()) == summary
    classes = summary["classes"]
    assert sum(c["issued"] for c in classes.values()) > 20
    assert sum(c["rejected_below_minimum"] for c in classes.values()) > 0
    assert sum(summary["modules_held_funnel"].values()) == 20
    assert set(summary["modules_held_funnel"]) == {str(k) for k in range(len(CURRICULUM) + 1)}
    assert (out / "receipts.csv").exists()
    assert any((out / "csv").iterdir())
    log = (tmp_path / "log.txt").read_text()
    assert "chain read back agrees with the simulation" in log
    # It ran under governance: onboarding and the closed-pilot rules passed
    # the council, the guardian's pause was lifted by the council, a pass
    # was revoked by force and learners' credentials were recovered.
    gov = summary["governance"]
    descriptions = [p["description"] for p in gov["proposals"]]
    assert descriptions[0] == "catalog: onboard issuers northwind, lumen"
    assert any(d.startswith("closed pilot: mentor-session-pass") for d in descriptions)
    assert any(d.startswith("unpause") for d in descriptions)
    assert gov["forced_revocations"] == 1
    assert gov["credentials_recovered"] >= gov["learners_recovered"] > 0
    assert gov["paused_hours"] >= 48
