"""The storage layout is a reviewed artefact: a change must update the snapshot."""

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_storage_layout__matches_snapshot() -> None:
    vyper = shutil.which("vyper")
    assert vyper, "the pip vyper must be on PATH (the Makefile puts .venv/bin there)"
    out = subprocess.run(
        [vyper, "-f", "layout", "contracts/CredentialRegistry.vy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    snapshot = json.loads((ROOT / "contracts/layout/CredentialRegistry.json").read_text())
    assert json.loads(out) == snapshot, "storage layout changed: review it, then `make layout`"
