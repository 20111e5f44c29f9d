"""The catalog: issuers and microcredential classes in YAML, applied to chain.

Each class becomes an Open Badges 3.0 ``Achievement`` document (name,
description, criteria, evidence types, minimum score, job-task alignments).
The class's on-chain URI is that document's content address
(``ipfs://`` + CIDv1, raw codec, SHA-256), so the chain commits to the exact
text; ``catalog apply`` writes the documents under ``out/metadata/`` for the
issuer to publish (pin) them.

Applying is idempotent: it looks classes up on chain by issuer and name, does
only what differs and what the signing account may do, and reports drift it
cannot fix (transferability, revocability, validity and minimum score are
fixed when a class is created).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from credstack.errors import CatalogError
from credstack.inputs import address_problem
from credstack.units import DAY, format_percent, parse_duration, parse_percent

# The council's limit (Council.vy).
MAX_MEMBERS = 16
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


@dataclass(frozen=True)
class Issuer:
    id: str
    name: str
    address: str
    url: str = ""


@dataclass(frozen=True)
class Alignment:
    task: str
    framework: str = ""
    code: str = ""
    url: str = ""


@dataclass(frozen=True)
class ClassSpec:
    slug: str
    issuer: str
    name: str
    description: str
    criteria: str
    evidence_types: tuple[str, ...]
    min_score: int  # basis points
    validity_days: int  # 0 = never expires
    transferable: bool = False
    revocable: bool = True
    active: bool = True
    alignments: tuple[Alignment, ...] = ()

    @property
    def validity(self) -> int:
        return self.validity_days * DAY


@dataclass(frozen=True)
class OptionSpec:
    slug: str  # a class slug
    min_score: int  # basis points


@dataclass(frozen=True)
class GroupSpec:
    name: str
    required: int
    options: tuple[OptionSpec, ...]


@dataclass(frozen=True)
class PathwaySpec:
    slug: str
    name: str
    output: str  # the output class's slug
    inherit_expiry: bool
    groups: tuple[GroupSpec, ...]
    active: bool = True

    @property
    def options(self) -> list[tuple[int, OptionSpec]]:
        """(group index, option) in the order the contract stores them."""
        return [(g, o) for g, group in enumerate(self.groups) for o in group.options]


@dataclass(frozen=True)
class ProviderSpec:
    """Who delivers perks (a mentor, a workshop host): registered per tier."""

    id: str
    name: str
    address: str


@dataclass(frozen=True)
class PerkSpec:
    """A tier's perk: its name on chain and the units a member may redeem
    per period."""

    name: str
    allowance: int


@dataclass(frozen=True)
class OfferSpec:
    """An offer of a tier with ``capacity`` seats, run by ``provider``: a
    booking takes a seat (and a unit of ``perk``, if any); a token of the
    ``pass_class`` (a transferable class's slug, if any) sent to the
    membership contract takes a seat too."""

    slug: str
    tier: str
    capacity: int
    provider: str  # a provider id
    perk: str | None = None  # a perk name of the tier
    pass_class: str | None = None  # a class slug


@dataclass(frozen=True)
class TierSpec:
    """A membership tier, earned by holding valid credentials: requirement
    groups as pathways have them (every group met, each ``required`` of
    its options)."""

    slug: str
    issuer: str  # an issuer id
    name: str
    period: int  # seconds
    groups: tuple[GroupSpec, ...]
    perks: tuple[PerkSpec, ...] = ()
    providers: tuple[str, ...] = ()  # provider ids
    offers: tuple[OfferSpec, ...] = ()
    active: bool = True

    @property
    def options(self) -> list[tuple[int, OptionSpec]]:
        """(group index, option) in the order the contract stores them."""
        return [(g, o) for g, group in enumerate(self.groups) for o in group.options]


# The employer registry's limits (EmployerRegistry.vy).
MAX_EMPLOYER_NAME, MAX_EMPLOYER_URL, MAX_TASK, MAX_NOTE = 64, 128, 32, 256
KINDS = ("class", "pathway")


@dataclass(frozen=True)
class EndorsementSpec:
    """An employer's endorsement of a catalog class or pathway (``kind``,
    ``target``: its slug) for a job-task code (an O*NET-SOC code such as
    ``15-2051.00``, or a class's alignment target), with an optional note
    URI saying more."""

    kind: str  # "class" or "pathway"
    target: str  # a class or pathway slug
    task: str
    note: str = ""


@dataclass(frozen=True)
class EmployerSpec:
    """An employer onboarded by governance (a council proposal, as issuers
    are), and the endorsements it sends from its own account."""

    id: str
    name: str
    address: str
    url: str = ""
    endorsements: tuple[EndorsementSpec, ...] = ()


def task_problem(task: str) -> str | None:
    """Why ``task`` cannot be a job-task code on chain (1 to 32 printable
    ASCII characters), or None."""
    if not task:
        return "empty"
    if len(task) > MAX_TASK or not all(" " <= c <= "~" for c in task):
        return f"1 to {MAX_TASK} printable ASCII characters"
    return None


@dataclass
class Catalog:
    issuers: dict[str, Issuer] = field(default_factory=dict)
    classes: dict[str, ClassSpec] = field(default_factory=dict)
    pathways: dict[str, PathwaySpec] = field(default_factory=dict)
    # The memberships section: providers by id, tiers by slug.
    providers: dict[str, ProviderSpec] = field(default_factory=dict)
    tiers: dict[str, TierSpec] = field(default_factory=dict)
    # The employers section: employers by id.
    employers: dict[str, EmployerSpec] = field(default_factory=dict)
    source: str = ""
    # Who governs a deployment of this catalog (read by `deploy --catalog`).
    governance: GovernanceConfig | None = None

    @property
    def offers(self) -> dict[str, OfferSpec]:
        """Every tier's offers, by slug (unique across the catalog)."""
        return {o.slug: o for tier in self.tiers.values() for o in tier.offers}

    def issuer_of(self, spec: ClassSpec) -> Issuer:
        return self.issuers[spec.issuer]

    def metadata(self, spec: ClassSpec) -> dict[str, Any]:
        return achievement_document(spec, self.issuer_of(spec))


# Loading


def _need(entry: dict[str, Any], where: str, key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in entry:
        raise CatalogError(where, key, None, "missing")
    value = entry[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise CatalogError(where, key, value, f"expected {names}")
    return value


def _text(entry: dict[str, Any], where: str, key: str, default: str | None = None) -> str:
    if default is not None and key not in entry:
        return default
    value = _need(entry, where, key, str).strip()
    if not value and default is None:
        raise CatalogError(where, key, value, "empty")
    return str(value)


def _flag(entry: dict[str, Any], where: str, key: str, default: bool) -> bool:
    return bool(_need(entry, where, key, bool)) if key in entry else default


def _issuer(entry: Any, index: int) -> Issuer:
    where = f"issuers[{index}]"
    if not isinstance(entry, dict):
        raise CatalogError(where, "-", entry, "expected a mapping")
    ident = _text(entry, where, "id")
    if not SLUG.match(ident):
        raise CatalogError(where, "id", ident, "lowercase letters, digits and '-'")
    address = _text(entry, where, "address")
    if problem := address_problem(address):
        raise CatalogError(where, "address", address, problem)
    return Issuer(ident, _text(entry, where, "name"), address, _text(entry, where, "url", ""))


def _alignment(entry: Any, where: str) -> Alignment:
    if isinstance(entry, str):
        return Alignment(task=entry)
    if not isinstance(entry, dict):
        raise CatalogError(where, "alignments", entry, "expected a task or a mapping")
    return Alignment(
        task=_text(entry, where, "task"),
        framework=_text(entry, where, "framework", ""),
        code=_text(entry, where, "code", ""),
        url=_text(entry, where, "url", ""),
    )


def _class(entry: Any, index: int, issuers: dict[str, Issuer]) -> ClassSpec:
    where = f"classes[{index}]"
    if not isinstance(entry, dict):
        raise CatalogError(where, "-", entry, "expected a mapping")
    slug = _text(entry, where, "slug")
    if not SLUG.match(slug):
        raise CatalogError(where, "slug", slug, "lowercase letters, digits and '-', up to 48")
    where = f"class '{slug}'"
    issuer = _text(entry, where, "issuer")
    if issuer not in issuers:
        raise CatalogError(where, "issuer", issuer, f"not one of {sorted(issuers)}")
    name = _text(entry, where, "name")
    if len(name.encode()) > 64 or any(c in name for c in '"\\') or not name.isprintable():
        raise CatalogError(where, "name", name, "up to 64 bytes, no quotes or backslashes")
    raw_score = _need(entry, where, "min_score", (int, float, str))
    try:
        min_score = parse_percent(str(raw_score))
    except ValueError as err:
        raise CatalogError(where, "min_score", raw_score, str(err)) from None
    validity_days = _need(entry, where, "validity_days", int)
    if not 0 <= validity_days <= 100 * 365:
        raise CatalogError(where, "validity_days", validity_days, "0 (never) to 36500")
    evidence = _need(entry, where, "evidence_types", list)
    if not evidence or not all(isinstance(e, str) and e.strip() for e in evidence):
        raise CatalogError(where, "evidence_types", evidence, "a non-empty list of names")
    alignments = entry.get("alignments", [])
    if not isinstance(alignments, list):
        raise CatalogError(where, "alignments", alignments, "expected a list")
    known = {
        "slug", "issuer", "name", "description", "criteria", "evidence_types", "min_score",
        "validity_days", "transferable", "revocable", "active", "alignments",
    }  # fmt: skip
    if extra := sorted(set(entry) - known):
        raise CatalogError(where, extra[0], entry[extra[0]], "unknown field")
    return ClassSpec(
        slug=slug,
        issuer=issuer,
        name=name,
        description=_text(entry, where, "description"),
        criteria=_text(entry, where, "criteria"),
        evidence_types=tuple(e.strip() for e in evidence),
        min_score=min_score,
        validity_days=validity_days,
        transferable=_flag(entry, where, "transferable", False),
        revocable=_flag(entry, where, "revocable", True),
        active=_flag(entry, where, "active", True),
        alignments=tuple(_alignment(a, where) for a in alignments),
    )


@dataclass(frozen=True)
class GovernanceConfig:
    """Who governs a deployment: council members, approvals needed, the
    timelock's delay in seconds, and the guardian who may pause at once."""

    members: tuple[str, ...]
    threshold: int
    delay: int
    guardian: str | None = None

    def problems(self) -> list[tuple[str, object, str]]:
        """(field, value, reason) for each thing wrong; empty when usable."""
        found: list[tuple[str, object, str]] = []
        if not self.members:
            found.append(("members", [], "at least one council member"))
        if len(self.members) > MAX_MEMBERS:
            found.append(("members", len(self.members), f"at most {MAX_MEMBERS}"))
        seen: set[str] = set()
        for member in self.members:
            if problem := address_problem(member):
                found.append(("members", member, problem))
            elif member.lower() in seen:
                found.append(("members", member, "listed twice"))
            seen.add(member.lower())
        if not 1 <= self.threshold <= max(1, len(self.members)):
            found.append(("threshold", self.threshold, f"1 to {len(self.members)} (the members)"))
        if self.delay < 0:
            found.append(("delay", self.delay, "not negative"))
        if self.guardian is not None and (problem := address_problem(self.guardian)):
            found.append(("guardian", self.guardian, problem))
        return found


def _governance(entry: Any) -> GovernanceConfig:
    """``governance: {council: [addresses], threshold: 2, delay: 48h,
    guardian: address}``."""
    where = "governance"
    if not isinstance(entry, dict):
        raise CatalogError(where, "-", entry, "expected a mapping")
    if extra := sorted(set(entry) - {"council", "threshold", "delay", "guardian"}):
        raise CatalogError(where, extra[0], entry[extra[0]], "unknown field")
    members = _need(entry, where, "council", list)
    threshold = _need(entry, where, "threshold", int)
    raw_delay = _need(entry, where, "delay", (int, str))
    try:
        delay = parse_duration(str(raw_delay))
    except ValueError as err:
        raise CatalogError(where, "delay", raw_delay, str(err)) from None
    guardian = entry.get("guardian")
    config = GovernanceConfig(
        members=tuple(str(m) for m in members),
        threshold=threshold,
        delay=delay,
        guardian=None if guardian is None else str(guardian),
    )
    if problems := config.problems():
        field_name, value, reason = problems[0]
        raise CatalogError(
            where, "council" if field_name == "members" else field_name, value, reason
        )
    return config


# Contract limits (PathwayRegistry).
MAX_GROUPS, MAX_OPTIONS, MAX_REQUIRED = 8, 16, 15


def _option(entry: Any, where: str, classes: dict[str, ClassSpec]) -> OptionSpec:
    if isinstance(entry, str):
        slug, raw = entry, None
    elif isinstance(entry, dict):
        if extra := sorted(set(entry) - {"class", "min_score"}):
            raise CatalogError(where, extra[0], entry[extra[0]], "unknown field")
        slug, raw = _text(entry, where, "class"), entry.get("min_score")
    else:
        raise CatalogError(where, "options", entry, "a class slug or {class, min_score}")
    if slug not in classes:
        raise CatalogError(where, "options", slug, "not a class of this catalog")
    if raw is None:
        return OptionSpec(slug, classes[slug].min_score)
    try:
        min_score = parse_percent(str(raw))
    except ValueError as err:
        raise CatalogError(where, "min_score", raw, str(err)) from None
    return OptionSpec(slug, min_score)


def _pathway(entry: Any, index: int, classes: dict[str, ClassSpec]) -> PathwaySpec:
    where = f"pathways[{index}]"
    if not isinstance(entry, dict):
        raise CatalogError(where, "-", entry, "expected a mapping")
    slug = _text(entry, where, "slug")
    if not SLUG.match(slug):
        raise CatalogError(where, "slug", slug, "lowercase letters, digits and '-', up to 48")
    where = f"pathway '{slug}'"
    if extra := sorted(set(entry) - {"slug", "name", "output", "expiry", "active", "groups"}):
        raise CatalogError(where, extra[0], entry[extra[0]], "unknown field")
    name = _text(entry, where, "name")
    if len(name.encode()) > 64:
        raise CatalogError(where, "name", name, "up to 64 bytes")
    output = _text(entry, where, "output")
    if output not in classes:
        raise CatalogError(where, "output", output, "not a class of this catalog")
    expiry = _text(entry, where, "expiry", "class")
    if expiry not in ("class", "parts"):
        raise CatalogError(where, "expiry", expiry, "'class' or 'parts'")

    def part(at: str, option: OptionSpec) -> None:
        if option.slug == output:
            raise CatalogError(at, "options", option.slug, "the output class cannot be a part")
        if classes[option.slug].transferable:
            # The pathway registry refuses it ("pathway: transferable part").
            raise CatalogError(at, "options", option.slug, "a transferable class cannot be a part")

    return PathwaySpec(
        slug=slug,
        name=name,
        output=output,
        inherit_expiry=expiry == "parts",
        groups=_groups(entry, where, classes, part, "pathway"),
        active=_flag(entry, where, "active", True),
    )


def _groups(
    entry: dict[str, Any],
    where: str,
    classes: dict[str, ClassSpec],
    check: Callable[[str, OptionSpec], None],
    noun: str,
) -> tuple[GroupSpec, ...]:
    """The requirement groups of a pathway or a tier (``entry["groups"]``):
    each ``require`` ('all' or k) of its options; ``check(where, option)``
    raises for an option this kind of entry refuses; no class twice."""
    raw_groups = _need(entry, where, "groups", list)
    if not 1 <= len(raw_groups) <= MAX_GROUPS:
        raise CatalogError(where, "groups", len(raw_groups), f"1 to {MAX_GROUPS} groups")
    groups = []
    seen: set[str] = set()
    for g, raw in enumerate(raw_groups):
        at = f"{where} group {g + 1}"
        if not isinstance(raw, dict):
            raise CatalogError(at, "-", raw, "expected a mapping")
        if extra := sorted(set(raw) - {"name", "require", "options"}):
            raise CatalogError(at, extra[0], raw[extra[0]], "unknown field")
        options = tuple(_option(o, at, classes) for o in _need(raw, at, "options", list))
        for option in options:
            check(at, option)
            if option.slug in seen:
                raise CatalogError(at, "options", option.slug, f"listed twice in the {noun}")
            seen.add(option.slug)
        require = raw.get("require", "all")
        required = len(options) if require == "all" else require
        if (
            not isinstance(required, int)
            or isinstance(required, bool)
            or not 1 <= required <= min(len(options), MAX_REQUIRED)
        ):
            limit = min(len(options), MAX_REQUIRED)
            raise CatalogError(at, "require", require, f"'all' or a number from 1 to {limit}")
        groups.append(GroupSpec(_text(raw, at, "name", f"group {g + 1}"), required, options))
    if len(seen) > MAX_OPTIONS:
        raise CatalogError(where, "groups", len(seen), f"at most {MAX_OPTIONS} options in all")
    return tuple(groups)


# Membership limits: a period from a day to two years (Membership.vy).
MIN_PERIOD, MAX_PERIOD = DAY, 2 * 365 * DAY


def _count(entry: dict[str, Any], where: str, key: str) -> int:
    """A whole number of at least 1 (an allowance, a capacity)."""
    value = _need(entry, where, key, int)
    if value < 1:
        raise CatalogError(where, key, value, "a whole number from 1")
    return int(value)


def _provider(entry: Any, index: int) -> ProviderSpec:
    where = f"memberships providers[{index}]"
    if not isinstance(entry, dict):
        raise CatalogError(where, "-", entry, "expected a mapping")
    if extra := sorted(set(entry) - {"id", "name", "address"}):
        raise CatalogError(where, extra[0], entry[extra[0]], "unknown field")
    ident = _text(entry, where, "id")
    if not SLUG.match(ident):
        raise CatalogError(where, "id", ident, "lowercase letters, digits and '-'")
    address = _text(entry, where, "address")
    if problem := address_problem(address):
        raise CatalogError(where, "address", address, problem)
    return ProviderSpec(ident, _text(entry, where, "name"), address)


def _perk(entry: Any, where: str) -> PerkSpec:
    if not isinstance(entry, dict):
        raise CatalogError(where, "perks", entry, "expected {name, allowance}")
    if extra := sorted(set(entry) - {"name", "allowance"}):
        raise CatalogError(where, extra[0], entry[extra[0]], "unknown field")
    name = _text(entry, where, "name")
    if len(name.encode()) > 64 or not name.isprintable():
        raise CatalogError(where, "name", name, "up to 64 bytes, printable")
    return PerkSpec(name, _count(entry, where, "allowance"))


def _offer(
    entry: Any,
    where: str,
    tier: str,
    perks: dict[str, PerkSpec],
    providers: tuple[str, ...],
    classes: dict[str, ClassSpec],
) -> OfferSpec:
    if not isinstance(entry, dict):
        raise CatalogError(where, "offers", entry, "expected a mapping")
    known = {"slug", "perk", "pass", "capacity", "provider"}
    if extra := sorted(set(entry) - known):
        raise CatalogError(where, extra[0], entry[extra[0]], "unknown field")
    slug = _text(entry, where, "slug")
    if not SLUG.match(slug):
        raise CatalogError(where, "slug", slug, "lowercase letters, digits and '-', up to 48")
    at = f"{where} offer '{slug}'"
    perk = _text(entry, at, "perk") if entry.get("perk") is not None else None
    if perk is not None and perk not in perks:
        raise CatalogError(at, "perk", perk, f"not a perk of the tier ({', '.join(perks)})")
    pass_class = _text(entry, at, "pass") if entry.get("pass") is not None else None
    if pass_class is not None:
        if pass_class not in classes:
            raise CatalogError(at, "pass", pass_class, "not a class of this catalog")
        if not classes[pass_class].transferable:
            raise CatalogError(at, "pass", pass_class, "a pass must be a transferable class")
    provider = _text(entry, at, "provider")
    if provider not in providers:
        raise CatalogError(
            at, "provider", provider, f"not one of the tier's providers {list(providers)}"
        )
    return OfferSpec(slug, tier, _count(entry, at, "capacity"), provider, perk, pass_class)


def _tier(
    entry: Any,
    index: int,
    issuers: dict[str, Issuer],
    classes: dict[str, ClassSpec],
    providers: dict[str, ProviderSpec],
) -> TierSpec:
    where = f"memberships tiers[{index}]"
    if not isinstance(entry, dict):
        raise CatalogError(where, "-", entry, "expected a mapping")
    slug = _text(entry, where, "slug")
    if not SLUG.match(slug):
        raise CatalogError(where, "slug", slug, "lowercase letters, digits and '-', up to 48")
    where = f"tier '{slug}'"
    known = {"slug", "issuer", "name", "period", "groups", "perks", "providers", "offers", "active"}
    if extra := sorted(set(entry) - known):
        raise CatalogError(where, extra[0], entry[extra[0]], "unknown field")
    issuer = _text(entry, where, "issuer")
    if issuer not in issuers:
        raise CatalogError(where, "issuer", issuer, f"not one of {sorted(issuers)}")
    name = _text(entry, where, "name")
    if len(name.encode()) > 64 or not name.isprintable():
        raise CatalogError(where, "name", name, "up to 64 bytes, printable")
    raw_period = _need(entry, where, "period", (int, str))
    try:
        period = parse_duration(str(raw_period))
    except ValueError as err:
        raise CatalogError(where, "period", raw_period, str(err)) from None
    if not MIN_PERIOD <= period <= MAX_PERIOD:
        raise CatalogError(where, "period", raw_period, "from 1d to 730d (two years)")

    def qualifies(at: str, option: OptionSpec) -> None:
        if classes[option.slug].transferable:
            # A pass can be bought: a membership must be earned.
            raise CatalogError(
                at, "options", option.slug, "a transferable class cannot qualify (it can be bought)"
            )

    # At most 16 options in all, so a tier never needs more tokens than a
    # join takes (16).
    groups = _groups(entry, where, classes, qualifies, "tier")
    perks: dict[str, PerkSpec] = {}
    for raw in entry.get("perks") or []:
        perk = _perk(raw, where)
        if perk.name in perks:
            raise CatalogError(where, "perks", perk.name, "duplicate perk name")
        perks[perk.name] = perk
    listed = entry.get("providers") or []
    if not isinstance(listed, list):
        raise CatalogError(where, "providers", listed, "expected a list of provider ids")
    for ident in listed:
        if ident not in providers:
            raise CatalogError(where, "providers", ident, f"not one of {sorted(providers)}")
    if len(set(listed)) != len(listed):
        raise CatalogError(where, "providers", listed, "a provider listed twice")
    offers = tuple(
        _offer(raw, where, slug, perks, tuple(listed), classes) for raw in entry.get("offers") or []
    )
    seen: dict[tuple[Any, ...], str] = {}
    for offer in offers:
        # Offers have no name on chain: two alike could not be told apart.
        key = (offer.perk, offer.pass_class, offer.capacity, offer.provider)
        if key in seen:
            raise CatalogError(
                where, "offers", offer.slug, f"the same perk, pass, capacity and provider as "
                f"'{seen[key]}' (offers are found on chain by these)",
            )  # fmt: skip
        seen[key] = offer.slug
    return TierSpec(
        slug=slug,
        issuer=issuer,
        name=name,
        period=period,
        groups=groups,
        perks=tuple(perks.values()),
        providers=tuple(listed),
        offers=offers,
        active=_flag(entry, where, "active", True),
    )


def _memberships(data: Any, catalog: Catalog) -> None:
    """``memberships: {providers: [...], tiers: [...]}`` into ``catalog``."""
    where = "memberships"
    if not isinstance(data, dict):
        raise CatalogError(where, "-", data, "expected a mapping")
    if extra := sorted(set(data) - {"providers", "tiers"}):
        raise CatalogError(where, extra[0], data[extra[0]], "unknown field")
    addresses: set[str] = set()
    for i, raw in enumerate(data.get("providers") or []):
        provider = _provider(raw, i)
        if provider.id in catalog.providers:
            raise CatalogError(f"memberships providers[{i}]", "id", provider.id, "duplicate")
        if provider.address.lower() in addresses:
            raise CatalogError(
                f"memberships providers[{i}]", "address", provider.address, "duplicate"
            )
        addresses.add(provider.address.lower())
        catalog.providers[provider.id] = provider
    names: set[tuple[str, str]] = set()
    offers: set[str] = set()
    for i, raw in enumerate(data.get("tiers") or []):
        tier = _tier(raw, i, catalog.issuers, catalog.classes, catalog.providers)
        if tier.slug in catalog.tiers:
            raise CatalogError(f"memberships tiers[{i}]", "slug", tier.slug, "duplicate")
        if (tier.issuer, tier.name) in names:
            raise CatalogError(f"tier '{tier.slug}'", "name", tier.name, "duplicate for issuer")
        names.add((tier.issuer, tier.name))
        for offer in tier.offers:
            if offer.slug in offers:
                raise CatalogError(f"tier '{tier.slug}'", "offers", offer.slug, "duplicate slug")
            offers.add(offer.slug)
        catalog.tiers[tier.slug] = tier


def _endorsement(
    entry: Any, where: str, classes: dict[str, ClassSpec], pathways: dict[str, PathwaySpec]
) -> EndorsementSpec:
    """``{class: slug | pathway: slug, task: code, note: uri}``."""
    if not isinstance(entry, dict):
        raise CatalogError(where, "endorsements", entry, "expected {class or pathway, task, note}")
    if extra := sorted(set(entry) - {"class", "pathway", "task", "note"}):
        raise CatalogError(where, extra[0], entry[extra[0]], "unknown field")
    named = [k for k in KINDS if k in entry]
    if len(named) != 1:
        raise CatalogError(where, "endorsements", entry, "name one class or one pathway")
    kind = named[0]
    target = _text(entry, where, kind)
    if target not in (classes if kind == "class" else pathways):
        raise CatalogError(where, kind, target, f"not a {kind} of this catalog")
    raw_task = _need(entry, where, "task", str)
    if problem := task_problem(raw_task):
        raise CatalogError(where, "task", raw_task, problem)
    note = _text(entry, where, "note", "")
    if len(note.encode()) > MAX_NOTE or not note.isprintable():
        raise CatalogError(where, "note", note, f"up to {MAX_NOTE} bytes, printable")
    return EndorsementSpec(kind, target, raw_task, note)


def _employer(
    entry: Any, index: int, classes: dict[str, ClassSpec], pathways: dict[str, PathwaySpec]
) -> EmployerSpec:
    where = f"employers[{index}]"
    if not isinstance(entry, dict):
        raise CatalogError(where, "-", entry, "expected a mapping")
    ident = _text(entry, where, "id")
    if not SLUG.match(ident):
        raise CatalogError(where, "id", ident, "lowercase letters, digits and '-'")
    where = f"employer '{ident}'"
    if extra := sorted(set(entry) - {"id", "name", "address", "url", "endorsements"}):
        raise CatalogError(where, extra[0], entry[extra[0]], "unknown field")
    name = _text(entry, where, "name")
    if len(name.encode()) > MAX_EMPLOYER_NAME or not name.isprintable():
        raise CatalogError(where, "name", name, f"up to {MAX_EMPLOYER_NAME} bytes, printable")
    address = _text(entry, where, "address")
    if problem := address_problem(address):
        raise CatalogError(where, "address", address, problem)
    url = _text(entry, where, "url", "")
    if len(url.encode()) > MAX_EMPLOYER_URL or not url.isprintable():
        raise CatalogError(where, "url", url, f"up to {MAX_EMPLOYER_URL} bytes, printable")
    raw = entry.get("endorsements")
    raw = [] if raw is None else raw
    if not isinstance(raw, list):
        raise CatalogError(where, "endorsements", raw, "expected a list")
    endorsements = tuple(_endorsement(e, where, classes, pathways) for e in raw)
    seen: set[tuple[str, str, str]] = set()
    for e in endorsements:
        if (e.kind, e.target, e.task) in seen:
            raise CatalogError(
                where, "endorsements", f"{e.kind} {e.target} for {e.task}", "listed twice"
            )
        seen.add((e.kind, e.target, e.task))
    return EmployerSpec(ident, name, address, url, endorsements)


def _employers(data: Any, catalog: Catalog) -> None:
    """``employers: [{id, name, address, url, endorsements}]`` into ``catalog``."""
    if not isinstance(data, list):
        raise CatalogError("employers", "-", data, "expected a list")
    addresses: set[str] = set()
    for i, raw in enumerate(data):
        employer = _employer(raw, i, catalog.classes, catalog.pathways)
        if employer.id in catalog.employers:
            raise CatalogError(f"employers[{i}]", "id", employer.id, "duplicate")
        if employer.address.lower() in addresses:
            raise CatalogError(f"employers[{i}]", "address", employer.address, "duplicate")
        addresses.add(employer.address.lower())
        catalog.employers[employer.id] = employer


def parse(data: Any, source: str = "<catalog>") -> Catalog:
    if not isinstance(data, dict):
        raise CatalogError(source, "-", type(data).__name__, "expected a mapping at the top")
    catalog = Catalog(source=source)
    if "governance" in data:
        catalog.governance = _governance(data["governance"])
    for i, entry in enumerate(_need(data, source, "issuers", list)):
        issuer = _issuer(entry, i)
        if issuer.id in catalog.issuers:
            raise CatalogError(f"issuers[{i}]", "id", issuer.id, "duplicate")
        catalog.issuers[issuer.id] = issuer
    names: set[tuple[str, str]] = set()
    for i, entry in enumerate(_need(data, source, "classes", list)):
        spec = _class(entry, i, catalog.issuers)
        if spec.slug in catalog.classes:
            raise CatalogError(f"classes[{i}]", "slug", spec.slug, "duplicate")
        if (spec.issuer, spec.name) in names:
            raise CatalogError(f"class '{spec.slug}'", "name", spec.name, "duplicate for issuer")
        names.add((spec.issuer, spec.name))
        catalog.classes[spec.slug] = spec
    pathway_names: set[tuple[str, str]] = set()
    for i, entry in enumerate(data.get("pathways") or []):
        pathway = _pathway(entry, i, catalog.classes)
        if pathway.slug in catalog.pathways:
            raise CatalogError(f"pathways[{i}]", "slug", pathway.slug, "duplicate")
        key = (catalog.classes[pathway.output].issuer, pathway.name)
        if key in pathway_names:
            raise CatalogError(f"pathway '{pathway.slug}'", "name", pathway.name, "duplicate")
        pathway_names.add(key)
        catalog.pathways[pathway.slug] = pathway
    if data.get("memberships") is not None:
        _memberships(data["memberships"], catalog)
    if data.get("employers") is not None:
        _employers(data["employers"], catalog)
    return catalog


def load(path: str | Path) -> Catalog:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as err:
        raise CatalogError(str(path), "-", str(path), f"unreadable ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise CatalogError(str(path), "-", str(path), f"not valid YAML ({err})") from None
    return parse(data, str(path))


# Metadata


def achievement_document(spec: ClassSpec, issuer: Issuer) -> dict[str, Any]:
    """The class as an Open Badges 3.0 Achievement (plus credstack's terms)."""
    creator: dict[str, Any] = {"type": ["Profile"], "name": issuer.name}
    if issuer.url:
        creator["url"] = issuer.url
    doc: dict[str, Any] = {
        "@context": OB3_CONTEXT,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": spec.name,
        "description": spec.description,
        "criteria": {"narrative": spec.criteria},
        "creator": creator,
        "resultDescription": [
            {
                "type": ["ResultDescription"],
                "name": "Competency score",
                "resultType": "Percent",
                "requiredValue": format_percent(spec.min_score),
            }
        ],
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": a.task,
                **({"targetFramework": a.framework} if a.framework else {}),
                **({"targetCode": a.code} if a.code else {}),
                **({"targetUrl": a.url} if a.url else {}),
            }
            for a in spec.alignments
        ],
        "credstack": {
            "slug": spec.slug,
            "evidence_types": list(spec.evidence_types),
            "transferable": spec.transferable,
            "revocable": spec.revocable,
            "validity_days": spec.validity_days,
        },
    }
    return doc


def canonical_bytes(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_uri(data: bytes) -> str:
    """``ipfs://`` + the CIDv1 (raw codec 0x55, sha2-256) of ``data``, base32:
    the address IPFS gives these bytes when added with raw leaves."""
    cid = bytes([0x01, 0x55, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "ipfs://b" + base64.b32encode(cid).decode().lower().rstrip("=")


def class_uri(catalog: Catalog, spec: ClassSpec) -> str:
    return content_uri(canonical_bytes(catalog.metadata(spec)))


def write_metadata(catalog: Catalog, directory: Path) -> list[Path]:
    """One file per class, named by slug, holding exactly the hashed bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in catalog.classes.values():
        path = directory / f"{spec.slug}.json"
        path.write_bytes(canonical_bytes(catalog.metadata(spec)))
        paths.append(path)
    return paths
