"""`make anvil` / `make anvil-stop` (python -m credstack.anvil start|stop):
the PID written is the real anvil's, not npm's node wrapper's, so stopping
it leaves nothing listening."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from credstack.anvil import answers, anvil_binary, free_port, live_argv
from tests.e2e.conftest import ROOT


def anvil_cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credstack.anvil", *map(str, args)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_anvil_binary__is_the_binary_not_the_node_wrapper() -> None:
    binary = Path(anvil_binary())
    assert binary.name == "anvil" and binary.read_bytes()[:2] != b"#!"


def test_start_stop__real_pid__nothing_left_listening(tmp_path: Path) -> None:
    port, pid_file = free_port(), tmp_path / "anvil.pid"
    url = f"http://127.0.0.1:{port}"
    started = anvil_cli("start", "--port", port, "--pid-file", pid_file)
    try:
        assert started.returncode == 0, started.stderr
        assert f"at {url}, chain id 31337" in started.stdout
        pid = int(pid_file.read_text())
        argv = live_argv(pid)
        assert argv is not None and argv[0] == anvil_binary()  # the binary itself
        assert answers(url)

        again = anvil_cli("start", "--port", port, "--pid-file", pid_file)
        assert again.returncode == 0
        assert f"anvil is already running (pid {pid}) at {url}" in again.stdout
    finally:
        stopped = anvil_cli("stop", "--port", port, "--pid-file", pid_file)
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout == f"anvil (pid {pid}) stopped; nothing listens on port {port}\n"
    assert live_argv(pid) is None and not answers(url)
    assert not list(tmp_path.iterdir())  # pid file and log gone

    twice = anvil_cli("stop", "--port", port, "--pid-file", pid_file)
    assert twice.returncode == 0 and "no anvil started by `make anvil` is running" in twice.stdout


def test_start__port_taken__one_line_exit_1(tmp_path: Path) -> None:
    port = free_port()
    other = subprocess.Popen(
        [anvil_binary(), "--port", str(port), "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            if answers(url):
                break
            time.sleep(0.1)
        result = anvil_cli("start", "--port", port, "--pid-file", tmp_path / "anvil.pid")
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            f"error: a node already answers at {url}, not one `make anvil` started: stop it, "
            "or choose another port (ANVIL_PORT=8546)"
        ]
        assert not (tmp_path / "anvil.pid").exists()
    finally:
        other.terminate()
        other.wait(10)
