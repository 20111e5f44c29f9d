"""What the web app reads: a credential with its class document, pathway
progress, history, the employers that accept its class for job tasks and
the records employers made of it with its holder's consent; a holder's
credentials, memberships and pathways; the evidence hash of a token. Chain
reads go through credstack.registry, credstack.verify, credstack.pathways
and credstack.employers, behind one lock on ape's embedded
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
from credstack.employers import KIND_CLASS, KIND_PATHWAY, OUTCOME_NAMES, Employer
from credstack.registry import Credential, Registry, Status
from credstack.units import format_percent, format_time
from credstack.verify import verify_memberships
from credstack.web.chainreads import ChainReads, Freshness, Head

T = TypeVar("T")
Until = int | None  # the chain time a value is good until (None: until the chain changes)
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
    """The app's reads: raw calls (credstack.web.chainreads), cached while
    the chain does not change, polled at most every ``cache_seconds``
    (0: no cache, every page read anew)."""

    def __init__(
        self,
        registry: Registry | None,
        *,
        memberships: Any = None,
        pathways: Any = None,
        employers: Any = None,
        documents: ClassDocuments | None = None,
        index_path: Path | None = None,
        cache_seconds: float = 2.0,
        serialize: bool = True,
    ) -> None:
        self.registry = registry
        self.memberships = memberships
        self.pathways = pathways
        self.employers = employers
        self.documents = documents or ClassDocuments([])
        self.index_path = index_path
        self.cache_seconds = cache_seconds
        self._cache: dict[tuple[Any, ...], tuple[int, Until, Any]] = {}
        self._cache_lock = threading.Lock()
        # ape's embedded chain (EthTester) is not thread-safe; an RPC node is.
        self._chain_lock: threading.RLock | None = threading.RLock() if serialize else None
        self._fast: ChainReads | None = None
        self._freshness: Freshness | None = None
        self._setup_lock = threading.RLock()

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

    def _chain(self) -> ChainReads:
        with self._setup_lock:
            if self._fast is None:
                self._fast = ChainReads(self._registry(), self.pathways, self.employers)
            return self._fast

    def _poll(self) -> tuple[int, Head]:
        """(cache generation, latest block), polled at most every cache_seconds."""
        with self._setup_lock:
            if self._freshness is None:
                addresses = [self._registry().address]
                for other in (self.pathways, self.memberships, self.employers):
                    if other is not None:
                        addresses.append(other.address)
                self._freshness = Freshness(
                    self._chain_web3(), addresses, max(self.cache_seconds, 0.0)
                )
            freshness = self._freshness
        return freshness.poll()

    def _chain_web3(self) -> Any:
        return self._chain().web3

    def _cached(self, key: tuple[Any, ...], compute: Callable[[Head], tuple[T, Until]]) -> T:
        """``compute(head)``'s value, reused while the chain has not changed
        (and its chain time is before the value's ``until``)."""
        if self.cache_seconds <= 0:
            return self.serialized(lambda: compute(self._chain().head()))[0]
        generation, head = self.serialized(self._poll)
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] == generation and (hit[1] is None or head.timestamp < hit[1]):
            return hit[2]  # type: ignore[no-any-return]
        value, until = self.serialized(lambda: compute(head))
        with self._cache_lock:
            if len(self._cache) > 20_000:
                self._cache.clear()
            self._cache[key] = (generation, until, value)
        return value

    # A credential

    def token(self, token_id: int) -> dict[str, Any]:
        """The record ``ape run verify --token`` gives (credstack.verify),
        plus the class document's achievement (``achievement``: None when no
        document matches the class URI), the holder's progress on the
        pathways the class counts for, and the token's history from the
        index (None without one). With an employer registry, also
        ``endorsements`` (per job task, the active employers accepting the
        class, or a pathway whose credential it is) and ``verifications``
        (the records employers made of it with its holder's consent)."""
        return self._cached(("token", token_id), lambda head: self._token(token_id, head))

    def _token(self, token_id: int, head: Head) -> tuple[dict[str, Any], Until]:
        record, until = self._record(token_id)
        if not record["exists"]:
            return record, None
        record["achievement"] = achievement_view(self.documents.get(record["class_uri"]))
        record["pathways"], more = self._pathways(record["holder"], head, record["class_id"])
        record["history"] = self._history(token_id)
        if self.employers is not None:
            record["endorsements"] = self._endorsements(record["class_id"])
            record["verifications"] = self._verifications(token_id)
        return record, earliest(until, more)

    def _record(self, token_id: int) -> tuple[dict[str, Any], Until]:
        """verify_token's record (same keys and values), from raw calls."""
        registry, fast = self._registry(), self._chain()
        credential = fast.credential(token_id)
        if not credential.exists:
            return {"token_id": token_id, "exists": False, "valid": False, "status": "none"}, None
        klass = self._class_info(credential.class_id)
        event = registry.issued_event(token_id)
        status = credential.status
        reason = ""
        if status == Status.REVOKED:
            reason = f"revoked: {registry.revocation_reason(token_id) or '(no reason found)'}"
        elif status == Status.SUSPENDED:
            reason = "suspended by the issuer"
        elif status == Status.EXPIRED:
            reason = f"expired on {format_time(credential.expires_at)}"
        elif status == Status.BURNED:
            reason = "burned by its holder"
        record: dict[str, Any] = {
            "token_id": token_id,
            "exists": True,
            "valid": status == Status.ACTIVE,
            "status": status.name.lower(),
            "reason": reason,
            "holder": credential.holder,
            "class_id": credential.class_id,
            "class_name": klass.name,
            "class_uri": klass.uri,
            "issuer": klass.issuer,
            "soulbound": not klass.transferable,
            "score": format_percent(credential.score),
            "min_score": format_percent(klass.min_score),
            "expires_at": credential.expires_at,
            "expires": format_time(credential.expires_at),
            "issued_at": None,
            "issued": "",
            "evidence_hash": None,
            "issue_transaction": None,
        }
        if event is not None:
            issued_at = self._block_time(event.block_number)
            record.update(
                issued_at=issued_at,
                issued=format_time(issued_at),
                evidence_hash="0x" + event.evidence_hash.hex(),
                issue_transaction=event.tx_hash,
            )
        return record, expiry(credential)

    def _class_info(self, class_id: int) -> Any:
        """The class (raw eth_call), shared by every page while the chain
        does not change."""
        return self._cached(
            ("class", class_id), lambda head: (self._registry()._class_info_raw(class_id), None)
        )

    def _block_time(self, number: int) -> int:
        return self._cached(
            ("block", number), lambda head: (self._chain().block_time(number), None)
        )

    def _created(self) -> list[Any]:
        assert self.pathways is not None
        return self._cached(("pathways",), lambda head: (self.pathways.created(), None))

    def _claimed(self) -> dict[tuple[int, str], int]:
        assert self.pathways is not None
        return self._cached(("claimed",), lambda head: (self.pathways.claimed(), None))

    def _pathways(
        self, holder: str, head: Head, class_id: int | None = None
    ) -> tuple[list[dict[str, Any]], Until]:
        """Progress of ``holder`` on each pathway (that counts ``class_id``,
        or in which the holder has a part or a claim), and the chain time
        it is good until (a part's expiry)."""
        if self.pathways is None:
            return [], None
        created = self._created()
        if not created:
            return [], None
        fast = self._chain()
        held = fast.held(holder, head.timestamp)
        claimed = self._claimed()
        rows = []
        for pathway in created:
            classes = {c for c, _, _ in pathway.rules.options}
            if class_id is not None and class_id not in classes:
                continue
            parts = self.pathways.candidate_parts(pathway.pathway_id, holder, held)
            tokens = [c.token_id for c in parts]
            progress = fast.progress(pathway.pathway_id, holder, tokens)
            groups = progress["groups"]
            claim = claimed.get((pathway.pathway_id, holder), 0)
            if class_id is None and not (tokens or claim):
                continue
            rows.append(
                {
                    "pathway_id": pathway.pathway_id,
                    "name": pathway.name,
                    "parts_held": sum(min(int(g["counted"]), int(g["required"])) for g in groups),
                    "parts_required": sum(int(g["required"]) for g in groups),
                    "complete": bool(progress["complete"]),
                    "claimable": bool(progress["claimable"]),
                    "claimed_token": claim or int(progress["claimed_token"]) or None,
                    "tokens": tokens,
                }
            )
        return rows, earliest(*(expiry(c) for c in held))

    # Employers

    def _employer_list(self) -> dict[str, Employer]:
        """Every employer ever added, by address (raw calls)."""
        return self._cached(
            ("employers",), lambda head: ({e.address: e for e in self._chain().employers()}, None)
        )

    def _endorsements(self, class_id: int) -> list[dict[str, Any]]:
        """As credstack.verify.endorsements_of: for each job task, the
        active employers standing by an endorsement of the class, or of a
        pathway whose credential is this class; each employer's name, and
        its URL only when http(s)."""

        def read(head: Head) -> tuple[list[dict[str, Any]], Until]:
            assert self.employers is not None
            targets = [("class", KIND_CLASS, class_id, f"class {class_id}")]
            if self.pathways is not None:
                targets += [
                    ("pathway", KIND_PATHWAY, p.pathway_id, f"pathway {p.pathway_id} ({p.name})")
                    for p in self._created()
                    if p.rules.output_class == class_id
                ]
            employers = self._employer_list()
            rows = []
            for kind_name, kind, target_id, label in targets:
                by_task: dict[str, list[Employer]] = {}
                for e in self.employers.endorsements(kind, target_id):
                    who = employers.get(e.employer)
                    if e.active and who is not None and who.active:
                        by_task.setdefault(e.task, []).append(who)
                rows += [
                    {
                        "kind": kind_name,
                        "target_id": target_id,
                        "target": label,
                        "task": task,
                        "count": len(who),
                        "employers": [
                            {"address": w.address, "name": w.name, "url": safe_url(w.url)}
                            for w in who
                        ],
                    }
                    for task, who in by_task.items()
                ]
            return rows, None

        return self._cached(("endorsements", class_id), read)

    def _verifications(self, token_id: int) -> list[dict[str, Any]]:
        """As credstack.verify.verifications_of: the records employers made
        of the credential with its holder's consent, oldest first."""

        def read(head: Head) -> tuple[list[dict[str, Any]], Until]:
            assert self.employers is not None
            employers = self._employer_list()
            rows = []
            for v in self.employers.verifications(token_id=token_id):
                who = employers.get(v.employer)
                at = self._block_time(v.block_number)
                rows.append(
                    {
                        "employer": v.employer,
                        "employer_name": who.name if who is not None else "",
                        "employer_url": safe_url(who.url) if who is not None else None,
                        "holder": v.holder,
                        "outcome": OUTCOME_NAMES.get(v.outcome, str(v.outcome)),
                        "recorded_at": at,
                        "recorded": format_time(at),
                    }
                )
            return rows, None

        return self._cached(("verifications", token_id), read)

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
                "at": int(e["at"].timestamp()) if hasattr(e["at"], "timestamp") else int(e["at"]),
                "event": str(e["event"]),
                "holder": str(e["holder"]),
            }
            for e in row[0]
        ]

    # A holder

    def holder(self, address: str) -> dict[str, Any]:
        """Every credential ``address`` has had and still holds (any
        status, as ``ape run verify --holder``; with an employer registry,
        each with ``consented_records``: how many records employers made of
        it with consent), its memberships and its pathway progress."""
        return self._cached(("holder", address), lambda head: self._holder(address, head))

    def _holder(self, address: str, head: Head) -> tuple[dict[str, Any], Until]:
        registry = self._registry()
        credentials, until = [], None
        for token_id in sorted(registry.tokens_received(address)):
            record, expires = self._record(token_id)
            if record["holder"].lower() == address.lower():
                if self.employers is not None:
                    record["consented_records"] = len(self._verifications(token_id))
                credentials.append(record)
                until = earliest(until, expires)
        memberships = (
            verify_memberships(self.memberships, address) if self.memberships is not None else []
        )
        if memberships:
            # Perk periods turn over with time: good until the next block.
            until = earliest(until, head.timestamp + 1)
        pathways, more = self._pathways(address, head)
        return {
            "holder": address,
            "credentials": credentials,
            "memberships": memberships,
            "pathways": pathways,
        }, earliest(until, more)

    # Evidence

    def evidence_hash(self, token_id: int) -> bytes | None:
        """The salted evidence hash issued with the token, None if no such token."""

        def read(head: Head) -> tuple[bytes | None, Until]:
            event = self._registry().issued_event(token_id)
            return (None if event is None else bytes(event.evidence_hash)), None

        return self._cached(("evidence", token_id), read)


def expiry(credential: Credential) -> Until:
    """When time alone changes the credential's status: its expiry while active."""
    if credential.status == Status.ACTIVE and credential.expires_at:
        return credential.expires_at
    return None


def earliest(*times: Until) -> Until:
    """The earliest of the given times (None: no bound)."""
    bounded = [t for t in times if t is not None]
    return min(bounded) if bounded else None
