"""An issuance run interrupted at any point and started again with the same
command finishes with every credential issued exactly once.

Here the interruptions are RPC errors injected around the broadcast, in
process; tests/e2e kills real processes on anvil."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from credstack.cli import issue as issue_cli
from credstack.evidence import salted_hash
from credstack.registry import Registry
from tests.tooling.conftest import learner_rows, write_csv

SLUG = "sql-querying"
ROWS = 12
BATCH = 3


class RPCDown(ConnectionError):
    pass


@pytest.fixture
def cohort(tmp_path: Path) -> tuple[Path, list[list[Any]]]:
    rows = learner_rows(100, ROWS)
    return write_csv(tmp_path / "cohort.csv", rows), rows


def run(invoke: Any, path: Path) -> Any:
    return invoke(
        issue_cli.cli, "--class", SLUG, "--csv", path, "--account", "TEST::1",
        "--batch-size", str(BATCH), "--yes",
    )  # fmt: skip


def fail_on_batch(monkeypatch: pytest.MonkeyPatch, batch: int, after_broadcast: bool) -> None:
    """The provider raises on the given batch's send, before or after the
    node accepted the transaction."""
    from ape import chain

    provider = type(chain.provider)
    original = provider.send_transaction
    calls = {"n": 0}

    def send(self: Any, txn: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == batch:
            if after_broadcast:
                original(self, txn)
            raise RPCDown("connection reset by peer")
        return original(self, txn)

    monkeypatch.setattr(provider, "send_transaction", send)


def assert_exactly_once(contract: Any, class_id: int, rows: list[list[Any]], out: Path) -> None:
    events = list(Registry(contract).issued_events(class_id))
    holders = [e.holder for e in events]
    assert sorted(holders) == sorted(r[0] for r in rows)  # none missing, none twice
    assert [e.token_id for e in events] == list(range(1, ROWS + 1))  # no gaps
    [receipts] = (out / "issuance").rglob("*.receipts.json")
    records = {r["wallet"]: r for r in json.loads(receipts.read_text())}
    assert len(records) == ROWS
    for event in events:
        record = records[event.holder]
        assert record["token_id"] == event.token_id
        digest = bytes.fromhex(record["document_sha256"][2:])
        assert salted_hash(bytes.fromhex(record["salt"][2:]), digest) == event.evidence_hash


@pytest.mark.parametrize("after_broadcast", [False, True], ids=["before-broadcast", "after"])
@pytest.mark.parametrize("batch", [1, 3])
def test_rpc_error__rerun__every_credential_once(
    invoke: Any,
    deployed_registry: Any,
    deployed: Any,
    cohort: tuple[Path, list[list[Any]]],
    tooling_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    batch: int,
    after_broadcast: bool,
) -> None:
    path, rows = cohort
    class_id = deployed["classes"][SLUG].class_id
    with monkeypatch.context() as patch:
        fail_on_batch(patch, batch, after_broadcast)
        first = run(invoke, path)
    assert first.exit_code == 1
    assert first.output.splitlines()[-1] == (
        "error: interrupted (RPCDown: connection reset by peer); run the same command again "
        "to resume: nothing is issued twice"
    )
    landed = (batch - 1 + after_broadcast) * BATCH
    assert deployed_registry.total_issued() == landed

    second = run(invoke, path)
    assert second.exit_code == 0, second.output
    settled = [line for line in second.output.splitlines() if line.startswith("resumed: ")]
    [line] = settled
    if after_broadcast:
        assert line.endswith(f": mined before the interruption ({BATCH} credentials)")
    else:
        assert line.endswith(": never mined (dropped); its credentials are re-planned")
    assert f"already issued on chain: {landed} (skipped)" in second.output
    assert_exactly_once(deployed_registry, class_id, rows, tooling_env)


def test_journal_torn_last_line__ignored(
    invoke: Any,
    deployed_registry: Any,
    deployed: Any,
    cohort: tuple[Path, list[list[Any]]],
    tooling_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crash in the middle of writing a journal record leaves half a line;
    the next run drops it and carries on."""
    path, rows = cohort
    with monkeypatch.context() as patch:
        fail_on_batch(patch, 2, after_broadcast=False)
        assert run(invoke, path).exit_code == 1
    [journal] = (tooling_env / "issuance").rglob("*.journal.jsonl")
    with journal.open("a") as f:
        f.write('{"t":"sent","tx":"0xdead')
    assert run(invoke, path).exit_code == 0
    assert_exactly_once(deployed_registry, deployed["classes"][SLUG].class_id, rows, tooling_env)
    assert journal.read_text().endswith("\n")


def test_changed_row_before_resume__new_salt_for_it(
    invoke: Any,
    deployed_registry: Any,
    deployed: Any,
    tmp_path: Path,
    tooling_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row fixed between the interrupted run and the re-run is issued with
    its new score and a salt prepared for the new content."""
    rows = learner_rows(100, ROWS)
    path = write_csv(tmp_path / "cohort.csv", rows)
    with monkeypatch.context() as patch:
        fail_on_batch(patch, 1, after_broadcast=False)
        assert run(invoke, path).exit_code == 1
    rows[0][1] = "99"
    write_csv(path, rows)
    assert run(invoke, path).exit_code == 0
    class_id = deployed["classes"][SLUG].class_id
    assert_exactly_once(deployed_registry, class_id, rows, tooling_env)
    assert deployed_registry.credential(1).score == 9_900
