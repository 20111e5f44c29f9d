"""Verify an Open Badges 3.0 credential someone hands you: five checks,
each with a reason a person can read.

- schema: what 1EdTech's AchievementCredential JSON schema requires.
- proof: the eddsa-rdfc-2022 proof verifies with the issuer's did:key, and
  every member is signed (JSON-LD expansion drops none).
- issuer binding: the issuer profile document (fetched through the
  ``status_list`` callable, which maps the export's URLs to documents) holds
  an EIP-712 signature by the issuer's Ethereum account over that key, and
  the registry gives that account the issuer role.
- status: the revocation and suspension status lists (signed by the same
  key) leave the credential's bits clear, and it is within its validity.
- chain: the token on chain agrees: holder, class (content address), issuer,
  score, expiry, and its status now.

Hostile input gives a Verdict, never an exception: the document is screened
(size, depth, no blank node inside another, so RDF canonicalization stays
linear) before any JSON-LD processing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from credstack.openbadges import binding, proof, schema, status
from credstack.openbadges.credential import (
    BINDING_TERM,
    parse_did_pkh,
    parse_iso,
    parse_token_identifier,
)
from credstack.openbadges.jsonld import (
    CONTEXT,
    STATUS_CONTEXT,
    dropped_members,
    leaves,
    lost_values,
)
from credstack.units import format_percent

CHECKS = ("schema", "proof", "issuer binding", "status", "chain")
MAX_DOCUMENT_BYTES = 256 * 1024
MAX_LIST_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 12
MAX_OBJECTS = 400

Fetch = Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checks: list[Check] = field(default_factory=list)
    token_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The verdict as JSON: ok, token id, and each check."""
        return {
            "ok": self.ok,
            "token_id": self.token_id,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


class _Fail(Exception):
    """A check's failure, with the reason."""


def _screen(doc: Any, limit: int) -> None:
    """_Fail unless ``doc`` is small, shallow, keyword-free JSON whose blank
    nodes (objects without id) hold no other blank node."""
    if not isinstance(doc, dict):
        raise _Fail("not a JSON object")
    try:
        size = len(json.dumps(doc, ensure_ascii=False).encode())
    except (TypeError, ValueError, RecursionError):
        raise _Fail("not plain JSON") from None
    if size > limit:
        raise _Fail(f"document is {size} bytes, more than {limit}")
    count = 0

    def walk(node: Any, depth: int, in_blank: bool, top: bool) -> None:
        nonlocal count
        if depth > MAX_DEPTH:
            raise _Fail(f"document nests deeper than {MAX_DEPTH}")
        if isinstance(node, list):
            for item in node:
                walk(item, depth + 1, in_blank, False)
            return
        if not isinstance(node, dict):
            return
        count += 1
        if count > MAX_OBJECTS:
            raise _Fail(f"document has more than {MAX_OBJECTS} objects")
        for key in node:
            if key.startswith("@") and not (top and key == "@context"):
                raise _Fail(f"JSON-LD keyword {key!r} is not allowed here")
        ident = node.get("id")
        blank = not (isinstance(ident, str) and ident and not ident.startswith("_:"))
        if blank and in_blank and not top:
            raise _Fail("a blank node holds another blank node (refused: canonicalization cost)")
        for key, value in node.items():
            if key == "@context":
                continue
            # The proof is canonicalized apart from the document.
            walk(value, depth + 1, blank and not top and key != "proof", False)

    walk(doc, 0, False, True)


def _issuer_id(doc: dict[str, Any]) -> str:
    issuer = doc.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    raise _Fail("no issuer id")


def _signed_by_issuer(doc: dict[str, Any], contexts: list[str], limit: int) -> str:
    """The verification method of ``doc``'s proof, checked to be the
    issuer's did:key; _Fail with the reason otherwise."""
    _screen(doc, limit)
    if doc.get("@context") != contexts:
        raise _Fail(f"@context must be exactly {contexts} (nothing else is loaded offline)")
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    if (lost := lost_values(unsecured)) != 0:
        names = dropped_members(unsecured) if leaves(unsecured) <= 300 else [f"{lost} value(s)"]
        raise _Fail("unsigned members no context defines: " + ", ".join(names))
    try:
        vm = proof.verify(doc)
    except proof.ProofError as err:
        raise _Fail(str(err)) from None
    issuer = _issuer_id(doc)
    if vm.partition("#")[0] != issuer:
        raise _Fail(f"signed by {vm}, which is not the issuer {issuer}")
    return vm


def _subject(doc: dict[str, Any]) -> dict[str, Any]:
    subject = doc.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict):
        raise _Fail("no credentialSubject")
    return subject


def _token(doc: dict[str, Any]) -> tuple[int, str, int]:
    """(chain id, registry, token id) the credential names."""
    try:
        idents = _subject(doc).get("identifier")
    except _Fail:
        idents = None
    for ident in idents if isinstance(idents, list) else [idents]:
        if isinstance(ident, dict) and (found := parse_token_identifier(ident.get("identityHash"))):
            return found
    raise _Fail("the credential names no token (no CAIP-19 identifier)")


def _issuer_account(doc: dict[str, Any]) -> tuple[int, str]:
    """(chain id, address) of the issuer's Ethereum account the credential names."""
    issuer = doc.get("issuer")
    entries = issuer.get("otherIdentifier") if isinstance(issuer, dict) else None
    for entry in entries if isinstance(entries, list) else [entries]:
        if isinstance(entry, dict) and (found := parse_did_pkh(entry.get("identifier"))):
            return found
    raise _Fail("the issuer names no Ethereum account (did:pkh)")


def _fetch(fetch: Fetch | None, url: Any, what: str) -> dict[str, Any]:
    if fetch is None:
        raise _Fail(f"{what} not available")
    if not isinstance(url, str):
        raise _Fail(f"no {what} URL")
    try:
        found = fetch(url)
    except Exception as err:  # the caller's fetcher: any failure is "not available"
        raise _Fail(f"{what} {url} not available ({type(err).__name__})") from None
    if not isinstance(found, dict):
        raise _Fail(f"{what} {url} not available")
    return found


def _check_schema(doc: Any) -> str:
    if problems := schema.problems(doc):
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        raise _Fail("; ".join(problems[:3]) + more)
    return "has every member the OB 3.0 AchievementCredential schema requires"


def _check_proof(doc: Any) -> str:
    if not isinstance(doc, dict):
        raise _Fail("not a JSON object")
    vm = _signed_by_issuer(doc, CONTEXT, MAX_DOCUMENT_BYTES)
    return f"eddsa-rdfc-2022 proof verifies with the issuer's key {vm.partition('#')[0]}"


def _check_binding(doc: Any, registry: Any, fetch: Fetch | None) -> str:
    if not isinstance(doc, dict):
        raise _Fail("not a JSON object")
    issuer_id = _issuer_id(doc)
    issuer = doc.get("issuer")
    url = issuer.get("url") if isinstance(issuer, dict) else None
    profile = _fetch(fetch, url, "issuer profile")
    if profile.get("id") != issuer_id:
        raise _Fail(f"the profile at {url} is not the issuer {issuer_id}'s")
    signer, chain_id, key, profile_url = binding.recover(profile.get(BINDING_TERM))
    if key.partition("#")[0] != issuer_id:
        raise _Fail(f"the binding names key {key}, not the issuer's {issuer_id}")
    if profile_url != url:
        raise _Fail(f"the binding is for the profile {profile_url}, not {url}")
    named_chain, named = _issuer_account(doc)
    if (named_chain, named) != (chain_id, signer.lower()):
        raise _Fail(f"the binding is signed by {signer} on chain {chain_id}, not the issuer named")
    if registry is None:
        raise _Fail(f"key bound by {signer} (EIP-712); no chain to check it is an issuer")
    if not registry.is_issuer(signer):
        raise _Fail(f"key bound by {signer}, which the registry does not give the issuer role")
    return f"key bound by {signer} (EIP-712), an issuer on registry {registry.address}"


def _check_status(doc: Any, fetch: Fetch | None, now: int) -> str:
    if not isinstance(doc, dict):
        raise _Fail("not a JSON object")
    issuer_id = _issuer_id(doc)
    for key, later in (("validFrom", False), ("validUntil", True)):
        if isinstance(doc.get(key), str):
            try:
                moment = parse_iso(doc[key])
            except ValueError:
                raise _Fail(f"{key} is not a date") from None
            if later and now >= moment:
                raise _Fail(f"expired on {doc[key]}")
            if not later and now < moment:
                raise _Fail(f"not valid before {doc[key]}")
    entries = doc.get("credentialStatus")
    entries = entries if isinstance(entries, list) else [entries]
    entries = [e for e in entries if isinstance(e, dict)]
    purposes = {e.get("statusPurpose") for e in entries}
    if not set(status.PURPOSES) <= purposes:
        raise _Fail("no revocation and suspension status entries")
    seen = []
    for entry in entries:
        purpose = entry.get("statusPurpose")
        if entry.get("type") != "BitstringStatusListEntry" or purpose not in status.PURPOSES:
            raise _Fail(f"unsupported status entry {entry.get('type')!r}")
        index_text = entry.get("statusListIndex")
        if not (isinstance(index_text, str) and index_text.isdigit()):
            raise _Fail("statusListIndex is not a number")
        url = entry.get("statusListCredential")
        listed = _fetch(fetch, url, "status list")
        try:
            _signed_by_issuer(listed, STATUS_CONTEXT, MAX_LIST_BYTES)
        except _Fail as err:
            raise _Fail(f"status list {url}: {err}") from None
        types = listed.get("type")
        subject = listed.get("credentialSubject")
        if (
            not isinstance(types, list)
            or "BitstringStatusListCredential" not in types
            or not isinstance(subject, dict)
            or subject.get("statusPurpose") != purpose
        ):
            raise _Fail(f"{url} is not a {purpose} status list")
        if _issuer_id(listed) != issuer_id:
            raise _Fail(f"status list {url} has another issuer")
        try:
            bits = status.decode(str(subject.get("encodedList")))
            set_bit = status.bit(bits, int(index_text))
        except (status.StatusListError, IndexError) as err:
            raise _Fail(f"status list {url}: {err}") from None
        if set_bit:
            raise _Fail(f"{'revoked' if purpose == 'revocation' else 'suspended'} ({url})")
        seen.append(purpose)
    return "not revoked, not suspended (status lists signed by the issuer), within its dates"


def _check_chain(doc: Any, registry: Any) -> str:
    if registry is None:
        raise _Fail("no chain")
    if not isinstance(doc, dict):
        raise _Fail("not a JSON object")
    from ape import chain

    from credstack.registry import Status

    chain_id, address, token_id = _token(doc)
    if chain_id != chain.chain_id or address != registry.address.lower():
        raise _Fail(
            f"names registry {address} on chain {chain_id}, not {registry.address} on "
            f"chain {chain.chain_id}"
        )
    credential = registry.credential(token_id)
    if not credential.exists:
        raise _Fail(f"token {token_id} does not exist")
    klass = registry.class_info(credential.class_id)
    subject = _subject(doc)
    holder = parse_did_pkh(subject.get("id"))
    if holder != (chain_id, credential.holder.lower()):
        raise _Fail(f"token {token_id} is held by {credential.holder}, not {subject.get('id')}")
    achievement = subject.get("achievement")
    if not isinstance(achievement, dict) or achievement.get("id") != klass.uri:
        raise _Fail(f"the achievement is not class {credential.class_id}'s document {klass.uri}")
    if _issuer_account(doc) != (chain_id, klass.issuer.lower()):
        raise _Fail(f"class {credential.class_id} is issued by {klass.issuer}")
    results = subject.get("result")
    values = [r.get("value") for r in results if isinstance(r, dict)] if results else []
    if format_percent(credential.score) not in values:
        raise _Fail(f"the chain records score {format_percent(credential.score)}")
    until = doc.get("validUntil")
    if (until is None) != (credential.expires_at == 0) or (
        until is not None
        and (not isinstance(until, str) or parse_iso(until) != credential.expires_at)
    ):
        raise _Fail("the expiry differs from the chain's")
    if credential.status == Status.REVOKED:
        reason = registry.revocation_reason(token_id) or "(no reason found)"
        raise _Fail(f"token {token_id} is revoked on chain: {reason}")
    if credential.status != Status.ACTIVE:
        raise _Fail(f"token {token_id} is {credential.status.name.lower()} on chain")
    return f"token {token_id} on registry {registry.address} agrees and is valid"


def _now(registry: Any | None) -> int:
    """The time a credential is judged at: the chain's (its next block)
    when there is a registry, as its statuses are; else the clock."""
    if registry is not None:
        try:
            from ape import chain

            return int(chain.pending_timestamp)
        except Exception:  # no provider: the clock
            pass
    return int(time.time())


def verify_document(
    doc: Any,
    *,
    registry: Any | None,
    status_list: Fetch | None = None,
    now: int | None = None,
) -> Verdict:
    """The five checks of a parsed credential. ``registry`` (a
    credstack.registry.Registry) for the issuer role and the chain check;
    ``status_list`` maps a URL of the export (status lists, and the issuer
    profile) to its parsed document, or None; ``now`` (Unix time) defaults
    to the chain's time with a registry, else the clock."""
    moment = now if now is not None else _now(registry)
    runs: list[tuple[str, Callable[[], str]]] = [
        ("schema", lambda: _check_schema(doc)),
        ("proof", lambda: _check_proof(doc)),
        ("issuer binding", lambda: _check_binding(doc, registry, status_list)),
        ("status", lambda: _check_status(doc, status_list, moment)),
        ("chain", lambda: _check_chain(doc, registry)),
    ]
    checks = []
    for name, run in runs:
        try:
            checks.append(Check(name, True, run()))
        except _Fail as err:
            checks.append(Check(name, False, str(err)))
        except Exception as err:  # hostile input must give a verdict
            detail = " ".join(str(err).split())[:200]
            checks.append(Check(name, False, f"could not check: {type(err).__name__}: {detail}"))
    try:
        token_id: int | None = _token(doc)[2] if isinstance(doc, dict) else None
    except Exception:
        token_id = None
    return Verdict(all(c.ok for c in checks), checks, token_id)
