"""The index's views (credstack.index.views) on hand-built event tables:
``learners`` joins wallets through recoveries, ``credentials`` gives each
token's current state and history. ``Ledger`` (also used by
test_analytics_metrics.py) makes an index file through the real Index
schema (the project's compiled ABIs) and inserts events by hand, day by
day from 2024-01-01 00:00 UTC (a Monday)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak, to_checksum_address

from credstack.deployments import Deployment
from credstack.index import Index
from credstack.index.store import project_abis

T0 = datetime(2024, 1, 1)  # naive UTC, as DuckDB's TIMESTAMP
ZERO = "0x0000000000000000000000000000000000000000"
CONTRACTS = (
    "CredentialRegistry", "CredentialRenderer", "Council", "Timelock", "PathwayRegistry",
    "Membership", "EmployerRegistry",
)  # fmt: skip


def addr(name: str) -> str:
    """A checksummed address named for the test."""
    return to_checksum_address(keccak(text=f"views-{name}")[:20])


REGISTRY, RENDERER, COUNCIL, TIMELOCK, PATHWAYS, MEMBERSHIP, EMPLOYERS = (
    addr(c) for c in CONTRACTS
)
A, A2, A3, B, C, D, E, E2 = (addr(n) for n in ("A", "A2", "A3", "B", "C", "D", "E", "E2"))
ISSUER, OTHER_ISSUER = addr("issuer"), addr("other-issuer")


@functools.cache
def abis() -> dict[str, list[dict[str, Any]]]:
    return project_abis(list(CONTRACTS))


def day(d: float) -> datetime:
    return T0 + timedelta(days=d)


def unix(d: float) -> int:
    """The unix second of day ``d``."""
    return int(day(d).replace(tzinfo=UTC).timestamp())


class Ledger:
    """An index file with hand-written events. ``emit`` puts one event in a
    block at ``at`` (days after T0; in one block, events keep the order
    written); events given the same ``tx`` share a transaction and must
    share a time (one block). ``end(d)`` makes day
    ``d`` the last synced block."""

    def __init__(
        self,
        path: Path,
        governance: bool = True,
        pathways: bool = True,
        membership: bool = False,
        employers: bool = False,
    ) -> None:
        self.deployment = Deployment(
            chain_id=31337,
            network="ethereum:local:test",
            registry=REGISTRY,
            renderer=RENDERER,
            deployer=addr("deployer"),
            block_number=1,
            block_hash="0x" + "00" * 32,
            council=COUNCIL if governance else None,
            timelock=TIMELOCK if governance else None,
            pathways=PATHWAYS if pathways else None,
            membership=MEMBERSHIP if membership else None,
            employers=EMPLOYERS if employers else None,
        )
        self.index = Index.open(self.deployment, path, abis=abis())
        self.con = self.index.connection
        self.blocks: dict[datetime, int] = {day(0): 1}
        self.logs: dict[int, int] = {}
        self.owner = {
            str(t): str(cs[0])
            for t, cs in self.con.execute('SELECT "table", contracts FROM _events').fetchall()
        }
        self.addresses = {
            "CredentialRegistry": REGISTRY,
            "Council": COUNCIL,
            "Timelock": TIMELOCK,
            "PathwayRegistry": PATHWAYS,
            "CredentialRenderer": RENDERER,
            "Membership": MEMBERSHIP,
            "EmployerRegistry": EMPLOYERS,
        }
        self.end(0)

    def block(self, at: float) -> int:
        """The block at day ``at``: one a second, so numbers follow time and
        events may be written in any order."""
        when = day(at)
        number = int((when - T0).total_seconds()) + 1
        self.blocks[when] = number
        return number

    def emit(self, table: str, at: float, tx: str | None = None, **fields: Any) -> None:
        number = self.block(at)
        index = self.logs.get(number, 0)
        self.logs[number] = index + 1
        contract = self.owner[table]
        values = {
            "block_number": number,
            "block_time": day(at),
            "tx_hash": "0x" + keccak(text=tx or f"tx-{number}-{index}").hex(),
            "log_index": index,
            "address": self.addresses[contract],
            "contract": contract,
            **fields,
        }
        names = ", ".join(f'"{k}"' for k in values)
        marks = ", ".join("?" for _ in values)
        self.con.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(values.values()))

    def end(self, at: float) -> None:
        """Day ``at`` is the index's last synced block (and every block is in _blocks)."""
        last = self.block(at)
        self.con.execute("DELETE FROM _blocks")
        for when, number in self.blocks.items():
            self.con.execute(
                "INSERT INTO _blocks VALUES (?, ?, ?)", [number, f"0x{number:064x}", when]
            )
        self.con.execute("UPDATE _meta SET final_block = ?, synced_block = ?", [last, last])

    # The registry's events, as the contract emits them (Transfer beside each).

    def klass(
        self, class_id: int, at: float = 0, issuer: str = ISSUER, transferable: bool = False,
        name: str | None = None,
    ) -> None:  # fmt: skip
        self.emit(
            "class_created", at, class_id=class_id, issuer=issuer, name=name or f"class {class_id}",
            uri="ipfs://x", transferable=transferable, revocable=True, validity=0, min_score=0,
        )  # fmt: skip

    def issue(
        self, token: int, class_id: int, holder: str, at: float, score: int = 8_000,
        expires: float | None = None,
    ) -> None:  # fmt: skip
        tx = f"issue-{token}"
        self.emit("transfer", at, tx, sender=ZERO, receiver=holder, token_id=token)
        self.emit(
            "credential_issued", at, tx, token_id=token, class_id=class_id, holder=holder,
            score=score, expires_at=0 if expires is None else unix(expires),
            evidence_hash="0x" + "11" * 32,
        )  # fmt: skip

    def revoke(
        self, token: int, class_id: int, holder: str, at: float, reason: str = "fraud",
        forced: bool = False,
    ) -> None:  # fmt: skip
        tx = f"revoke-{token}"
        if forced:  # the timelock runs the call: its CallExecuted is in the same tx
            self.emit(
                "call_executed", at, tx, id="0x" + "22" * 32, index=0, target=REGISTRY, amount=0,
                payload="0x",
            )  # fmt: skip
        self.emit("transfer", at, tx, sender=holder, receiver=ZERO, token_id=token)
        self.emit(
            "credential_revoked", at, tx, token_id=token, class_id=class_id, holder=holder,
            reason=reason,
        )  # fmt: skip

    def burn(self, token: int, class_id: int, holder: str, at: float) -> None:
        tx = f"burn-{token}"
        self.emit("transfer", at, tx, sender=holder, receiver=ZERO, token_id=token)
        self.emit("credential_burned", at, tx, token_id=token, class_id=class_id, holder=holder)

    def simple(self, table: str, token: int, class_id: int, holder: str, at: float) -> None:
        self.emit(table, at, token_id=token, class_id=class_id, holder=holder)

    def renew(self, token: int, class_id: int, holder: str, at: float, expires: float) -> None:
        self.emit(
            "credential_renewed", at, token_id=token, class_id=class_id, holder=holder,
            expires_at=unix(expires),
        )  # fmt: skip

    def transfer(self, token: int, sender: str, receiver: str, at: float) -> None:
        self.emit("transfer", at, sender=sender, receiver=receiver, token_id=token)

    def recover(self, token: int, class_id: int, old: str, new: str, at: float) -> None:
        tx = f"recover-{token}-{at}"
        self.emit("transfer", at, tx, sender=old, receiver=new, token_id=token)
        self.emit(
            "credential_recovered", at, tx, token_id=token, old_holder=old, new_holder=new,
            class_id=class_id,
        )  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(tmp_path / "index.duckdb")
    yield ledger
    ledger.index.close()


def test_a_learner_who_moved_wallets_stays_one_learner(ledger: Ledger) -> None:
    ledger.klass(1)
    ledger.klass(2, transferable=True)
    ledger.issue(1, 1, A, at=0.5)
    ledger.issue(2, 1, B, at=1)
    ledger.issue(3, 1, C, at=2)
    ledger.issue(4, 1, E2, at=3)  # E2 is issued to before E
    ledger.issue(5, 1, E, at=4)
    ledger.issue(6, 2, B, at=4.5)
    ledger.transfer(6, B, D, at=5)  # D bought a pass: never issued to, not a learner
    ledger.recover(1, 1, A, A2, at=10)
    ledger.recover(1, 1, A2, A3, at=20)  # A -> A2 -> A3: transitively one learner
    ledger.issue(7, 1, A3, at=21)
    ledger.recover(5, 1, E, E2, at=22)  # joins E with E2, who appeared first
    ledger.end(30)
    found = ledger.con.execute(
        "SELECT wallet, learner, first_seen, wallets FROM learners ORDER BY first_seen"
    ).fetchall()
    assert found == [
        (A, A, day(0.5), 3),
        (B, B, day(1), 1),
        (C, C, day(2), 1),
        (E2, E2, day(3), 2),
        (E, E2, day(4), 2),
        (A2, A, day(10), 3),
        (A3, A, day(20), 3),  # first seen as a recovery's new holder, before its own issue
    ]
    # The credentials view carries the learner of the wallet issued to.
    learners = dict(
        ledger.con.execute("SELECT token_id, learner FROM credentials ORDER BY 1").fetchall()
    )
    assert learners == {1: A, 2: B, 3: C, 4: E2, 5: E2, 6: B, 7: A}


def test_credentials_give_state_now_and_history(ledger: Ledger) -> None:
    ledger.klass(1)
    ledger.klass(2, transferable=True)
    # 1: renewed past the end, recovered to A2: active, held by A2.
    ledger.issue(1, 1, A, at=0.5, expires=30)
    ledger.renew(1, 1, A, at=20, expires=100)
    ledger.recover(1, 1, A, A2, at=30)
    # 2: expires on day 10, before the end: expired.
    ledger.issue(2, 1, B, at=1, expires=10)
    # 3: expired on day 10 and revoked on day 20: revoked wins.
    ledger.issue(3, 1, B, at=1.5, expires=10)
    ledger.revoke(3, 1, B, at=20, reason="plagiarism")
    # 4: suspended, reinstated, suspended again: suspended, twice.
    ledger.issue(4, 1, C, at=2)
    ledger.simple("credential_suspended", 4, 1, C, at=5)
    ledger.simple("credential_reinstated", 4, 1, C, at=6)
    ledger.simple("credential_suspended", 4, 1, C, at=7)
    # 5: suspended then burned: burned wins, nobody holds it.
    ledger.issue(5, 1, C, at=2.5)
    ledger.simple("credential_suspended", 5, 1, C, at=8)
    ledger.burn(5, 1, C, at=9)
    # 6: a pass sold twice: two market transfers, held by E.
    ledger.issue(6, 2, A, at=3)
    ledger.transfer(6, A, D, at=4)
    ledger.transfer(6, D, E, at=4.5)
    # 7: expires exactly at the end: expired (valid only while now < expires_at).
    ledger.issue(7, 1, E, at=5, expires=50)
    ledger.end(50)
    cols = (
        "token_id, issued_to, learner, holder_now, issued_at, expires_at, revoked_at, "
        "revoke_reason, burned_at, suspended_now, suspensions, renewals, transfers, status_now"
    )
    got = ledger.con.execute(f"SELECT {cols} FROM credentials ORDER BY token_id").fetchall()
    assert got == [
        (1, A, A, A2, day(0.5), unix(100), None, None, None, False, 0, 1, 0, "active"),
        (2, B, B, B, day(1), unix(10), None, None, None, False, 0, 0, 0, "expired"),
        (3, B, B, None, day(1.5), unix(10), day(20), "plagiarism", None, False, 0, 0, 0,
         "revoked"),
        (4, C, C, C, day(2), 0, None, None, None, True, 2, 0, 0, "suspended"),
        (5, C, C, None, day(2.5), 0, None, None, day(9), True, 1, 0, 0, "burned"),
        (6, A, A, E, day(3), 0, None, None, None, False, 0, 0, 2, "active"),
        (7, E, E, E, day(5), unix(50), None, None, None, False, 0, 0, 0, "expired"),
    ]  # fmt: skip
    history = ledger.con.execute(
        "SELECT token_id, history FROM credentials WHERE token_id IN (1, 6) ORDER BY 1"
    ).fetchall()
    assert history == [
        (1, [
            {"at": day(0.5), "event": "issued", "holder": A},
            {"at": day(20), "event": "renewed", "holder": A},
            {"at": day(30), "event": "recovered", "holder": A2},
        ]),
        (6, [
            {"at": day(3), "event": "issued", "holder": A},
            {"at": day(4), "event": "transferred", "holder": D},
            {"at": day(4.5), "event": "transferred", "holder": E},
        ]),
    ]  # fmt: skip


def test_the_window_variables_bound_the_views(ledger: Ledger) -> None:
    ledger.klass(1)
    ledger.issue(1, 1, A, at=1, expires=20)
    ledger.issue(2, 1, B, at=10)
    ledger.end(30)
    c = ledger.con
    assert c.execute("SELECT count(*) FROM credentials").fetchone() == (2,)
    c.execute("SET VARIABLE credstack_since = ?", [day(7)])
    assert c.execute("SELECT token_id FROM credentials").fetchall() == [(2,)]
    c.execute("RESET VARIABLE credstack_since")
    # "now" at day 15: token 1 (expires day 20) is active then, token 2 too.
    c.execute("SET VARIABLE credstack_end = ?", [day(15)])
    assert c.execute("SELECT token_id, status_now FROM credentials ORDER BY 1").fetchall() == [
        (1, "active"),
        (2, "active"),
    ]
    c.execute("RESET VARIABLE credstack_end")
    assert c.execute("SELECT status_now FROM credentials ORDER BY token_id").fetchall() == [
        ("expired",),
        ("active",),
    ]


def test_an_index_without_the_registry_tables_has_no_views(tmp_path: Path) -> None:
    """Index.open makes the views on every open; an index of other
    contracts (no registry tables) gets the windowed views only."""
    deployment = Deployment(
        chain_id=31337, network="ethereum:local:test", registry=REGISTRY, renderer=RENDERER,
        deployer=addr("deployer"), block_number=1, block_hash="0x" + "00" * 32,
    )  # fmt: skip
    only = {"CredentialRenderer": abis()["CredentialRenderer"], "CredentialRegistry": []}
    with Index.open(deployment, tmp_path / "i.duckdb", abis=only) as index:
        views = {
            r[0]
            for r in index.connection.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'"
            ).fetchall()
        }
        assert "credentials" not in views
    with Index.open(deployment, tmp_path / "j.duckdb", abis=abis()) as index:
        assert index.connection.execute("SELECT count(*) FROM credentials").fetchone() == (0,)
        assert index.connection.execute("SELECT count(*) FROM learners").fetchone() == (0,)
