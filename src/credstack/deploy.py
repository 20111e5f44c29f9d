"""All deploying: the bare registry (for tests and benches), the governed
system (renderer, council, timelock, registry, pathway registry, membership,
employer registry), and the deployment record a command writes and finds again.

``deploy_governed`` leaves no externally owned account holding any role: the
council's timelock address is computed from the deployer's nonce (the
CREATE address), the timelock gets the council as its only proposer and
executor and no admin, and the registry gets the timelock as admin and names
the guardian (who may pause at once; not a role)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from credstack import deployments
from credstack.catalog import GovernanceConfig
from credstack.deployments import Deployment
from credstack.governance import GovernanceError
from credstack.inputs import ZERO_ADDRESS
from credstack.registry import DEFAULT_NAME, DEFAULT_SYMBOL
from credstack.send import as_sender


def deploy_registry(
    project: Any,
    sender: Any,
    admin: str | None = None,
    name: str = DEFAULT_NAME,
    symbol: str = DEFAULT_SYMBOL,
    guardian: str | None = None,
) -> Any:
    """Deploy the renderer and the registry; ``admin`` defaults to the sender,
    ``guardian`` (who may pause) to nobody.

    Returns the registry contract instance (its ``renderer()`` is the renderer).
    """
    sender = as_sender(sender)
    renderer = sender.deploy(project.CredentialRenderer)
    return sender.deploy(
        project.CredentialRegistry,
        name,
        symbol,
        admin or sender.address,
        renderer.address,
        guardian or ZERO_ADDRESS,
    )


def contract_address(sender: str, nonce: int) -> str:
    """The address a CREATE from ``sender`` at ``nonce`` deploys to:
    keccak(rlp([sender, nonce]))[12:]."""

    def rlp_bytes(data: bytes) -> bytes:
        if len(data) == 1 and data[0] < 0x80:
            return data
        return bytes([0x80 + len(data)]) + data

    nonce_bytes = nonce.to_bytes((nonce.bit_length() + 7) // 8, "big") if nonce else b""
    body = rlp_bytes(bytes.fromhex(sender[2:])) + rlp_bytes(nonce_bytes)
    return to_checksum_address(keccak(bytes([0xC0 + len(body)]) + body)[12:])


@dataclass
class System:
    """The contracts of a governed deployment (ape contract instances)."""

    registry: Any
    council: Any
    timelock: Any
    renderer: Any
    pathways: Any
    membership: Any
    employers: Any
    first_block: int  # the block of the first deployment (the renderer's)


def deploy_governed(
    project: Any,
    sender: Any,
    config: GovernanceConfig,
    name: str = DEFAULT_NAME,
    symbol: str = DEFAULT_SYMBOL,
) -> System:
    """Renderer, council, timelock, registry, pathway registry, membership
    contract and employer registry, in seven transactions from ``sender``,
    who holds no role on any of them afterwards (the last three have no
    roles of their own: they read the registry's)."""
    if problems := config.problems():
        field, value, reason = problems[0]
        raise GovernanceError(f"governance {field} = {value!r}: {reason}")
    sender = as_sender(sender)
    renderer = sender.deploy(project.CredentialRenderer)
    assert sender.last is not None
    first_block = int(sender.last.receipt.block_number)
    timelock_address = contract_address(sender.address, int(sender.account.nonce) + 1)
    council = sender.deploy(
        project.Council, list(config.members), config.threshold, timelock_address
    )
    timelock = sender.deploy(
        project.Timelock, config.delay, [council.address], [council.address], ZERO_ADDRESS
    )
    if timelock.address != timelock_address:
        raise GovernanceError(
            f"the timelock landed at {timelock.address}, not {timelock_address}: another "
            f"transaction from {sender.address} went out during the deployment; deploy again"
        )
    registry = sender.deploy(
        project.CredentialRegistry,
        name,
        symbol,
        timelock.address,
        renderer.address,
        config.guardian or ZERO_ADDRESS,
    )
    pathways = sender.deploy(project.PathwayRegistry, registry.address)
    membership = sender.deploy(project.Membership, registry.address)
    employers = sender.deploy(project.EmployerRegistry, registry.address, pathways.address)
    return System(
        registry, council, timelock, renderer, pathways, membership, employers, first_block
    )


def deploy_system(
    sender: Any,
    governance: GovernanceConfig,
    name: str = DEFAULT_NAME,
    symbol: str = DEFAULT_SYMBOL,
) -> Deployment:
    """Deploy the governed system on the connected chain; the record of it,
    not yet written to a file. The sender keeps no role."""
    from ape import chain, project

    system = deploy_governed(project, sender, governance, name=name, symbol=symbol)
    first = system.first_block
    return Deployment(
        chain_id=int(chain.chain_id),
        network=chain.provider.network_choice,
        registry=system.registry.address,
        renderer=system.renderer.address,
        deployer=as_sender(sender).address,
        block_number=first,
        block_hash="0x" + bytes(chain.blocks[first].hash).hex(),
        council=system.council.address,
        timelock=system.timelock.address,
        guardian=governance.guardian,
        members=list(governance.members),
        threshold=governance.threshold,
        delay=governance.delay,
        pathways=system.pathways.address,
        membership=system.membership.address,
        employers=system.employers.address,
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
