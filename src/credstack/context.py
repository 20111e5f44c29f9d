"""The pieces a command needs once connected: the deployment, the registry,
a class by slug, and where its journal and receipts live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from credstack import deployments
from credstack.config import out_dir
from credstack.deployments import Deployment
from credstack.errors import DeploymentError, UnknownClassError
from credstack.journal import Journal
from credstack.registry import ClassInfo, Registry


@dataclass
class Context:
    deployment: Deployment
    registry: Registry

    @classmethod
    def connect(cls) -> Context:
        """For the connected chain; DeploymentError if it has no deployment."""
        from ape import chain

        deployment = deployments.load_live(chain)
        return cls(deployment, Registry.at(deployment.registry, deployment.block_number))

    @property
    def chain_dir(self) -> Path:
        return out_dir() / "issuance" / str(self.deployment.chain_id)

    def klass(self, slug: str) -> ClassInfo:
        """The class a catalog slug names, checked against the chain."""
        record = self.deployment.classes.get(slug)
        if record is None:
            raise UnknownClassError(slug, list(self.deployment.classes))
        info = self.registry.class_info(record.class_id)
        if (info.issuer, info.name) != (record.issuer, record.name):
            raise DeploymentError(
                f"class '{slug}' is recorded as id {record.class_id} ({record.name}), but the "
                "chain disagrees: run `ape run catalog apply` again"
            )
        return info

    def journal(self, klass: ClassInfo) -> Journal:
        registry = self.deployment.registry.lower()
        return Journal(self.chain_dir / f"{registry}-class{klass.class_id}.journal.jsonl")

    def receipts_base(self, slug: str, csv_path: Path) -> Path:
        return self.chain_dir / f"{slug}-{csv_path.stem}.receipts"
