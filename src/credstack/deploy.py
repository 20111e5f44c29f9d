"""Deploy the system and record it; a re-run on a chain that has it changes nothing."""

from __future__ import annotations

from typing import Any

from credstack import deployments
from credstack.deployments import Deployment
from credstack.registry import DEFAULT_NAME, DEFAULT_SYMBOL, deploy_registry


def ensure_deployed(
    sender: Any,
    admin: str | None = None,
    name: str = DEFAULT_NAME,
    symbol: str = DEFAULT_SYMBOL,
) -> tuple[Deployment, bool]:
    """The live deployment on the connected chain, deploying it if there is
    none (or the recorded one is gone). Returns (deployment, created)."""
    from ape import chain, project

    chain_id = int(chain.chain_id)
    existing = deployments.read(chain_id)
    if existing is not None and deployments.is_live(existing, chain):
        return existing, False
    registry = deploy_registry(project, sender, admin=admin, name=name, symbol=symbol)
    receipt = registry.creation_metadata.receipt if registry.creation_metadata else None
    block = int(receipt.block_number) if receipt is not None else int(chain.blocks.height)
    deployment = Deployment(
        chain_id=chain_id,
        network=chain.provider.network_choice,
        registry=registry.address,
        renderer=str(registry.renderer()),
        deployer=sender.address,
        admin=admin or sender.address,
        block_number=block,
        block_hash="0x" + bytes(chain.blocks[block].hash).hex(),
    )
    deployments.write(deployment)
    return deployment, True
