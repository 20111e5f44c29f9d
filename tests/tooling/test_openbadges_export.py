"""`ape run export` on the embedded chain: an issuer's key and binding,
credentials that pass all five checks against the registry, status lists
that follow revocation, resumed runs, and input refused before signing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from credstack import catalog
from credstack.cli import export as export_cli
from credstack.cli import issue as issue_cli
from credstack.openbadges import status
from credstack.openbadges.verify import verify_document
from credstack.registry import Registry
from tests.tooling.conftest import CATALOG, wallet, write_csv

NORTHWIND = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # TEST::1
LUMEN = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # TEST::2
BASE = "http://127.0.0.1:8000"


@pytest.fixture
def ob_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Path]:
    """Keys and the export under tmp; the passphrase from the environment;
    the class documents as `catalog apply` writes them."""
    monkeypatch.setenv("CREDSTACK_OB_KEYS", str(tmp_path / "keys"))
    monkeypatch.setenv("CREDSTACK_OB_PASSPHRASE", "pilot passphrase")
    metadata = tmp_path / "metadata"
    catalog.write_metadata(catalog.load(CATALOG), metadata)
    return {"keys": tmp_path / "keys", "out": tmp_path / "ob", "metadata": metadata}


@pytest.fixture
def issued(invoke: Any, deployed: Any, tmp_path: Path, tooling_env: Path, ob_env: Any) -> Any:
    """Three SQL credentials (Northwind's class) and Northwind's key."""
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(f"exam {i}")
    rows = [[wallet(i), "91.5", f"{i}.txt", f"S-{i}"] for i in range(3)]
    path = write_csv(tmp_path / "cohort.csv", rows)
    result = invoke(
        issue_cli.cli, "--class", "sql-querying", "--csv", path, "--account", "TEST::1", "--yes"
    )
    assert result.exit_code == 0, result.output
    result = invoke(export_cli.cli, "--new-key", "--issuer", NORTHWIND, "--out", ob_env["out"])
    assert result.exit_code == 0, result.output
    [receipts] = (tooling_env / "issuance").rglob("*.receipts.json")
    return receipts


def export(invoke: Any, ob_env: Any, *args: str) -> Any:
    return invoke(export_cli.cli, *args, "--out", ob_env["out"], "--metadata", ob_env["metadata"])


def fetcher(out: Path) -> Any:
    def fetch(url: str) -> Any:
        prefix = f"{BASE}/ob/"
        path = out / url[len(prefix) :]
        return json.loads(path.read_text()) if url.startswith(prefix) and path.is_file() else None

    return fetch


def test_new_key__encrypted_file_and_signed_binding(issued: Any, ob_env: Any) -> None:
    key_file = ob_env["keys"] / f"{NORTHWIND.lower()}.json"
    data = json.loads(key_file.read_text())
    assert data["crypto"]["kdf"] == "scrypt" and data["credstack"]["did"].startswith("did:key:")
    profile = json.loads((ob_env["out"] / f"issuers/{NORTHWIND.lower()}.json").read_text())
    assert profile["id"] == data["credstack"]["did"]
    assert profile["eip712KeyBinding"]["typedData"]["message"]["issuer"] == NORTHWIND


def test_export__token__passes_all_five_checks(
    invoke: Any, issued: Any, ob_env: Any, deployed_registry: Any
) -> None:
    result = export(invoke, ob_env, "--token", "1")
    assert result.exit_code == 0, result.output
    assert "1 credential(s) signed and written" in result.output
    doc = json.loads((ob_env["out"] / "credentials/1.json").read_text())
    assert doc["credentialSubject"]["id"] == f"did:pkh:eip155:1337:{wallet(0).lower()}"
    assert doc["credentialSubject"]["result"][0]["value"] == "91.5"
    verdict = verify_document(
        doc, registry=Registry(deployed_registry), status_list=fetcher(ob_env["out"])
    )
    assert verdict.ok, verdict.to_json()
    index = json.loads((ob_env["out"] / "index.json").read_text())
    assert index["credentials"] == {"1": "credentials/1.json"}
    assert index["status_lists"][NORTHWIND.lower()]["revocation"] == (
        f"status/{NORTHWIND.lower()}/revocation.json"
    )
    # Run again: nothing to sign (an interrupted run resumes the same way).
    again = export(invoke, ob_env, "--token", "1")
    assert "0 credential(s) signed and written, 1 already up to date" in again.output


def test_export__receipts_holder_and_class(invoke: Any, issued: Any, ob_env: Any) -> None:
    result = export(invoke, ob_env, "--receipts", str(issued), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tokens"] == [1, 2, 3]
    result = export(invoke, ob_env, "--holder", wallet(1), "--json")
    assert json.loads(result.output)["tokens"] == [2]
    result = export(invoke, ob_env, "--class", "sql-querying", "--json")
    report = json.loads(result.output)
    assert report["tokens"] == [1, 2, 3]
    # The receipts run wrote all three: nothing left to sign.
    assert not any("/credentials/" in p for p in report["written"])


def test_status_lists__follow_revocation_and_suspension(
    invoke: Any, issued: Any, ob_env: Any, deployed_registry: Any, accounts: Any
) -> None:
    assert export(invoke, ob_env, "--token", "2").exit_code == 0
    deployed_registry.revoke(2, "exam taken by someone else", sender=accounts[1])
    deployed_registry.suspend(3, sender=accounts[1])
    result = export(invoke, ob_env, "--status-lists")
    assert result.exit_code == 0, result.output
    lists = ob_env["out"] / "status" / NORTHWIND.lower()
    assert f"status list changed: {lists / 'revocation.json'}" in result.output
    assert f"status list changed: {lists / 'suspension.json'}" in result.output
    for purpose, expected in (("revocation", [2]), ("suspension", [3])):
        doc = json.loads((lists / f"{purpose}.json").read_text())
        assert status.set_indices(status.decode(doc["credentialSubject"]["encodedList"])) == (
            expected
        )
    # Lumen has no key: it is named, and has no lists.
    assert f"issuer {LUMEN.lower()}: no Open Badges key" in result.output
    assert not (ob_env["out"] / "status" / LUMEN.lower()).exists()
    assert "status lists: no change" in export(invoke, ob_env, "--status-lists").output
    doc = json.loads((ob_env["out"] / "credentials/2.json").read_text())
    verdict = verify_document(
        doc, registry=Registry(deployed_registry), status_list=fetcher(ob_env["out"])
    )
    checks = {c.name: c for c in verdict.checks}
    assert checks["proof"].ok and checks["issuer binding"].ok
    assert not checks["status"].ok and checks["status"].detail.startswith("revoked")
    assert checks["chain"].detail == "token 2 is revoked on chain: exam taken by someone else"
    # Reinstated: the suspension list changes back, the revocation list does not.
    deployed_registry.reinstate(3, sender=accounts[1])
    result = export(invoke, ob_env, "--status-lists")
    assert f"status list changed: {lists / 'suspension.json'}" in result.output
    assert f"status list changed: {lists / 'revocation.json'}" not in result.output
    doc = json.loads((lists / "suspension.json").read_text())
    assert status.set_indices(status.decode(doc["credentialSubject"]["encodedList"])) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--token", "1", "--holder", NORTHWIND), "give one of --token, --holder"),
        ((), "give one of --token"),
        (("--token", "1", "--base-url", "ftp://x"), "--base-url 'ftp://x'"),
        (("--holder", NORTHWIND.lower()), "--holder"),
        (("--receipts", "/nonexistent.json"), "--receipts /nonexistent.json: unreadable"),
        (("--token", "99"), "token 99: no such credential"),
        (("--class", "no-such-class"), "no-such-class"),
        (("--new-key",), "--new-key needs --issuer"),
        (("--issuer", NORTHWIND), "--issuer goes with --new-key"),
        (
            ("--token", "1", "--base-url", "http://localhost:9000", "--account", "TEST::2"),
            f"--account {LUMEN} is not the issuer {NORTHWIND.lower()}",
        ),
    ],
)
def test_export__bad_input_refused_in_one_line(
    invoke: Any, issued: Any, ob_env: Any, args: tuple[str, ...], message: str
) -> None:
    before = sorted(p.name for p in ob_env["out"].rglob("*"))
    result = export(invoke, ob_env, *args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert sorted(p.name for p in ob_env["out"].rglob("*")) == before


def test_export__class_document_not_matching_the_chain_refused(
    invoke: Any, issued: Any, ob_env: Any, tmp_path: Path
) -> None:
    changed = tmp_path / "changed"
    changed.mkdir()
    for path in ob_env["metadata"].glob("*.json"):
        doc = json.loads(path.read_text())
        doc["description"] += " (edited after apply)"
        (changed / path.name).write_bytes(catalog.canonical_bytes(doc))
    result = invoke(export_cli.cli, "--token", "1", "--out", ob_env["out"], "--metadata", changed)
    assert result.exit_code == 1
    assert "no class document" in result.output and "ipfs://b" in result.output
    assert not (ob_env["out"] / "credentials").exists()


def test_export__wrong_passphrase_refused_before_writing(
    invoke: Any, issued: Any, ob_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDSTACK_OB_PASSPHRASE", "not the passphrase")
    result = export(invoke, ob_env, "--token", "1")
    assert result.exit_code == 1 and "wrong passphrase" in result.output
    assert not (ob_env["out"] / "credentials").exists()


def test_new_key__non_issuer_refused(
    invoke: Any, deployed: Any, ob_env: Any, accounts: Any
) -> None:
    stranger = str(accounts[9].address)
    result = invoke(export_cli.cli, "--new-key", "--issuer", stranger)
    assert result.exit_code == 1 and "does not hold the issuer role" in result.output
    assert not ob_env["keys"].exists()


def test_export__burned_token_not_exported(
    invoke: Any, issued: Any, ob_env: Any, deployed: Any, deployed_registry: Any, accounts: Any
) -> None:
    """A holder who burned a credential asked for it not to be shown."""
    class_id = deployed["classes"]["sql-querying"].class_id
    holder = accounts[8]
    deployed_registry.issue(class_id, holder, 9000, b"\x01" * 32, sender=accounts[1])
    token_id = 4  # after the three the fixture issued
    assert deployed_registry.ownerOf(token_id) == holder
    deployed_registry.burn(token_id, sender=holder)
    result = export(invoke, ob_env, "--token", str(token_id))
    assert result.exit_code == 1
    assert f"token {token_id}: burned by its holder, so not exported" in result.output
    result = export(invoke, ob_env, "--class", "sql-querying", "--json")
    report = json.loads(result.output)
    assert report["tokens"] == [1, 2, 3, 4] and report["burned_not_exported"] == [token_id]
    assert not (ob_env["out"] / f"credentials/{token_id}.json").exists()
