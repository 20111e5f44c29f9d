"""Typed helpers over the CredentialRegistry contract."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

DEFAULT_NAME = "credstack Credentials"
DEFAULT_SYMBOL = "CRED"


class Status(IntEnum):
    """What ``status_of`` returns. Expired is derived from time, never stored."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    REVOKED = 3
    EXPIRED = 4
    BURNED = 5


STATUS_NAMES: dict[int, str] = {s.value: s.name.lower() for s in Status}


def created_class_id(registry: Any, receipt: Any) -> int:
    """The class id a `create_class` transaction made, from its event.

    Read ids from events, not ``receipt.return_value``: on ape's embedded
    chain that value comes from replaying the call on the state *after* the
    transaction, so a counter reads one too high.
    """
    [event] = registry.ClassCreated.from_receipt(receipt)
    return int(event.class_id)


def issued_token_ids(registry: Any, receipt: Any) -> list[int]:
    """The token ids an `issue` or `issue_batch` transaction made, in order."""
    return [int(e.token_id) for e in registry.CredentialIssued.from_receipt(receipt)]


def deploy_registry(
    project: Any,
    sender: Any,
    admin: str | None = None,
    name: str = DEFAULT_NAME,
    symbol: str = DEFAULT_SYMBOL,
) -> Any:
    """Deploy the renderer and the registry; ``admin`` defaults to the sender.

    Returns the registry contract instance (its ``renderer()`` is the renderer).
    """
    renderer = project.CredentialRenderer.deploy(sender=sender)
    return project.CredentialRegistry.deploy(
        name, symbol, admin or sender.address, renderer.address, sender=sender
    )
