"""Deploy the system and record it; a re-run on a chain that has it changes nothing."""

from __future__ import annotations

from typing import Any

from credstack import deployments
from credstack.deployments import Deployment
from credstack.registry import DEFAULT_NAME, DEFAULT_SYMBOL, deploy_registry


def deploy_system(
    sender: Any,
    admin: str | None = None,
    name: str = DEFAULT_NAME,
    symbol: str = DEFAULT_SYMBOL,
) -> Deployment:
    """Deploy the renderer and the registry on the connected chain; the
    record of it, not yet written to a file."""
    from ape import chain, project

    registry = deploy_registry(project, sender, admin=admin, name=name, symbol=symbol)
    receipt = registry.creation_metadata.receipt if registry.creation_metadata else None
    block = int(receipt.block_number) if receipt is not None else int(chain.blocks.height)
    return Deployment(
        chain_id=int(chain.chain_id),
        network=chain.provider.network_choice,
        registry=registry.address,
        renderer=str(registry.renderer()),
        deployer=sender.address,
        admin=admin or sender.address,
        block_number=block,
        block_hash="0x" + bytes(chain.blocks[block].hash).hex(),
    )


def ensure_deployed(
    sender: Any,
    admin: str | None = None,
    name: str = DEFAULT_NAME,
    symbol: str = DEFAULT_SYMBOL,
) -> tuple[Deployment, bool]:
    """The live deployment on the connected chain, deploying it if there is
    none (or the recorded one is gone). Returns (deployment, created)."""
    from ape import chain

    existing = deployments.read(int(chain.chain_id))
    if existing is not None and deployments.is_live(existing, chain):
        return existing, False
    deployment = deploy_system(sender, admin=admin, name=name, symbol=symbol)
    deployments.write(deployment)
    return deployment, True
