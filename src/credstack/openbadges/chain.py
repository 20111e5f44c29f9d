"""What the export reads from the chain: tokens with their class documents,
and each issuer's revoked and suspended tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from credstack.events import topic, topic_int
from credstack.openbadges.credential import ClassDocument, ExportError, Token
from credstack.registry import NAME, ClassInfo, Registry, Status

# Past this many tokens, events are read per class rather than per token.
PER_TOKEN_LIMIT = 32


class Reader:
    """Reads tokens for export from ``registry``; class documents come
    from ``documents`` (content address -> document), found in ``where``."""

    def __init__(
        self,
        registry: Registry,
        chain_id: int,
        documents: dict[str, ClassDocument],
        where: Path,
    ) -> None:
        self.registry = registry
        self.chain_id = chain_id
        self.documents = documents
        self.where = where
        self._classes: dict[int, ClassInfo] = {}
        self._times: dict[int, int] = {}
        self.burned: list[int] = []  # burned tokens ``tokens`` left out

    def klass(self, class_id: int) -> ClassInfo:
        if class_id not in self._classes:
            self._classes[class_id] = self.registry.class_info(class_id)
        return self._classes[class_id]

    def document(self, klass: ClassInfo) -> ClassDocument:
        """The class document whose content address is the class's on-chain
        URI; ExportError if none here has it."""
        found = self.documents.get(klass.uri)
        if found is None:
            raise ExportError(
                f"class {klass.class_id} ({klass.name}): no class document in {self.where} "
                f"has the content address {klass.uri} the chain holds (run `ape run catalog "
                "apply`, which writes them, or pass --metadata DIR)"
            )
        return found

    def block_time(self, number: int) -> int:
        if number not in self._times:
            from ape import chain

            self._times[number] = int(chain.blocks[number].timestamp)
        return self._times[number]

    def tokens(self, token_ids: list[int], skip_burned: bool = False) -> list[Token]:
        """The tokens, in the order given; ExportError naming the first
        that does not exist, was burned (its holder asked for it not to be
        shown: with ``skip_burned`` it is left out and counted in
        ``burned``) or whose class document is missing."""
        records = []
        for record in self.registry.credentials(token_ids):
            if not record.exists:
                raise ExportError(f"token {record.token_id}: no such credential on this registry")
            if record.status == Status.BURNED:
                if not skip_burned:
                    raise ExportError(
                        f"token {record.token_id}: burned by its holder, so not exported"
                    )
                self.burned.append(record.token_id)
                continue
            self.document(self.klass(record.class_id))
            records.append(record)
        token_ids = [r.token_id for r in records]
        wanted = set(token_ids)
        events: dict[int, Any] = {}
        if len(token_ids) <= PER_TOKEN_LIMIT:
            for token_id in token_ids:
                if (one := self.registry.issued_event(token_id)) is not None:
                    events[token_id] = one
        else:
            for class_id in sorted({r.class_id for r in records}):
                for event in self.registry.issued_events(class_id=class_id):
                    if event.token_id in wanted:
                        events[event.token_id] = event
        found = []
        for record in records:
            issued = events.get(record.token_id)
            if issued is None:
                raise ExportError(f"token {record.token_id}: no CredentialIssued event found")
            klass = self.klass(record.class_id)
            found.append(
                Token(
                    chain_id=self.chain_id,
                    registry=self.registry.address,
                    token_id=record.token_id,
                    holder=record.holder,
                    issuer=klass.issuer,
                    klass=self.document(klass),
                    score=record.score,
                    issued_at=self.block_time(issued.block_number),
                    expires_at=record.expires_at,
                    evidence_hash=issued.evidence_hash,
                )
            )
        return found

    def class_tokens(self, class_id: int) -> list[int]:
        return [e.token_id for e in self.registry.issued_events(class_id=class_id)]

    def holder_tokens(self, holder: str) -> list[int]:
        """Token ids whose record names ``holder`` now (any status)."""
        ids = sorted(self.registry.tokens_received(holder))
        return [
            c.token_id for c in self.registry.credentials(ids) if c.holder.lower() == holder.lower()
        ]

    def statuses(self) -> dict[str, tuple[list[int], list[int]]]:
        """issuer (lowercase) -> (revoked token ids, suspended token ids)
        now. Candidates come from the CredentialRevoked and
        CredentialSuspended events (nothing else makes those statuses); the
        chain's status now decides (a suspension may have been lifted)."""
        candidates: dict[int, int] = {}
        for name in ("CredentialRevoked", "CredentialSuspended"):
            for log in self.registry._logs([topic(NAME, name)]):
                candidates[topic_int(log, 1)] = topic_int(log, 2)
        found: dict[str, tuple[list[int], list[int]]] = {}
        for record in self.registry.credentials(sorted(candidates)):
            if record.status not in (Status.REVOKED, Status.SUSPENDED):
                continue
            issuer = self.klass(candidates[record.token_id]).issuer.lower()
            revoked, suspended = found.setdefault(issuer, ([], []))
            (revoked if record.status == Status.REVOKED else suspended).append(record.token_id)
        return found
