"""A plain local anvil: what the bench and the end-to-end tests run on, and
what separate commands share (through APE_FOUNDRY_HOST).

ape-foundry starts anvil with --steps-tracing, which keeps every opcode of
every transaction: with 16M-gas batches each block gets slower until anvil
runs out of memory after about twenty of them. A real node traces nothing,
so neither does this one.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credstack.errors import CredstackError


@dataclass
class Anvil:
    url: str
    process: subprocess.Popen[bytes]

    def rpc(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call; RuntimeError with the node's error."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
        request = urllib.request.Request(
            self.url, body.encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            reply = json.loads(response.read())
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def plain_anvil(block_time: float | None = None) -> Iterator[Anvil]:
    """An anvil on a free port (cancun, the default test mnemonic), stopped
    on exit. Found on PATH or in ./node_modules/.bin (`make setup`). With
    ``block_time`` it mines a block every that many seconds, as testnets and
    L2s do, instead of one per transaction."""
    binary = shutil.which("anvil") or shutil.which(
        "anvil", path=str(Path.cwd() / "node_modules" / ".bin")
    )
    if binary is None:
        raise CredstackError("anvil not found: `make setup` installs it (npm @foundry-rs/anvil)")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--hardfork", "cancun", "--silent"]
        + (["--block-time", f"{block_time:g}"] if block_time else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    node = Anvil(f"http://127.0.0.1:{port}", process)
    try:
        for _ in range(100):
            try:
                node.rpc("eth_chainId")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise CredstackError(f"anvil did not answer on {node.url}")
        yield node
    finally:
        process.terminate()
        process.wait(timeout=10)
