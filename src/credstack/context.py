"""What a command works on once connected: the deployment, its registry,
governance and pathway registry (each made on first use), a class by slug,
and where journals and receipts live.

Commands receive one with ``@pass_context`` (credstack.cli.common), as ape's
own commands receive ``cli_ctx``; nothing touches the chain until a command
asks for something, so input checks run first."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from credstack import deployments
from credstack.config import out_dir
from credstack.deployments import Deployment
from credstack.errors import DeploymentError, UnknownClassError
from credstack.journal import Journal
from credstack.registry import ClassInfo, Registry

if TYPE_CHECKING:
    from credstack.employers import Employers
    from credstack.governance import Governance
    from credstack.membership import Memberships
    from credstack.pathways import Pathways


class Context:
    def __init__(self, deployment: Deployment | None = None) -> None:
        if deployment is not None:
            self.__dict__["deployment"] = deployment

    @classmethod
    def connect(cls) -> Context:
        """A context whose deployment is read now (DeploymentError if none)."""
        ctx = cls()
        _ = ctx.deployment
        return ctx

    @cached_property
    def deployment(self) -> Deployment:
        """The connected chain's deployment; DeploymentError if it has none."""
        from ape import chain

        return deployments.load_live(chain)

    @cached_property
    def registry(self) -> Registry:
        return Registry.at(self.deployment.registry, self.deployment.block_number)

    @cached_property
    def governance(self) -> Governance:
        from credstack.governance import Governance

        return Governance.for_deployment(self.deployment)

    @cached_property
    def pathways(self) -> Pathways:
        from credstack.pathways import Pathways

        return Pathways.for_deployment(self.deployment, self.registry)

    @cached_property
    def memberships(self) -> Memberships:
        from credstack.membership import Memberships

        return Memberships.for_deployment(self.deployment, self.registry)

    @cached_property
    def employers(self) -> Employers:
        from credstack.employers import Employers

        return Employers.for_deployment(self.deployment, self.registry)

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
