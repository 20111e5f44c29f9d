"""The project's own deployments file, one per chain id.

ape records deployments only for public networks, and its embedded chain and
anvil reset; so credstack keeps ``deployments/<chain_id>.json`` itself, with
the block hash of the deployment so a file left over from a chain that was
reset is recognised as stale instead of pointing at nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from credstack.config import deployments_dir
from credstack.errors import DeploymentError


@dataclass
class ClassRecord:
    """A catalog class as applied: slug -> id on this chain."""

    class_id: int
    issuer: str
    name: str


# Field metadata key: the project contract type whose address a field holds.
# The index (credstack.index) reads every such field, so a contract added to
# the record with this metadata is indexed with no other change.
CONTRACT = "contract"


@dataclass
class Deployment:
    chain_id: int
    network: str
    registry: str = field(metadata={CONTRACT: "CredentialRegistry"})
    renderer: str = field(metadata={CONTRACT: "CredentialRenderer"})
    deployer: str
    block_number: int
    block_hash: str
    classes: dict[str, ClassRecord] = field(default_factory=dict)
    # Governance: the council, the timelock (the registry's only admin), the
    # guardian who may pause, and the council's rules at deployment.
    council: str | None = field(default=None, metadata={CONTRACT: "Council"})
    timelock: str | None = field(default=None, metadata={CONTRACT: "Timelock"})
    guardian: str | None = None
    members: list[str] = field(default_factory=list)
    threshold: int = 0
    delay: int = 0
    # The pathway registry, and catalog pathway slug -> pathway id.
    pathways: str | None = field(default=None, metadata={CONTRACT: "PathwayRegistry"})
    pathway_ids: dict[str, int] = field(default_factory=dict)
    # The membership contract (tiers, perks, offers, passes).
    membership: str | None = field(default=None, metadata={CONTRACT: "Membership"})
    # Catalog tier slug -> tier id, catalog offer slug -> offer id.
    tier_ids: dict[str, int] = field(default_factory=dict)
    offer_ids: dict[str, int] = field(default_factory=dict)
    # The employer registry (employers, endorsements, consented verifications).
    employers: str | None = field(default=None, metadata={CONTRACT: "EmployerRegistry"})

    def contracts(self) -> dict[str, str]:
        """Address -> contract type, for every contract recorded (the
        fields whose metadata names a contract type; unset ones left out)."""
        found = {}
        for f in fields(self):
            address = getattr(self, f.name)
            if CONTRACT in f.metadata and address:
                found[str(address)] = str(f.metadata[CONTRACT])
        return found

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        classes = {k: ClassRecord(**v) for k, v in data.get("classes", {}).items()}
        known = {f.name for f in fields(cls)} - {"classes"}
        # Files from earlier versions may carry fields since dropped ("admin",
        # always the timelock): ignored, not an error.
        return cls(**{k: v for k, v in data.items() if k in known}, classes=classes)


def path_for(chain_id: int) -> Path:
    return deployments_dir() / f"{chain_id}.json"


def read(chain_id: int) -> Deployment | None:
    """The recorded deployment, or None when there is no file."""
    path = path_for(chain_id)
    if not path.exists():
        return None
    try:
        return Deployment.from_json(json.loads(path.read_text()))
    except (ValueError, TypeError, KeyError) as err:
        raise DeploymentError(f"{path}: unreadable deployments file ({err})") from err


def write(deployment: Deployment) -> Path:
    """Write atomically (temp file, then rename): a crash leaves the old file."""
    path = path_for(deployment.chain_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(deployment.to_json(), f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    return path


def is_live(deployment: Deployment, chain: Any) -> bool:
    """Whether the recorded deployment exists on the connected chain: code at
    the registry, and the block it was deployed in is still the same block."""
    if chain.blocks.height < deployment.block_number:
        return False
    if chain.blocks[deployment.block_number].hash.hex().removeprefix("0x") != (
        deployment.block_hash.removeprefix("0x")
    ):
        return False
    return len(chain.provider.get_code(deployment.registry)) > 0


def load_live(chain: Any) -> Deployment:
    """The deployment on the connected chain, or a DeploymentError saying
    what to do."""
    chain_id = int(chain.chain_id)
    deployment = read(chain_id)
    if deployment is None:
        raise DeploymentError(
            f"no credstack deployment for chain {chain_id} ({path_for(chain_id)} missing): "
            "run `ape run deploy` on this network first"
        )
    if not is_live(deployment, chain):
        raise DeploymentError(
            f"{path_for(chain_id)} points at a registry this chain does not have "
            "(the chain was reset?): run `ape run deploy` again"
        )
    return deployment
