"""JSON-LD for Open Badges 3.0, offline: the two contexts a credstack
credential names, served from files this package ships, RDFC-1.0
canonicalization (pyld's URDNA2015), and the check that expansion drops
no member.

The shipped contexts (``contexts/``):

- ``credentials-v2.json``: https://www.w3.org/ns/credentials/v2, the W3C
  VC 2.0 context, byte for byte the copy openbadgeslib ships and the one the
  npm security-document-loader holds.
- ``ob-v3p0-context-3.0.3.json``: the OB 3.0.3 context as the npm loader
  holds it, which is openbadgeslib's copy without ``endorsementJwt`` and
  ``jti`` (openbadgeslib defines those two, the npm copy does not). Every
  other term is defined alike in both, so a credential using only these
  terms canonicalizes to the same N-Quads in both verifiers, and one using
  ``endorsementJwt`` or ``jti`` is refused here (expansion would drop it).

Nothing is ever fetched: any other URL is an error.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT = [VC_V2, OB_V3]
# Status list credentials are plain VC 2.0 (BitstringStatusList* are VC 2.0 terms).
STATUS_CONTEXT = [VC_V2]
_FILES = {VC_V2: "credentials-v2.json", OB_V3: "ob-v3p0-context-3.0.3.json"}


class JsonLdError(ValueError):
    """A document that cannot be processed offline, or whose expansion
    would lose a member."""


@cache
def context_document(url: str) -> dict[str, Any]:
    """The shipped context document for ``url`` (JsonLdError for any other)."""
    name = _FILES.get(url)
    if name is None:
        raise JsonLdError(f"context {url!r} is not one this tool ships (nothing is fetched)")
    text = resources.files("credstack.openbadges").joinpath("contexts", name).read_text()
    doc: dict[str, Any] = json.loads(text)
    return doc


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's document loader over the shipped contexts only. Tagged
    ``static`` so pyld keeps the processed context across calls (untagged,
    it processes both contexts again for every document: 5 times slower)."""
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": copy.deepcopy(context_document(url)),
        "tag": "static",
    }


_OPTIONS: dict[str, Any] = {"documentLoader": document_loader}
# Processed contexts, by the active context's id and the local context.
_PROCESSED: dict[tuple[Any, ...], Any] = {}
_PROCESSED_MAX = 1024


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor, keeping the contexts it processes. pyld caches a
    processed context by the active context's id, but a type-scoped context
    (OB 3.0's Achievement, Profile, Result...) is processed against a fresh
    clone every time, so every document pays for processing each scoped
    context again: 70% of the signer's time. Here the result is kept by the
    parent active context's id and the local context: the same inputs give
    the same (never modified) processed context. Tests compare this
    processor's expansions with pyld's own."""

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        parent = active_ctx.get("_uuid") if isinstance(active_ctx, dict) else None
        key: tuple[Any, ...] | None = None
        if parent is not None and not cycles:
            try:
                text = (
                    local_ctx
                    if isinstance(local_ctx, str)
                    else json.dumps(local_ctx, sort_keys=True)
                )
                key = (parent, text, override_protected, propagate, validate_scoped)
            except (TypeError, ValueError):
                key = None
        if key is not None and (hit := _PROCESSED.get(key)) is not None:
            return hit
        processed = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if key is not None:
            if len(_PROCESSED) >= _PROCESSED_MAX:
                _PROCESSED.clear()
            _PROCESSED[key] = processed
        return processed


def canonize(doc: dict[str, Any] | list[Any]) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of ``doc``."""
    try:
        text: str = _Processor().normalize(
            doc,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": document_loader,
            },
        )
    except jsonld.JsonLdError as err:
        raise JsonLdError(_jsonld_message(err)) from None
    return text


def canonize_expanded(expanded: list[Any]) -> str:
    """``canonize`` of a document already expanded (``expand``): pyld's
    to_rdf without expanding again (expansion is the costly half), then
    URDNA2015. Same N-Quads as ``canonize`` of the compacted document."""
    try:
        processor = jsonld.JsonLdProcessor()
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        processor._create_node_map(expanded, node_map, "@default", issuer)
        options = {
            "produceGeneralizedRdf": False,
            "format": "application/n-quads",
            "processingMode": "json-ld-1.1",
        }
        dataset = {
            name: processor._graph_to_rdf(graph, issuer, options)
            for name, graph in sorted(node_map.items())
            if name == "@default" or jsonld._is_absolute_iri(name)
        }
        text: str = URDNA2015().main(dataset, options)
    except jsonld.JsonLdError as err:
        raise JsonLdError(_jsonld_message(err)) from None
    return text


def _jsonld_message(err: Exception) -> str:
    """pyld's error in one bounded line, with its cause (an unknown context)."""
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, JsonLdError):
            return str(cause)
        cause = cause.__cause__
    text = " ".join(str(err).split())
    return text[:200] + ("..." if len(text) > 200 else "")


def leaves(value: Any, *, top: bool = True) -> int:
    """How many scalar values (strings, numbers, booleans) a compacted JSON
    value holds, outside any ``@context``."""
    if isinstance(value, dict):
        return sum(leaves(v, top=False) for k, v in value.items() if k != "@context")
    if isinstance(value, list):
        return sum(leaves(v, top=False) for v in value)
    return 0 if value is None else 1


def _expanded_leaves(value: Any) -> int:
    """How many values an expanded JSON-LD document carries: each ``@id``,
    each ``@type`` of a node, each ``@value`` (a ``@json`` literal counts its
    own scalars)."""
    if isinstance(value, list):
        return sum(_expanded_leaves(v) for v in value)
    if not isinstance(value, dict):
        return 0
    if "@value" in value:
        if value.get("@type") == "@json":
            return leaves(value["@value"])
        return 1
    count = 0
    for key, item in value.items():
        if key == "@id":
            count += 1
        elif key == "@type":
            count += len(item) if isinstance(item, list) else 1
        else:
            count += _expanded_leaves(item)
    return count


def expand(doc: dict[str, Any]) -> list[Any]:
    """The JSON-LD expansion of ``doc``, with the shipped contexts."""
    try:
        expanded: list[Any] = _Processor().expand(doc, _OPTIONS)
    except jsonld.JsonLdError as err:
        raise JsonLdError(_jsonld_message(err)) from None
    return expanded


def lost_values(doc: dict[str, Any]) -> int:
    """How many of ``doc``'s values JSON-LD expansion drops."""
    return leaves(doc) - _expanded_leaves(expand(doc))


def dropped_members(doc: dict[str, Any]) -> list[str]:
    """Members of ``doc`` (dotted paths) whose term no context defines,
    which JSON-LD expansion would silently drop; empty when nothing is."""
    lost = lost_values(doc)
    if lost == 0:
        return []
    work = json.loads(json.dumps(doc))
    return _culprits(work, work, [], lost) or [f"{lost} value(s)"]


def _culprits(root: dict[str, Any], node: Any, path: list[str | int], lost: int) -> list[str]:
    """Dotted paths of the members under ``node`` that expansion drops
    (``lost``: what the whole of ``root`` loses)."""
    found: list[str] = []
    items: list[tuple[Any, Any]]
    if isinstance(node, list):
        items = list(enumerate(node))
    elif isinstance(node, dict):
        items = [(k, v) for k, v in node.items() if not str(k).startswith("@")]
    else:
        return found
    for key, value in items:
        if not isinstance(node, dict):
            found += _culprits(root, value, [*path, key], lost)
            continue
        del node[key]
        try:
            without = lost_values(root)
        finally:
            node[key] = value
        if without < lost:
            inner = _culprits(root, value, [*path, key], lost)
            found += inner or [".".join(str(p) for p in [*path, key])]
    return found


def require_no_dropped_members(doc: dict[str, Any]) -> list[Any]:
    """The expansion of ``doc``; JsonLdError if it drops a member."""
    expanded = expand(doc)
    if leaves(doc) != _expanded_leaves(expanded):
        dropped = dropped_members(doc)
        raise JsonLdError(
            "JSON-LD expansion drops " + ", ".join(dropped) + " (no context defines the term)"
        )
    return expanded
