"""`ape run serve`: the app it builds over the connected deployment (uvicorn's
server is replaced by a stand-in that records what it was given; the real
one runs in tests/e2e/test_serve_anvil.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from credstack.cli import serve as serve_cli


def test_serve__app_over_the_deployment_on_host_and_port(
    site: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn
    from starlette.testclient import TestClient

    ran: dict[str, Any] = {}

    def run(server: Any) -> None:
        config = server.config
        ran.update(app=config.app, host=config.host, port=config.port)

    monkeypatch.setattr(uvicorn.Server, "run", run)
    result = CliRunner().invoke(
        serve_cli.cli,
        [
            "--port",
            "8123",
            "--export-dir",
            str(site["export"]),
            "--cache-seconds",
            "0",
            "--metadata",
            str(site["metadata"]),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "open http://127.0.0.1:8123/" in result.output and "stopped" in result.output
    assert (ran["host"], ran["port"]) == ("127.0.0.1", 8123)
    with TestClient(ran["app"]) as client:
        record = client.get(f"/api/token/{site['revoked']}").json()
        exported = client.get(f"/ob/credentials/{site['valid']}.json")
    assert record["status"] == "revoked"
    assert record["achievement"]["criteria"]  # from --metadata
    assert record["verifications"] == []  # the deployment's employer registry is read
    assert exported.json()["id"].endswith(f"/ob/credentials/{site['valid']}.json")


def test_serve__bad_port__one_line_error() -> None:
    result = CliRunner().invoke(serve_cli.cli, ["--port", "70000"])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and len(result.output.strip().splitlines()) == 1
