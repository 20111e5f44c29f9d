"""Small parts: settings from the environment, scores, evidence hashes, the journal."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from eth_utils import keccak

from credstack import config
from credstack.errors import ConfigError
from credstack.evidence import file_digest, matches, parse_hex32, salted_hash
from credstack.journal import Journal, Prepared
from credstack.units import format_percent, parse_percent


def test_require__missing__names_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDSTACK_X", raising=False)
    with pytest.raises(ConfigError) as info:
        config.require("CREDSTACK_X", "a test")
    assert info.value.variable == "CREDSTACK_X"
    assert str(info.value) == (
        "missing variable CREDSTACK_X (a test): set it in .env, see .env.example"
    )


def test_load_env__file_fills_but_never_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("CREDSTACK_T1=from-file\nCREDSTACK_T2=from-file\n")
    monkeypatch.setenv("CREDSTACK_T2", "from-shell")
    monkeypatch.delenv("CREDSTACK_T1", raising=False)
    config.load_env(tmp_path / ".env")
    import os

    assert os.environ["CREDSTACK_T1"] == "from-file"
    assert os.environ["CREDSTACK_T2"] == "from-shell"
    monkeypatch.delenv("CREDSTACK_T1")


@pytest.mark.parametrize(
    ("choice", "variable"),
    [
        ("base:sepolia", "CREDSTACK_BASE_SEPOLIA_RPC"),
        ("optimism:sepolia:node", "CREDSTACK_OPTIMISM_SEPOLIA_RPC"),
        ("arbitrum:sepolia", "CREDSTACK_ARBITRUM_SEPOLIA_RPC"),
    ],
)
def test_check_network_env__l2_without_url__names_variable(
    choice: str, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "")
    with pytest.raises(ConfigError) as info:
        config.check_network_env(choice)
    assert info.value.variable == variable
    monkeypatch.setenv(variable, "https://rpc.example")
    config.check_network_env(choice)


def test_check_network_env__local_and_custom_uri__need_nothing() -> None:
    config.check_network_env(None)
    config.check_network_env("ethereum:local:foundry")
    config.check_network_env("base:sepolia:https://rpc.example")


@pytest.mark.parametrize(
    ("text", "bp"), [("0", 0), ("7", 700), ("87.5", 8_750), ("87.25", 8_725), ("100", 10_000)]
)
def test_percent__round_trip(text: str, bp: int) -> None:
    assert parse_percent(text) == bp
    assert format_percent(bp) == text


@pytest.mark.parametrize("text", ["100.01", "1e2", "", " ", "-0", "50.", ".5", "087"])
def test_percent__refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_percent(text)


def test_evidence__salted_hash_is_keccak_of_salt_and_sha256(tmp_path: Path) -> None:
    (tmp_path / "doc").write_bytes(b"transcript")
    salt = b"\x07" * 32
    digest = hashlib.sha256(b"transcript").digest()
    assert file_digest(tmp_path / "doc") == digest
    assert salted_hash(salt, digest) == keccak(salt + digest)
    assert matches(keccak(salt + digest), tmp_path / "doc", salt)
    assert not matches(keccak(salt + digest), tmp_path / "doc", b"\x08" * 32)
    assert parse_hex32("0x" + "ab" * 32) == b"\xab" * 32
    assert parse_hex32("0x" + "ab" * 31) is None


def test_journal__latest_prepared_wins_and_settled_tracked(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    first = Prepared("0xA", 2, 8_000, b"\x01" * 32, "A-1", b"\x02" * 32, b"\x03" * 32)
    journal.append([first])
    journal.append([{**first.record(), "salt": "04" * 32}])
    journal.append([{"t": "sent", "tx": "0x1", "nonce": 0}, {"t": "sent", "tx": "0x2", "nonce": 1}])
    journal.append([{"t": "mined", "tx": "0x1"}])
    state = journal.read()
    assert state.prepared["0xA"].salt == b"\x04" * 32
    assert state.prepared["0xA"].digest == first.digest
    assert [r["tx"] for r in state.unsettled] == ["0x2"]
