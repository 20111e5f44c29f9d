"""What 1EdTech's AchievementCredential JSON schema (OB 3.0,
ob_v3p0_achievementcredential_schema.json) requires, as checks on a parsed
document: each problem is one line naming the member.

Required by the schema and checked here: ``@context`` (the VC 2.0 context
first, then an OB 3.0 context), ``type`` (holding ``VerifiableCredential``
and ``OpenBadgeCredential`` or ``AchievementCredential``), ``id``, ``name``,
``issuer`` (a Profile: ``id``, ``type`` holding ``Profile``), ``validFrom``,
``credentialSubject`` (``type`` holding ``AchievementSubject``,
``achievement`` with ``id``, ``type`` holding ``Achievement``, ``criteria``
(``id`` or ``narrative``), ``description``, ``name``); and, where present,
each ``result`` (``type`` holding ``Result``), ``evidence`` (``Evidence``),
``identifier`` (IdentityObject: ``identityHash``, ``identityType``,
``hashed``), ``otherIdentifier`` (IdentifierEntry: ``identifier``,
``identifierType``), ``alignment`` (``targetName``, ``targetUrl``),
``resultDescription`` (``id``, ``name``, ``resultType``),
``credentialStatus`` (``id``, ``type``) and the dates (dateTime with zone).
"""

from __future__ import annotations

import re
from typing import Any

from credstack.openbadges.jsonld import VC_V2

OB_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d+\.\d+)?\.json$")
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
IDENTIFIER_TYPE = re.compile(
    r"^(name|sourcedId|systemId|productId|userName|accountId|emailAddress|"
    r"nationalIdentityNumber|isbn|issn|lisSourcedId|oneRosterSourcedId|sisSourcedId|"
    r"ltiContextId|ltiDeploymentId|ltiToolId|ltiPlatformId|ltiUserId|identifier|"
    r"ext:[a-zA-Z0-9._-]+)$"
)


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _has_type(node: Any, name: str) -> bool:
    return isinstance(node, dict) and name in _types(node.get("type"))


def _text(node: dict[str, Any], key: str) -> bool:
    return isinstance(node.get(key), str) and bool(node[key])


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def problems(doc: Any) -> list[str]:
    """Every way ``doc`` falls short of the AchievementCredential schema."""
    if not isinstance(doc, dict):
        return ["not a JSON object"]
    found: list[str] = []
    context = doc.get("@context")
    if (
        not isinstance(context, list)
        or len(context) < 2
        or context[0] != VC_V2
        or not any(isinstance(c, str) and OB_CONTEXT.match(c) for c in context[1:])
    ):
        found.append("@context: must be the VC 2.0 context, then an OB 3.0 context")
    types = _types(doc.get("type"))
    if "VerifiableCredential" not in types or not (
        "OpenBadgeCredential" in types or "AchievementCredential" in types
    ):
        found.append("type: must hold VerifiableCredential and OpenBadgeCredential")
    for key in ("id", "name"):
        if not _text(doc, key):
            found.append(f"{key}: missing")
    issuer = doc.get("issuer")
    if not isinstance(issuer, dict) or not _text(issuer, "id") or not _has_type(issuer, "Profile"):
        found.append("issuer: must be a Profile with id and type")
    else:
        found += _identifier_entries(issuer, "issuer")
    for key in ("validFrom", "validUntil"):
        if key in doc and not (isinstance(doc[key], str) and DATE_TIME.match(doc[key])):
            found.append(f"{key}: not a dateTime with a time zone")
    if "validFrom" not in doc:
        found.append("validFrom: missing")
    subjects = _list(doc.get("credentialSubject"))
    if len(subjects) != 1 or not isinstance(subjects[0], dict):
        found.append("credentialSubject: missing")
    else:
        found += _subject(subjects[0])
    for i, item in enumerate(_list(doc.get("evidence"))):
        if not _has_type(item, "Evidence"):
            found.append(f"evidence[{i}]: type must hold Evidence")
    for i, item in enumerate(_list(doc.get("credentialStatus"))):
        if not isinstance(item, dict) or not _text(item, "type"):
            found.append(f"credentialStatus[{i}]: needs a type")
    return found


def _identifier_entries(node: dict[str, Any], where: str) -> list[str]:
    found = []
    for i, item in enumerate(_list(node.get("otherIdentifier"))):
        if (
            not _has_type(item, "IdentifierEntry")
            or not _text(item, "identifier")
            or not IDENTIFIER_TYPE.match(str(item.get("identifierType")))
        ):
            found.append(f"{where}.otherIdentifier[{i}]: not an IdentifierEntry")
    return found


def _subject(subject: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if not _has_type(subject, "AchievementSubject"):
        found.append("credentialSubject.type: must hold AchievementSubject")
    ach = subject.get("achievement")
    if not isinstance(ach, dict):
        return [*found, "credentialSubject.achievement: missing"]
    where = "credentialSubject.achievement"
    if not _has_type(ach, "Achievement"):
        found.append(f"{where}.type: must hold Achievement")
    for key in ("id", "name", "description"):
        if not _text(ach, key):
            found.append(f"{where}.{key}: missing")
    criteria = ach.get("criteria")
    if not isinstance(criteria, dict) or not (
        _text(criteria, "id") or _text(criteria, "narrative")
    ):
        found.append(f"{where}.criteria: needs an id or a narrative")
    creator = ach.get("creator")
    if creator is not None and (not isinstance(creator, dict) or not _has_type(creator, "Profile")):
        found.append(f"{where}.creator: not a Profile")
    for i, rd in enumerate(_list(ach.get("resultDescription"))):
        if not _has_type(rd, "ResultDescription") or not all(
            _text(rd, k) for k in ("id", "name", "resultType")
        ):
            found.append(f"{where}.resultDescription[{i}]: needs id, type, name, resultType")
    for i, al in enumerate(_list(ach.get("alignment"))):
        if not _has_type(al, "Alignment") or not (
            _text(al, "targetName") and _text(al, "targetUrl")
        ):
            found.append(f"{where}.alignment[{i}]: needs type, targetName, targetUrl")
    found += _identifier_entries(ach, where)
    for i, result in enumerate(_list(subject.get("result"))):
        if not _has_type(result, "Result"):
            found.append(f"credentialSubject.result[{i}]: type must hold Result")
    for i, ident in enumerate(_list(subject.get("identifier"))):
        if (
            not _has_type(ident, "IdentityObject")
            or not _text(ident, "identityHash")
            or not IDENTIFIER_TYPE.match(str(ident.get("identityType")))
            or not isinstance(ident.get("hashed"), bool)
        ):
            found.append(f"credentialSubject.identifier[{i}]: not an IdentityObject")
    return found
