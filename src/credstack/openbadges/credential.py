"""Open Badges 3.0 documents for credstack tokens: the OpenBadgeCredential
of one token, the issuer's Profile, and the Achievement taken from the class
document whose content address the chain holds.

Every member uses a term that both the VC 2.0 and the OB 3.0.3 contexts
define (as both independent verifiers hold them; see credstack.openbadges.
jsonld), so JSON-LD expansion drops nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from credstack.catalog import content_uri
from credstack.openbadges import status, urls
from credstack.openbadges.jsonld import CONTEXT, OB_V3, VC_V2
from credstack.units import format_percent

CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
# The IdentifierEntry/IdentityObject type for CAIP ids (an OB 3.0 extension value).
CAIP19 = "ext:caip19"
CAIP10 = "ext:caip10"
# The issuer profile document's one term of its own: the EIP-712 binding, an
# opaque JSON literal (the served profile is not part of any signed credential).
BINDING_TERM = "eip712KeyBinding"
PROFILE_CONTEXT: list[Any] = [
    VC_V2,
    OB_V3,
    {BINDING_TERM: {"@id": "urn:credstack:ob:eip712KeyBinding", "@type": "@json"}},
]


class ExportError(ValueError):
    """Input that cannot become a credential (the message says why)."""


def iso(timestamp: int) -> str:
    """A Unix time as an XML Schema dateTime in UTC (``2026-01-31T12:00:00Z``)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> int:
    """The Unix time of an XML Schema dateTime (ValueError if it is not one)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return int(value.timestamp())


def did_pkh(chain_id: int, address: str) -> str:
    """did:pkh:eip155:<chain id>:<address, lowercase>."""
    return f"did:pkh:eip155:{chain_id}:{address.lower()}"


def parse_did_pkh(value: Any) -> tuple[int, str] | None:
    """(chain id, lowercase address) of a did:pkh eip155 DID, or None."""
    if not isinstance(value, str) or not value.startswith("did:pkh:eip155:"):
        return None
    parts = value.split(":")
    if len(parts) != 5 or not parts[3].isdigit():
        return None
    address = parts[4]
    if len(address) != 42 or not address.startswith("0x"):
        return None
    try:
        int(address[2:], 16)
    except ValueError:
        return None
    return int(parts[3]), address.lower()


def token_identifier(chain_id: int, registry: str, token_id: int) -> str:
    """The token's CAIP-19 asset id: ``eip155:<chain>/erc721:<registry>/<token id>``."""
    return f"eip155:{chain_id}/erc721:{registry.lower()}/{token_id}"


def parse_token_identifier(value: Any) -> tuple[int, str, int] | None:
    """(chain id, registry lowercase, token id) of a CAIP-19 id as above, or None."""
    if not isinstance(value, str) or not value.startswith("eip155:"):
        return None
    try:
        chain, asset, token = value[len("eip155:") :].split("/")
        namespace, registry = asset.split(":")
        if namespace != "erc721" or len(registry) != 42 or not registry.startswith("0x"):
            return None
        int(registry[2:], 16)
        return int(chain), registry.lower(), int(token)
    except ValueError:
        return None


@dataclass(frozen=True)
class ClassDocument:
    """A class document (OB 3.0 Achievement, as ``catalog apply`` writes
    it) and its content address."""

    uri: str
    doc: dict[str, Any]


def load_class_documents(directory: Path) -> dict[str, ClassDocument]:
    """content address -> class document, for every ``*.json`` in ``directory``
    (``out/metadata``: exactly the bytes whose address the chain holds)."""
    found: dict[str, ClassDocument] = {}
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.json")):
        data = path.read_bytes()
        try:
            doc = json.loads(data)
        except ValueError:
            continue
        if isinstance(doc, dict):
            uri = content_uri(data)
            found[uri] = ClassDocument(uri, doc)
    return found


def issuer_profile(
    *, did: str, name: str, issuer: str, chain_id: int, base_url: str
) -> dict[str, Any]:
    """The issuer as the credential embeds it: its did:key (the proof's key),
    name, the profile document's URL, and its Ethereum account as did:pkh."""
    return {
        "id": did,
        "type": ["Profile"],
        "name": name,
        "url": urls.issuer_url(base_url, issuer),
        "otherIdentifier": [
            {
                "type": ["IdentifierEntry"],
                "identifier": did_pkh(chain_id, issuer),
                "identifierType": "identifier",
            }
        ],
    }


def profile_document(profile: dict[str, Any], binding: dict[str, Any]) -> dict[str, Any]:
    """The issuer profile document served at its URL: the embedded profile
    plus the EIP-712 binding (``{"typedData", "signature"}``)."""
    return {"@context": PROFILE_CONTEXT, **profile, BINDING_TERM: binding}


def achievement(klass: ClassDocument, issuer: dict[str, Any]) -> dict[str, Any]:
    """The OB 3.0 Achievement a credential embeds: the class document's
    OB members, its id the content address the chain holds. Dropped:
    ``credstack`` (credstack's own terms: no OB context defines them) and
    alignments without a ``targetUrl`` (OB 3.0 requires one)."""
    doc = klass.doc
    for name in ("name", "description"):
        if not isinstance(doc.get(name), str):
            raise ExportError(f"class document {klass.uri} has no {name}")
    criteria = doc.get("criteria")
    if not isinstance(criteria, dict) or not isinstance(criteria.get("narrative"), str):
        raise ExportError(f"class document {klass.uri} has no criteria narrative")
    found: dict[str, Any] = {
        "id": klass.uri,
        "type": ["Achievement"],
        "name": doc["name"],
        "description": doc["description"],
        "criteria": {"narrative": criteria["narrative"]},
    }
    if isinstance(doc.get("achievementType"), str):
        found["achievementType"] = doc["achievementType"]
    creator = {k: v for k, v in issuer.items() if k in ("id", "type", "name")}
    if isinstance(doc.get("creator"), dict) and isinstance(doc["creator"].get("url"), str):
        creator["url"] = doc["creator"]["url"]
    found["creator"] = creator
    results = []
    for i, rd in enumerate(doc.get("resultDescription") or []):
        if isinstance(rd, dict):
            item = {k: rd[k] for k in ("name", "resultType", "requiredValue") if k in rd}
            results.append({"id": f"{klass.uri}#result-{i}", "type": ["ResultDescription"], **item})
    if results:
        found["resultDescription"] = results
    alignments = [
        {
            "type": ["Alignment"],
            **{
                k: a[k]
                for k in ("targetName", "targetUrl", "targetFramework", "targetCode")
                if k in a
            },
        }
        for a in doc.get("alignment") or []
        if isinstance(a, dict) and a.get("targetUrl") and a.get("targetName")
    ]
    if alignments:
        found["alignment"] = alignments
    return found


@dataclass(frozen=True)
class Token:
    """What the chain says of one credential, with its class document."""

    chain_id: int
    registry: str
    token_id: int
    holder: str
    issuer: str  # the class's issuer address
    klass: ClassDocument
    score: int  # basis points
    issued_at: int
    expires_at: int  # 0: never
    evidence_hash: bytes | None


def issuer_name(klass: ClassDocument, issuer: str) -> str:
    """The issuer's name, from the class document's creator."""
    creator = klass.doc.get("creator")
    if isinstance(creator, dict) and isinstance(creator.get("name"), str) and creator["name"]:
        return str(creator["name"])
    return issuer


def build(token: Token, issuer_did: str, base_url: str) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for ``token``, issued by ``issuer_did``."""
    issuer = issuer_profile(
        did=issuer_did,
        name=issuer_name(token.klass, token.issuer),
        issuer=token.issuer,
        chain_id=token.chain_id,
        base_url=base_url,
    )
    ach = achievement(token.klass, issuer)
    subject: dict[str, Any] = {
        "id": did_pkh(token.chain_id, token.holder),
        "type": ["AchievementSubject"],
        "achievement": ach,
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": token_identifier(token.chain_id, token.registry, token.token_id),
                "identityType": CAIP19,
                "hashed": False,
            }
        ],
    }
    if ach.get("resultDescription"):
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": ach["resultDescription"][0]["id"],
                "value": format_percent(token.score),
            }
        ]
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": urls.credential_url(base_url, token.token_id),
        "type": CREDENTIAL_TYPE,
        "name": ach["name"],
        "issuer": issuer,
        "validFrom": iso(token.issued_at),
    }
    if token.expires_at:
        doc["validUntil"] = iso(token.expires_at)
    doc["credentialSubject"] = subject
    if token.evidence_hash is not None and any(token.evidence_hash):
        doc["evidence"] = [
            {
                "type": ["Evidence"],
                "name": "Salted evidence hash",
                "description": "keccak256(salt || sha256(document)) = 0x"
                + token.evidence_hash.hex()
                + " (the document stays with the holder; the salt is in the issuer's receipt)",
                "genre": "salted-hash",
            }
        ]
    doc["credentialStatus"] = [
        status.entry(urls.status_url(base_url, token.issuer, purpose), purpose, token.token_id)
        for purpose in status.PURPOSES
    ]
    return doc
