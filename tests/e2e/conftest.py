"""End-to-end: the commands as separate `ape run` processes sharing one anvil
chain (ape-foundry connects to the anvil at APE_FOUNDRY_HOST)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NETWORK = "ethereum:local:foundry"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Anvil:
    url: str
    process: subprocess.Popen[bytes]

    def rpc(self, method: str, *params: Any) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
        request = urllib.request.Request(
            self.url, body.encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            reply = json.loads(response.read())
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    binary = shutil.which("anvil", path=f"{ROOT / 'node_modules' / '.bin'}:{os.environ['PATH']}")
    if binary is None:
        pytest.fail("anvil not found: `make setup` installs it (npm @foundry-rs/anvil)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--hardfork", "cancun", "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    node = Anvil(f"http://127.0.0.1:{port}", process)
    for _ in range(100):
        try:
            node.rpc("eth_chainId")
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("anvil did not start")
    yield node
    process.terminate()
    process.wait(timeout=10)


@dataclass
class Cli:
    """Runs `ape run <script> ... --network ethereum:local:foundry` as a
    separate process, with its own deployments and output folders."""

    env: dict[str, str]
    out: Path

    def command(self, script: str, *args: Any) -> list[str]:
        ape = str(Path(sys.executable).with_name("ape"))
        return [ape, "run", script, *map(str, args), "--network", NETWORK]

    def run(self, script: str, *args: Any, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(script, *args),
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{script} {args} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self, script: str, *args: Any) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(script, *args),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


@pytest.fixture(scope="session")
def cli(anvil: Anvil, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    base = tmp_path_factory.mktemp("e2e")
    bin_dirs = f"{Path(sys.executable).parent}:{ROOT / 'node_modules' / '.bin'}"
    env = {
        **os.environ,
        "PATH": f"{bin_dirs}:{os.environ['PATH']}",
        "APE_FOUNDRY_HOST": anvil.url,
        "CREDSTACK_DEPLOYMENTS_DIR": str(base / "deployments"),
        "CREDSTACK_OUT_DIR": str(base / "out"),
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("CREDSTACK_ACCOUNT", None)
    return Cli(env, base / "out")


@pytest.fixture(scope="session")
def deployed(cli: Cli) -> Cli:
    """deploy, then the example catalog applied by the admin and both issuers:
    four processes, one chain."""
    cli.run("deploy", "--account", "TEST::0")
    for account in ("TEST::0", "TEST::1", "TEST::2"):
        cli.run("catalog", "apply", "--account", account, "--yes")
    return cli
