"""Key recovery: an issuer re-binds a learner's credentials to the learner's
new wallet (`CredentialRegistry.recover`), the one way a soulbound credential
moves.

Everything the contract would refuse is checked first and reported together:
the new wallet already holding one of the classes, a restricted class whose
allowlist lacks the new wallet, a pause. The contract needs the new wallet's
complete token list (it keeps no per-class balance); it is read from the
Transfer events and extended as each credential arrives. A re-run finds the
old wallet empty of those credentials and sends nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from credstack.errors import CredstackError, InputError, RowError
from credstack.inputs import address_problem
from credstack.registry import Registry, Status
from credstack.send import as_sender


@dataclass(frozen=True)
class Move:
    token_id: int
    class_id: int
    class_name: str
    status: Status


def plan(
    registry: Registry,
    old: str,
    new: str,
    signer: str,
    token_ids: Sequence[int] = (),
) -> list[Move]:
    """The credentials of ``old`` that ``signer`` may move to ``new`` (all
    those of its classes, or just ``token_ids``); InputError listing every
    reason the move would be refused."""
    errors = [
        RowError(0, name, value, problem)
        for name, value in (("--from", old), ("--to", new))
        if (problem := address_problem(value))
    ]
    if not errors and old.lower() == new.lower():
        errors.append(RowError(0, "--to", new, "the same wallet as --from"))
    if errors:
        raise InputError("recover", errors)
    held = registry.held(old)
    if token_ids:
        in_wallet = {c.token_id for c in held}
        missing = [t for t in token_ids if t not in in_wallet]
        errors += [RowError(0, "--token", str(t), f"not in {old}'s wallet") for t in missing]
        held = [c for c in held if c.token_id in token_ids]
    moves: list[Move] = []
    classes = {}
    for credential in held:
        token_id = credential.token_id
        if credential.class_id not in classes:
            classes[credential.class_id] = registry.class_info(credential.class_id)
        klass = classes[credential.class_id]
        if not registry.may_operate(klass, signer):
            if token_ids:
                why = f"class {klass.class_id} ({klass.name}) is not {signer}'s to manage"
                errors.append(RowError(0, "--token", str(token_id), why))
            continue
        moves.append(Move(token_id, klass.class_id, klass.name, credential.status))
    if not moves and not errors:
        return []
    new_held = {c.class_id: c.token_id for c in registry.held(new)}
    for move in moves:
        if move.class_id in new_held:
            why = (
                f"{new} already holds class {move.class_id} ({move.class_name}) as token "
                f"{new_held[move.class_id]}"
            )
            errors.append(RowError(0, "--token", str(move.token_id), why))
        restricted, _ = registry.contract.class_rules(move.class_id)
        if restricted and not registry.contract.allowlist(move.class_id, new):
            why = (
                f"class {move.class_id} ({move.class_name}) is restricted to its allowlist: "
                f"governance must allowlist {new} first"
            )
            errors.append(RowError(0, "--token", str(move.token_id), why))
    if errors:
        raise InputError("recover", errors)
    if registry.contract.paused():
        raise CredstackError("the registry is paused: nothing can be recovered until unpaused")
    return moves


def execute(
    registry: Registry,
    moves: Sequence[Move],
    new: str,
    sender: Any,
    on_done: Callable[[Move, str], None] | None = None,
) -> int:
    """Send one `recover` per credential; the new wallet's token list grows
    with each. Returns the number sent."""
    sender = as_sender(sender)
    held = registry.held_tokens(new)
    for move in moves:
        receipt = sender.send(registry.contract.recover, move.token_id, new, sorted(held))
        held.append(move.token_id)
        if on_done is not None:
            on_done(move, str(receipt.txn_hash))
    return len(moves)
