"""`ape run serve` as its own process on anvil, over the deployment the other
e2e tests share (it reads only: nothing here changes the chain)."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from typing import Any

import httpx

from tests.e2e.conftest import Cli


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve__process_on_anvil__pages_and_json_then_stops(deployed: Cli, anvil: Any) -> None:
    port = free_port()
    server = deployed.start("serve", "--port", port, "--cache-seconds", "0.5")
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "serve did not answer in 120 s"
                time.sleep(0.5)
        [deployment] = (deployed.out.parent / "deployments").glob("*.json")
        registry = json.loads(deployment.read_text())["registry"]
        assert health.json() == {"ok": True, "chain_id": 31337, "registry": registry}
        nobody = "0x" + "ab" * 20
        found = httpx.get(f"{base}/search", params={"q": nobody}, follow_redirects=True)
        assert found.status_code == 200 and "holds no credentials" in found.text
        assert httpx.get(f"{base}/token/999999").status_code == 404
        blocks = anvil.rpc("eth_blockNumber")
        assert httpx.get(f"{base}/api/holder/{nobody}").json()["credentials"] == []
        assert anvil.rpc("eth_blockNumber") == blocks  # read-only
    finally:
        os.killpg(server.pid, signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert f"open http://127.0.0.1:{port}/" in output and "stopped" in output
    assert "Traceback" not in output
