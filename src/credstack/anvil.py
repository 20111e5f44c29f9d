"""A plain local anvil: what the bench and the end-to-end tests run on, and
what separate commands share (through APE_FOUNDRY_HOST).

ape-foundry starts anvil with --steps-tracing, which keeps every opcode of
every transaction: with 16M-gas batches each block gets slower until anvil
runs out of memory after about twenty of them. A real node traces nothing,
so neither does this one.

`node_modules/.bin/anvil` (npm's @foundry-rs/anvil) is a node script that
spawns the real binary from the platform package beside it; killing the
script's PID (SIGKILL, or a signal it does not forward) leaves the real anvil
listening. So this module runs the real binary itself, and its PID is the
node's PID.

``python -m credstack.anvil start|stop`` (``make anvil``, ``make anvil-stop``)
runs one in the background for a shell session and stops it again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from credstack.errors import CredstackError

ROOT = Path(__file__).resolve().parents[2]  # the checkout, for node_modules
ARGS = ("--hardfork", "cancun", "--silent")  # ape-config's evm_version; no tracing
PID_FILE = Path(".anvil.pid")
DEFAULT_PORT = 8545


def rpc(url: str, method: str, *params: Any, timeout: float = 10) -> Any:
    """One JSON-RPC call; RuntimeError with the node's error, OSError when
    nothing answers."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        reply = json.loads(response.read())
    if "error" in reply:
        raise RuntimeError(f"{method}: {reply['error']}")
    return reply["result"]


@dataclass
class Anvil:
    url: str
    process: subprocess.Popen[bytes]

    def rpc(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call; RuntimeError with the node's error."""
        return rpc(self.url, method, *params)


def _is_script(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == b"#!"


def anvil_binary() -> str:
    """The anvil executable itself. anvil on PATH (`make` puts
    node_modules/.bin first), then ./node_modules; where that is npm's node
    wrapper, the binary of the platform package installed beside it."""
    found = [shutil.which("anvil")]
    for base in (Path.cwd(), ROOT):
        found.append(shutil.which("anvil", path=str(base / "node_modules" / ".bin")))
    for candidate in filter(None, found):
        real = Path(candidate).resolve()
        if not _is_script(real):
            return str(real)
        # node_modules/@foundry-rs/anvil/bin.mjs -> @foundry-rs/anvil-<os>-<arch>/bin/anvil
        for binary in sorted(real.parent.parent.glob("anvil-*/bin/anvil")):
            if os.access(binary, os.X_OK):
                return str(binary)
    raise CredstackError("anvil not found: `make setup` installs it (npm @foundry-rs/anvil)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    try:
        rpc(url, "eth_chainId", timeout=2)
    except (OSError, RuntimeError, ValueError):
        return False
    return True


def _wait_until_answering(url: str, process: subprocess.Popen[bytes], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not answers(url):
        if process.poll() is not None:
            raise CredstackError(f"anvil exited with code {process.returncode} before answering")
        if time.monotonic() > deadline:
            raise CredstackError(f"anvil did not answer on {url} within {seconds:g} s")
        time.sleep(0.1)


@contextmanager
def plain_anvil(block_time: float | None = None) -> Iterator[Anvil]:
    """An anvil on a free port (cancun, the default test mnemonic), stopped
    on exit. Found on PATH or in ./node_modules (`make setup`). With
    ``block_time`` it mines a block every that many seconds, as testnets and
    L2s do, instead of one per transaction."""
    port = free_port()
    process = subprocess.Popen(
        [anvil_binary(), "--port", str(port), *ARGS]
        + (["--block-time", f"{block_time:g}"] if block_time else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    node = Anvil(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_answering(node.url, process)
        yield node
    finally:
        process.terminate()
        process.wait(timeout=10)


# A BACKGROUND NODE FOR A SHELL SESSION (`make anvil`, `make anvil-stop`) #


def live_argv(pid: int) -> list[str] | None:
    """The command line of a live process (a zombie is not live), or None."""
    proc = Path("/proc") / str(pid)
    if Path("/proc/self").exists():
        try:
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            return None
        return None if state in ("Z", "X") else [a.decode() for a in argv if a]
    ps = subprocess.run(
        ["ps", "-o", "stat=,command=", "-p", str(pid)], capture_output=True, text=True
    )
    fields = ps.stdout.split()
    return None if not fields or fields[0].startswith("Z") else fields[1:]


def _port_of(argv: list[str]) -> int:
    return int(argv[argv.index("--port") + 1]) if "--port" in argv[:-1] else DEFAULT_PORT


def _running(pid_file: Path) -> tuple[int, list[str]] | None:
    """The anvil that pid_file names, if it is still running; a stale file
    (no such process, or another program now has the PID) is removed."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    argv = live_argv(pid)
    if argv is None or Path(argv[0]).name != "anvil":
        pid_file.unlink(missing_ok=True)
        return None
    return pid, argv


def start(port: int, pid_file: Path = PID_FILE) -> str:
    """Start anvil in the background (its own session, so a Ctrl-C in the
    shell leaves it alone) and wait until it answers; its PID goes to
    pid_file, its output to the same name with .log."""
    if (running := _running(pid_file)) is not None:
        pid, argv = running
        url = f"http://127.0.0.1:{_port_of(argv)}"
        return f"anvil is already running (pid {pid}) at {url}; `make anvil-stop` stops it"
    url = f"http://127.0.0.1:{port}"
    if answers(url):
        raise CredstackError(
            f"a node already answers at {url}, not one `make anvil` started: stop it, "
            "or choose another port (ANVIL_PORT=8546)"
        )
    log = pid_file.with_suffix(".log")
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [anvil_binary(), "--port", str(port), *ARGS],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_answering(url, process)
    except CredstackError as err:
        process.kill()
        process.wait()
        said = " ".join(log.read_text(errors="replace").split())[-300:]
        raise CredstackError(f"{err}{': ' + said if said else ''}") from None
    pid_file.write_text(f"{process.pid}\n")
    process.returncode = 0  # it outlives us on purpose: no "still running" warning
    return (
        f"anvil (pid {process.pid}, in {pid_file}) at {url}, chain id "
        f"{int(rpc(url, 'eth_chainId'), 16)}; for ape: export APE_FOUNDRY_HOST={url}"
    )


def stop(pid_file: Path = PID_FILE, port: int | None = None) -> str:
    """Stop the anvil that pid_file names (SIGTERM, then SIGKILL after 10 s)
    and wait until its port is closed; remove the file and the log."""
    running = _running(pid_file)
    if running is None:
        pid_file.unlink(missing_ok=True)
        message = f"no anvil started by `make anvil` is running ({pid_file} names none)"
        if port is not None and answers(f"http://127.0.0.1:{port}"):
            message += f"; something else answers on port {port}, left alone"
        return message
    pid, argv = running
    port = _port_of(argv)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while live_argv(pid) is not None:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline += 10
        time.sleep(0.05)
    pid_file.unlink(missing_ok=True)
    pid_file.with_suffix(".log").unlink(missing_ok=True)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 5
    while answers(url):  # the socket closes with the process: a check
        if time.monotonic() > deadline:
            raise CredstackError(f"anvil (pid {pid}) stopped, but something answers at {url}")
        time.sleep(0.05)
    return f"anvil (pid {pid}) stopped; nothing listens on port {port}"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # as every credstack command: one line, exit 1
        self.exit(1, f"error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(
        prog="python -m credstack.anvil",
        description="A plain anvil in the background for a shell session.",
    )
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ANVIL_PORT", DEFAULT_PORT)))
    parser.add_argument("--pid-file", type=Path, default=PID_FILE)
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            print(start(args.port, args.pid_file))
        else:
            print(stop(args.pid_file, args.port))
    except CredstackError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
