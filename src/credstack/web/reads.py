"""What the web app reads: a credential with its class document, pathway
progress and history; a holder's credentials, memberships and pathways;
the evidence hash of a token. Chain reads go through credstack.registry,
credstack.verify and credstack.pathways, behind one lock on ape's embedded
chain (which is not thread-safe) and a short TTL cache (``cache_seconds``:
how stale a page may be)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from eth_utils.address import to_checksum_address

from credstack.catalog import content_uri
from credstack.registry import Registry
from credstack.verify import verify_holder, verify_memberships, verify_token

T = TypeVar("T")
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_CLASS_DOCS_TTL = 5.0  # how often the document directories are rescanned on a miss


def holder_address(text: str) -> str | None:
    """``text`` as a checksummed address, or None if it is not one. All
    lower- or upper-case is accepted (a visitor pastes what a wallet shows;
    nothing is sent to it); mixed case must carry a right EIP-55 checksum."""
    if not ADDRESS.match(text):
        return None
    checksummed = to_checksum_address(text)
    body = text[2:]
    if body not in (body.lower(), body.upper()) and checksummed != text:
        return None
    if int(text, 16) == 0:
        return None
    return checksummed


def safe_url(value: Any) -> str | None:
    """An issuer's URL if it is http(s) (never ``javascript:`` or ``data:``)."""
    if isinstance(value, str) and re.match(r"^https?://[^\s\"'<>]+$", value):
        return value
    return None


class ClassDocuments:
    """Class documents (Open Badges 3.0 Achievements) found in directories,
    by content address: a file whose bytes hash to a class's on-chain URI
    (out/metadata, as `catalog apply` writes), or whose ``id`` is that URI
    (an export's achievements/)."""

    def __init__(self, directories: list[Path]) -> None:
        self.directories = directories
        self._by_uri: dict[str, dict[str, Any]] = {}
        self._scanned = 0.0
        self._lock = threading.Lock()

    def _scan(self) -> None:
        found: dict[str, dict[str, Any]] = {}
        for directory in self.directories:
            if not directory.is_dir():
                continue
            for path in sorted(directory.glob("*.json")):
                try:
                    data = path.read_bytes()
                    doc = json.loads(data)
                except (OSError, ValueError):
                    continue
                if not isinstance(doc, dict):
                    continue
                found.setdefault(content_uri(data), doc)
                if isinstance(doc.get("id"), str):
                    found.setdefault(doc["id"], doc)
        self._by_uri = found

    def get(self, uri: str) -> dict[str, Any] | None:
        """The document whose content address (or id) is ``uri``, if any."""
        with self._lock:
            now = time.monotonic()
            if uri not in self._by_uri and now - self._scanned > _CLASS_DOCS_TTL:
                self._scan()
                self._scanned = now
            return self._by_uri.get(uri)


def achievement_view(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    """The parts of a class document a page shows: description, criteria,
    job-task alignments (their URLs only when http(s))."""
    if doc is None:
        return None
    criteria = doc.get("criteria")
    alignments = []
    for entry in doc.get("alignment") or []:
        if isinstance(entry, dict):
            alignments.append(
                {
                    "task": str(entry.get("targetName", "")),
                    "framework": str(entry.get("targetFramework", "")),
                    "code": str(entry.get("targetCode", "")),
                    "url": safe_url(entry.get("targetUrl")),
                }
            )
    return {
        "name": str(doc.get("name", "")),
        "type": str(doc.get("achievementType", "")),
        "description": str(doc.get("description", "")),
        "criteria": str(criteria.get("narrative", "")) if isinstance(criteria, dict) else "",
        "alignments": alignments,
    }


class Reads:
    """The app's reads, cached for ``cache_seconds`` (0: no cache)."""

    def __init__(
        self,
        registry: Registry | None,
        *,
        memberships: Any = None,
        pathways: Any = None,
        documents: ClassDocuments | None = None,
        index_path: Path | None = None,
        cache_seconds: float = 2.0,
        serialize: bool = True,
    ) -> None:
        self.registry = registry
        self.memberships = memberships
        self.pathways = pathways
        self.documents = documents or ClassDocuments([])
        self.index_path = index_path
        self.cache_seconds = cache_seconds
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()
        # ape's embedded chain (EthTester) is not thread-safe; an RPC node is.
        self._chain_lock: threading.Lock | None = threading.Lock() if serialize else None

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()``, or its value from less than ``cache_seconds`` ago."""
        now = time.monotonic()
        if self.cache_seconds > 0:
            with self._cache_lock:
                hit = self._cache.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]  # type: ignore[no-any-return]
        if self._chain_lock is not None:
            with self._chain_lock:
                value = compute()
        else:
            value = compute()
        if self.cache_seconds > 0:
            with self._cache_lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[key] = (now + self.cache_seconds, value)
        return value

    def serialized(self, compute: Callable[[], T]) -> T:
        """``compute()`` under the chain lock (uncached): for reads made
        elsewhere, such as the Open Badges verifier's chain check."""
        if self._chain_lock is None:
            return compute()
        with self._chain_lock:
            return compute()

    def _registry(self) -> Registry:
        if self.registry is None:
            raise RuntimeError("no registry: the app was started without a chain")
        return self.registry

    # A credential

    def token(self, token_id: int) -> dict[str, Any]:
        """``verify_token``'s record, plus the class document's achievement
        (``achievement``: None when no document matches the class URI), the
        holder's progress on the pathways the class counts for, and the
        token's history from the index (None without one)."""
        return self._cached(("token", token_id), lambda: self._token(token_id))

    def _token(self, token_id: int) -> dict[str, Any]:
        record = verify_token(self._registry(), token_id)
        if not record["exists"]:
            return record
        record["achievement"] = achievement_view(self.documents.get(record["class_uri"]))
        record["pathways"] = self._pathways(record["holder"], record["class_id"])
        record["history"] = self._history(token_id)
        return record

    def _pathways(self, holder: str, class_id: int | None = None) -> list[dict[str, Any]]:
        """Progress of ``holder`` on each pathway (that counts ``class_id``,
        or in which the holder has a part or a claim)."""
        if self.pathways is None:
            return []
        created = self.pathways.created()
        if not created:
            return []
        held = self._registry().held(holder)
        claimed = self.pathways.claimed()
        rows = []
        for pathway in created:
            classes = {c for c, _, _ in pathway.rules.options}
            if class_id is not None and class_id not in classes:
                continue
            progress = self.pathways.progress(pathway.pathway_id, holder, held=held)
            claim = claimed.get((pathway.pathway_id, holder), 0)
            if class_id is None and not (progress.tokens or claim):
                continue
            rows.append(
                {
                    "pathway_id": pathway.pathway_id,
                    "name": pathway.name,
                    "parts_held": progress.parts_held,
                    "parts_required": progress.parts_required,
                    "complete": progress.complete,
                    "claimable": progress.claimable,
                    "claimed_token": claim or progress.claimed_token or None,
                    "tokens": list(progress.tokens),
                }
            )
        return rows

    def _history(self, token_id: int) -> list[dict[str, Any]] | None:
        """The token's events from the analytics index (``credentials``
        view), oldest first; None without an index or when it cannot be read
        (another process writing it, say)."""
        if self.index_path is None or not self.index_path.is_file():
            return None
        import duckdb

        try:
            with duckdb.connect(str(self.index_path), read_only=True) as con:
                row = con.execute(
                    "SELECT history FROM credentials WHERE CAST(token_id AS VARCHAR) = ?",
                    [str(token_id)],
                ).fetchone()
        except duckdb.Error:
            return None
        if row is None or row[0] is None:
            return []
        return [
            {
                "at": int(e["at"].timestamp()) if hasattr(e["at"], "timestamp") else e["at"],
                "event": str(e["event"]),
                "holder": str(e["holder"]),
            }
            for e in row[0]
        ]

    # A holder

    def holder(self, address: str) -> dict[str, Any]:
        """Every credential ``address`` has had and still holds (any
        status), its memberships and its pathway progress."""
        return self._cached(("holder", address), lambda: self._holder(address))

    def _holder(self, address: str) -> dict[str, Any]:
        registry = self._registry()
        credentials = verify_holder(registry, address)
        memberships = (
            verify_memberships(self.memberships, address) if self.memberships is not None else []
        )
        return {
            "holder": address,
            "credentials": credentials,
            "memberships": memberships,
            "pathways": self._pathways(address),
        }

    # Evidence

    def evidence_hash(self, token_id: int) -> bytes | None:
        """The salted evidence hash issued with the token, None if no such token."""

        def read() -> bytes | None:
            event = self._registry().issued_event(token_id)
            return None if event is None else bytes(event.evidence_hash)

        return self._cached(("evidence", token_id), read)
