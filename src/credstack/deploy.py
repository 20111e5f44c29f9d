"""Deploy the system and record it; a re-run on a chain that has it changes nothing."""

from __future__ import annotations

from typing import Any

from credstack import deployments
from credstack.deployments import Deployment
from credstack.governance import GovernanceConfig, deploy_governed
from credstack.registry import DEFAULT_NAME, DEFAULT_SYMBOL


def deploy_system(
    sender: Any,
    governance: GovernanceConfig,
    name: str = DEFAULT_NAME,
    symbol: str = DEFAULT_SYMBOL,
) -> Deployment:
    """Deploy renderer, council, timelock and registry on the connected chain;
    the record of it, not yet written to a file. The sender keeps no role."""
    from ape import chain, project

    system = deploy_governed(project, sender, governance, name=name, symbol=symbol)
    registry = system.registry
    receipt = registry.creation_metadata.receipt if registry.creation_metadata else None
    block = int(receipt.block_number) if receipt is not None else int(chain.blocks.height)
    renderer_meta = system.renderer.creation_metadata
    first = int(renderer_meta.receipt.block_number) if renderer_meta is not None else block
    return Deployment(
        chain_id=int(chain.chain_id),
        network=chain.provider.network_choice,
        registry=registry.address,
        renderer=system.renderer.address,
        deployer=sender.address,
        admin=system.timelock.address,
        block_number=first,
        block_hash="0x" + bytes(chain.blocks[first].hash).hex(),
        council=system.council.address,
        timelock=system.timelock.address,
        guardian=governance.guardian,
        members=list(governance.members),
        threshold=governance.threshold,
        delay=governance.delay,
        pathways=system.pathways.address,
    )


def ensure_deployed(
    sender: Any,
    governance: GovernanceConfig,
    name: str = DEFAULT_NAME,
    symbol: str = DEFAULT_SYMBOL,
) -> tuple[Deployment, bool]:
    """The live deployment on the connected chain, deploying it if there is
    none (or the recorded one is gone). Returns (deployment, created)."""
    from ape import chain

    existing = deployments.read(int(chain.chain_id))
    if existing is not None and deployments.is_live(existing, chain):
        return existing, False
    deployment = deploy_system(sender, governance, name=name, symbol=symbol)
    deployments.write(deployment)
    return deployment, True
