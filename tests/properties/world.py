"""The property tests' world on titanoboa: the contracts compiled once, boa
set up for speed, and the registry and pathway deployed with their roles.

The state machine (``test_registry_state.py``) rolls the chain back to this
deployment after every example; the model (``model.py``) names the actors by
their index in ``World.addresses``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boa
from boa.contracts.vyper.vyper_contract import VyperContract
from eth_utils import keccak

from tests.properties.model import ACTOR_COUNT, ADMIN, DELEGATE, GUARDIAN, ISSUER_A, ISSUER_B

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"


def patch_boa() -> None:
    """Sets boa up for the property tests (conftest calls it once)."""
    # A failing boa call puts `repr(contract)` in its message, and the default
    # repr dumps the whole contract storage: thousands of lines per failure.
    VyperContract.__repr__ = lambda self: f"<{self.contract_name} at {self.address}>"  # type: ignore[method-assign]

    # Skips boa's per-call bookkeeping that the property tests do not use.
    boa.env.enable_fast_mode()


REGISTRY = boa.load_partial(str(CONTRACTS / "CredentialRegistry.vy"))
RENDERER = boa.load_partial(str(CONTRACTS / "CredentialRenderer.vy"))
PATHWAYS = boa.load_partial(str(CONTRACTS / "PathwayRegistry.vy"))


def credential_word(
    holder: str, class_id: int, expires_at: int, score: int, status: int, locked: bool
) -> int:
    """A credential's storage word as `contracts/utils/credential_word.vy`
    documents it (and `credential_words` returns it)."""
    return (
        int(holder, 16)
        | class_id << 160
        | expires_at << 192
        | score << 232
        | status << 248
        | int(locked) << 255
    )


class Storage:
    """Reads a contract's storage straight from the EVM state, about 200
    times cheaper than a view call: the property test compares the whole
    stored state with its model after every step this way. Slots come from
    the compiler's storage layout, by variable name."""

    def __init__(self, contract: Any) -> None:
        self.address = contract.address
        layout = contract.compiler_data.storage_layout["storage_layout"]
        self.slots = {name: entry["slot"] for name, entry in layout.items() if "slot" in entry}

    def word(self, name: str, *keys: int | str) -> int:
        """`name`, or `name[key]...` for a HashMap (Vyper hashes the slot
        then the key); an address key is given as its hex string."""
        return int(boa.env.get_storage(self.address, _slot(self.slots[name], keys)))


@functools.cache
def _slot(slot: int, keys: tuple[int | str, ...]) -> int:
    for key in keys:
        k = int(key, 16) if isinstance(key, str) else key
        slot = int.from_bytes(keccak(slot.to_bytes(32, "big") + k.to_bytes(32, "big")), "big")
    return slot


@dataclass(frozen=True)
class World:
    """The deployed contracts and the actors' addresses (index = actor)."""

    addresses: list[str]
    registry: Any
    issuer_role: bytes
    pathways: Any
    storage: Storage


def deploy() -> World:
    """Deploys the renderer, the registry (governance as its admin, a
    guardian, two issuers, ISSUER_A's delegate) and the pathway registry,
    which ISSUER_A names a delegate so that it may issue the output class."""
    addresses = [boa.env.generate_address(f"actor{i}") for i in range(ACTOR_COUNT)]
    renderer = RENDERER.deploy()
    registry = REGISTRY.deploy(
        "credstack", "CRED", addresses[ADMIN], renderer.address, addresses[GUARDIAN]
    )
    role = registry.ISSUER_ROLE()
    with boa.env.prank(addresses[ADMIN]):
        registry.grantRole(role, addresses[ISSUER_A])
        registry.grantRole(role, addresses[ISSUER_B])
    pathways = PATHWAYS.deploy(registry.address)
    with boa.env.prank(addresses[ISSUER_A]):
        registry.set_delegate(addresses[DELEGATE], True)
        registry.set_delegate(pathways.address, True)
    return World(addresses, registry, role, pathways, Storage(registry))
