"""The registry demo (`make demo`): one process on ape's embedded chain.

Deploys the registry, registers an issuer who names a delegate, creates a
soulbound class and a transferable one, issues, rejects a score below the
threshold, transfers a pass, revokes with a reason, suspends, lets time pass
until credentials expire, renews one, and prints every credential's status.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_utils.crypto import keccak
from rich.console import Console
from rich.table import Table

from credstack.registry import (
    STATUS_NAMES,
    created_class_id,
    deploy_registry,
    issued_token_ids,
)

DAY = 86_400


@dataclass(frozen=True)
class CredentialRow:
    token_id: int
    class_name: str
    holder: str
    score: int
    expires_at: int
    status: str
    valid: bool


def salted_evidence_hash(document: bytes, salt: bytes) -> bytes:
    """keccak256(salt || document): the chain never sees the document, and a
    guess at low-entropy evidence cannot be checked without the salt."""
    return keccak(salt + document)


def _revert_reason(method: Any, *args: Any, **kwargs: Any) -> str:
    """Simulates a transaction (eth_call) that must be refused; its reason."""
    from ape.exceptions import ContractLogicError

    try:
        method.call(*args, **kwargs)
    except ContractLogicError as err:
        return str(err.message)
    raise AssertionError("expected the call to revert")


def run_demo(console: Console) -> list[CredentialRow]:
    """Run the walk-through on the connected chain; returns the final rows."""
    from ape import accounts, chain, project

    admin, issuer, delegate, *learners = accounts.test_accounts[:8]
    say = console.print

    registry = deploy_registry(project, admin)
    say(f"Deployed CredentialRegistry at {registry.address} (admin {admin.address})")
    registry.grantRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    registry.set_delegate(delegate, True, sender=issuer)
    say(f"Issuer {issuer.address} registered; delegate {delegate.address} named")

    def create(name: str, uri: str, transferable: bool, validity: int, min_score: int) -> int:
        tx = registry.create_class(
            name, uri, transferable, True, validity, min_score, sender=issuer
        )
        class_id = created_class_id(registry, tx)
        kind = "transferable" if transferable else "soulbound"
        say(f"Class {class_id}: {name} ({kind}, {validity // DAY} days, min {min_score})")
        return class_id

    sql = create("SQL for Data Analysis", "ipfs://bafydemo/sql.json", False, 30 * DAY, 7_000)
    pass_ = create(
        "Mentor Workshop Pass", "https://academy.example/passes/mentor.json", True, 90 * DAY, 0
    )
    names = {sql: "SQL for Data Analysis", pass_: "Mentor Workshop Pass"}

    cohort = learners[:4]
    scores = [8_200, 9_100, 7_400, 8_800]
    hashes = [
        salted_evidence_hash(f"capstone of learner {i}".encode(), os.urandom(32))
        for i in range(len(cohort))
    ]
    tx = registry.issue_batch(sql, cohort, scores, hashes, sender=delegate)
    ids = issued_token_ids(registry, tx)
    say(f"Issued SQL credentials {ids} in one batch by the delegate ({tx.gas_used:,} gas)")

    reason = _revert_reason(registry.issue, sql, learners[4], 6_500, hashes[0], sender=delegate)
    say(f"Score 6,500 below the 7,000 minimum rejected: {reason}")

    tx = registry.issue(pass_, learners[0], 0, keccak(b"workshop attendance"), sender=issuer)
    [pass_id] = issued_token_ids(registry, tx)
    registry.transferFrom(learners[0], learners[4], pass_id, sender=learners[0])
    say(f"Workshop pass {pass_id} issued and traded to {learners[4].address}")
    reason = _revert_reason(
        registry.transferFrom, learners[0], learners[4], ids[0], sender=learners[0]
    )
    say(f"Trying to move SQL credential {ids[0]}: {reason}")

    registry.revoke(ids[1], "plagiarism in the capstone project", sender=issuer)
    say(f"Credential {ids[1]} revoked: plagiarism in the capstone project")
    registry.suspend(ids[2], sender=issuer)
    say(f"Credential {ids[2]} suspended pending review")

    chain.pending_timestamp += 31 * DAY
    chain.mine()
    say("31 days pass")
    renewed_until = chain.blocks.head.timestamp + 365 * DAY
    registry.renew(ids[3], renewed_until, sender=issuer)
    say(f"Credential {ids[3]} renewed for a year")

    rows = []
    for token_id in [*ids, pass_id]:
        record = registry.credential(token_id)
        rows.append(
            CredentialRow(
                token_id=token_id,
                class_name=names[record.class_id],
                holder=record.holder,
                score=record.score,
                expires_at=record.expires_at,
                status=STATUS_NAMES[record.status],
                valid=registry.is_valid(token_id),
            )
        )
    console.print(status_table(rows))
    return rows


def status_table(rows: list[CredentialRow]) -> Table:
    table = Table(title="Credentials")
    for column in ("token", "class", "holder", "score", "expires", "status", "valid"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        expires = (
            datetime.fromtimestamp(row.expires_at, UTC).strftime("%Y-%m-%d")
            if row.expires_at
            else "never"
        )
        table.add_row(
            str(row.token_id),
            row.class_name,
            f"{row.holder[:6]}…{row.holder[-4:]}",
            f"{row.score / 100:.2f}%",
            expires,
            row.status,
            "yes" if row.valid else "no",
        )
    return table
