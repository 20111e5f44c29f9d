"""Revoke, suspend, reinstate and renew: one token or a CSV of them.

Every row is checked against the chain before anything is sent. A token
already in the wanted state is reported and skipped, so a re-run after an
interruption finishes the rest and repeats nothing.

CSV columns: ``token_id`` for all; ``reason`` for revoke (required);
``until`` for renew (``YYYY-MM-DD``, UTC midnight; blank = the class's
validity counted from today).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from credstack.errors import CredstackError, InputError, RowError
from credstack.inputs import FATAL_FIELDS, read_table
from credstack.registry import Credential, Registry, Status
from credstack.send import as_sender
from credstack.units import DAY, format_time

ACTIONS = ("revoke", "suspend", "reinstate", "renew")
COLUMNS = {
    "revoke": ("token_id", "reason"),
    "suspend": ("token_id",),
    "reinstate": ("token_id",),
    "renew": ("token_id", "until"),
}
MAX_REASON = 256


@dataclass(frozen=True)
class Request:
    row: int  # 0 for a single token given as an option
    token_id: int
    reason: str = ""
    until: int = 0  # renew: the new expiry (0 = class validity from today)


@dataclass(frozen=True)
class Task:
    request: Request
    credential: Credential
    expires_at: int = 0  # renew: the resolved expiry


def parse_token_id(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise ValueError("a token id (a positive whole number)")
    return int(text)


def parse_until(text: str) -> int:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError("a date as YYYY-MM-DD") from None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def check_reason(reason: str) -> str | None:
    if not reason.strip():
        return "missing: a revocation needs a reason"
    if len(reason.encode()) > MAX_REASON:
        return f"longer than {MAX_REASON} bytes"
    return None


def read_csv(path: Path, action: str) -> tuple[list[Request], list[RowError]]:
    """Parse a CSV of requests: the good ones and every bad row. InputError
    at once when the file as a whole cannot be read (unreadable, wrong
    header, not UTF-8, malformed)."""
    errors: list[RowError] = []
    requests: list[Request] = []
    seen: dict[int, int] = {}
    for record in read_table(path, COLUMNS[action]):
        if isinstance(record, RowError):
            if record.field in FATAL_FIELDS:
                raise InputError(str(path), [record])
            errors.append(record)
            continue
        line, cell = record.row, record.cells
        try:
            token_id = parse_token_id(cell["token_id"])
        except ValueError as err:
            errors.append(RowError(line, "token_id", cell["token_id"], str(err)))
            continue
        if token_id in seen:
            why = f"duplicate of row {seen[token_id]}"
            errors.append(RowError(line, "token_id", str(token_id), why))
            continue
        seen[token_id] = line
        reason, until = cell.get("reason", ""), 0
        if action == "revoke" and (problem := check_reason(reason)):
            errors.append(RowError(line, "reason", reason, problem))
            continue
        if action == "renew" and cell.get("until"):
            try:
                until = parse_until(cell["until"])
            except ValueError as err:
                errors.append(RowError(line, "until", cell["until"], str(err)))
                continue
        requests.append(Request(line, token_id, reason, until))
    if not requests and errors and all(e.field == "rows" for e in errors):
        raise InputError(str(path), errors)
    return requests, errors


def plan(
    registry: Registry,
    action: str,
    requests: list[Request],
    signer: str,
    source: str,
    errors: list[RowError] | None = None,
) -> tuple[list[Task], list[tuple[Request, str]]]:
    """Split requests into tasks to send and ones already done (with why).
    InputError, before anything is sent, with every row that cannot be done
    (``errors`` found while reading are reported with them)."""
    from ape import chain

    now = int(chain.pending_timestamp)
    today = now - now % DAY
    errors = list(errors or [])
    tasks: list[Task] = []
    done: list[tuple[Request, str]] = []
    classes: dict[int, tuple[Any, bool]] = {}  # class id -> (info, signer may operate)
    paused = bool(registry.contract.paused())
    credentials = registry.credentials([r.token_id for r in requests])
    for request, credential in zip(requests, credentials, strict=True):
        where = (request.row, "token_id", str(request.token_id))
        if not credential.exists:
            errors.append(RowError(*where, "no such token"))
            continue
        if credential.class_id not in classes:
            info = registry.class_info(credential.class_id)
            classes[credential.class_id] = (info, registry.may_operate(info, signer))
        klass, may_operate = classes[credential.class_id]
        status = credential.status
        if not may_operate:
            errors.append(
                RowError(*where, f"{signer} may not manage class {klass.class_id} ({klass.name})")
            )
            continue
        if status == Status.BURNED and action != "revoke":
            # A burned credential may still be revoked (the record then
            # reads revoked); nothing else applies to it.
            errors.append(RowError(*where, "burned by its holder"))
            continue
        if status == Status.REVOKED:
            if action == "revoke":
                done.append((request, "already revoked"))
            else:
                errors.append(RowError(*where, "revoked"))
            continue
        if action in ("revoke", "suspend") and not klass.revocable:
            errors.append(RowError(*where, f"class {klass.class_id} is not revocable"))
            continue
        if action == "suspend" and status == Status.SUSPENDED:
            done.append((request, "already suspended"))
            continue
        if action == "reinstate" and status != Status.SUSPENDED:
            done.append((request, "not suspended"))
            continue
        if action == "renew":
            target = request.until or (today + klass.validity if klass.validity else 0)
            if not klass.active:
                errors.append(RowError(*where, f"class {klass.class_id} is inactive"))
            elif paused:
                errors.append(RowError(*where, "the registry is paused"))
            elif target == 0:
                errors.append(RowError(*where, "the class never expires: give an until date"))
            elif target == credential.expires_at:
                done.append((request, f"already expires {format_time(target)}"))
            elif target <= now:
                errors.append(RowError(*where, f"{format_time(target)} is not in the future"))
            else:
                tasks.append(Task(request, credential, target))
            continue
        tasks.append(Task(request, credential))
    if errors:
        raise InputError(source, sorted(errors, key=lambda e: e.row))
    return tasks, done


def execute(
    registry: Registry,
    action: str,
    tasks: list[Task],
    sender: Any,
    on_done: Callable[[Task, str], None] | None = None,
) -> list[tuple[Task, str]]:
    """Send one transaction per task; returns (task, transaction hash)."""
    sender = as_sender(sender)
    contract = registry.contract
    sent = []
    for task in tasks:
        token_id = task.request.token_id
        if action == "revoke":
            receipt = sender.send(contract.revoke, token_id, task.request.reason)
        elif action == "suspend":
            receipt = sender.send(contract.suspend, token_id)
        elif action == "reinstate":
            receipt = sender.send(contract.reinstate, token_id)
        elif action == "renew":
            receipt = sender.send(contract.renew, token_id, task.expires_at)
        else:
            raise CredstackError(f"unknown action {action!r}")
        tx = str(receipt.txn_hash)
        sent.append((task, tx))
        if on_done is not None:
            on_done(task, tx)
    return sent
