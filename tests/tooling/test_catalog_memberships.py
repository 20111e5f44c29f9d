"""The catalog's memberships section: providers, tiers (requirements as
pathways have them, a period), perks, offers; every bad value refused with
one line naming the entry, the field and the value. Offline: no chain."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from credstack import catalog
from credstack.errors import CatalogError
from credstack.pilot.learning import CURRICULUM
from tests.tooling.conftest import CATALOG

TIER = "tier 'analyst-circle'"
PROVIDER = "0x71bE63f3384f5fb98995898A86B02Fb2426c5788"  # TEST::11


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CATALOG.read_text())
    return data


def test_example__analyst_circle() -> None:
    c = catalog.load(CATALOG)
    tier = c.tiers["analyst-circle"]
    assert (tier.issuer, tier.name, tier.period, tier.active) == (
        "northwind",
        "Analyst Circle",
        90 * 86_400,
        True,
    )
    assert [(g.required, [o.slug for o in g.options]) for g in tier.groups] == [
        (1, [*CURRICULUM, "junior-data-analyst"])  # any module, or the pathway credential
    ]
    assert [(p.name, p.allowance) for p in tier.perks] == [
        ("mentor-hour", 2),
        ("reassessment-discount", 1),
        ("peer-group-seat", 1),
    ]
    assert tier.providers == ("northwind-mentors",)
    assert c.providers["northwind-mentors"].address == PROVIDER
    assert c.offers == {
        "mentor-session": catalog.OfferSpec(
            "mentor-session", "analyst-circle", 40, "northwind-mentors",
            "mentor-hour", "mentor-session-pass",
        ),
        "dashboard-workshop": catalog.OfferSpec(
            "dashboard-workshop", "analyst-circle", 20, "northwind-mentors"
        ),
    }  # fmt: skip


def test_example__provider_is_no_other_role() -> None:
    """The provider is an account the catalog uses for nothing else."""
    c = catalog.load(CATALOG)
    others = {i.address for i in c.issuers.values()}
    assert c.governance is not None
    others |= set(c.governance.members) | {c.governance.guardian}
    assert PROVIDER not in others


def test_memberships__optional() -> None:
    data = example()
    del data["memberships"]
    c = catalog.parse(data)
    assert (c.tiers, c.providers, c.offers) == ({}, {}, {})


def test_tier__period_units_and_bounds() -> None:
    for period, seconds in (("1d", 86_400), ("730d", 730 * 86_400), ("36h", 36 * 3_600)):
        data = example()
        data["memberships"]["tiers"][0]["period"] = period
        assert catalog.parse(data).tiers["analyst-circle"].period == seconds


def test_tier__requirements_as_pathways() -> None:
    """Two groups, 'all' and k of n, and an option asking more than the
    class's own minimum."""
    data = example()
    data["memberships"]["tiers"][0]["groups"] = [
        {"name": "core", "require": 2, "options": [
            "spreadsheet-analysis",
            {"class": "sql-querying", "min_score": 80},
            "data-visualization",
        ]},
        {"options": ["python-data-wrangling"]},
    ]  # fmt: skip
    tier = catalog.parse(data).tiers["analyst-circle"]
    assert [(g.name, g.required) for g in tier.groups] == [("core", 2), ("group 2", 1)]
    assert [(g, o.slug, o.min_score) for g, o in tier.options] == [
        (0, "spreadsheet-analysis", 7_000),
        (0, "sql-querying", 8_000),
        (0, "data-visualization", 7_000),
        (1, "python-data-wrangling", 7_000),
    ]


def _tier(data: dict[str, Any]) -> dict[str, Any]:
    tier: dict[str, Any] = data["memberships"]["tiers"][0]
    return tier


def _offer(data: dict[str, Any]) -> dict[str, Any]:
    offer: dict[str, Any] = _tier(data)["offers"][0]
    return offer


def _provider(data: dict[str, Any]) -> dict[str, Any]:
    provider: dict[str, Any] = data["memberships"]["providers"][0]
    return provider


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(memberships=[]),
         "catalog memberships: field '-' = []: expected a mapping"),
        (lambda d: d["memberships"].update(perks=[]),
         "catalog memberships: field 'perks' = []: unknown field"),
        (lambda d: _tier(d).update(slug="Analyst Circle"),
         "catalog memberships tiers[0]: field 'slug' = 'Analyst Circle': "
         "lowercase letters, digits and '-', up to 48"),
        (lambda d: _tier(d).update(issuer="acme"),
         f"catalog {TIER}: field 'issuer' = 'acme': not one of ['lumen', 'northwind']"),
        (lambda d: _tier(d).update(name="x" * 65),
         f"catalog {TIER}: field 'name' = '{'x' * 65}': up to 64 bytes, printable"),
        (lambda d: _tier(d).pop("period"), f"catalog {TIER}: field 'period' = None: missing"),
        (lambda d: _tier(d).update(period="3 months"),
         f"catalog {TIER}: field 'period' = '3 months': "
         "a whole number of seconds, or with s, m, h or d (e.g. 48h, 2d)"),
        (lambda d: _tier(d).update(period="23h"),
         f"catalog {TIER}: field 'period' = '23h': from 1d to 730d (two years)"),
        (lambda d: _tier(d).update(period="731d"),
         f"catalog {TIER}: field 'period' = '731d': from 1d to 730d (two years)"),
        (lambda d: _tier(d).update(colour="red"),
         f"catalog {TIER}: field 'colour' = 'red': unknown field"),
        (lambda d: _tier(d).update(active="yes"),
         f"catalog {TIER}: field 'active' = 'yes': expected bool"),
        (lambda d: _tier(d).update(groups=[]),
         f"catalog {TIER}: field 'groups' = 0: 1 to 8 groups"),
        (lambda d: _tier(d)["groups"][0]["options"].append("mentor-session-pass"),
         f"catalog {TIER} group 1: field 'options' = 'mentor-session-pass': "
         "a transferable class cannot qualify (it can be bought)"),
        (lambda d: _tier(d)["groups"][0]["options"].append("nope"),
         f"catalog {TIER} group 1: field 'options' = 'nope': not a class of this catalog"),
        (lambda d: _tier(d)["groups"].append({"options": ["junior-data-analyst"]}),
         f"catalog {TIER} group 2: field 'options' = 'junior-data-analyst': "
         "listed twice in the tier"),
        (lambda d: _tier(d)["groups"][0].update(require=8),
         f"catalog {TIER} group 1: field 'require' = 8: 'all' or a number from 1 to 7"),
        (lambda d: _tier(d)["perks"].append({"name": "mentor-hour", "allowance": 1}),
         f"catalog {TIER}: field 'perks' = 'mentor-hour': duplicate perk name"),
        (lambda d: _tier(d)["perks"][0].update(allowance=0),
         f"catalog {TIER}: field 'allowance' = 0: a whole number from 1"),
        (lambda d: _tier(d)["perks"][0].update(allowance="2"),
         f"catalog {TIER}: field 'allowance' = '2': expected int"),
        (lambda d: _tier(d)["perks"][0].update(cash=5),
         f"catalog {TIER}: field 'cash' = 5: unknown field"),
        (lambda d: _tier(d)["perks"].append("coffee"),
         f"catalog {TIER}: field 'perks' = 'coffee': expected {{name, allowance}}"),
        (lambda d: _tier(d).update(providers=["nobody"]),
         f"catalog {TIER}: field 'providers' = 'nobody': not one of ['northwind-mentors']"),
        (lambda d: _tier(d).update(providers=["northwind-mentors"] * 2),
         f"catalog {TIER}: field 'providers' = ['northwind-mentors', 'northwind-mentors']: "
         "a provider listed twice"),
        (lambda d: _offer(d).update(perk="massage"),
         f"catalog {TIER} offer 'mentor-session': field 'perk' = 'massage': not a perk of the "
         "tier (mentor-hour, reassessment-discount, peer-group-seat)"),
        (lambda d: _offer(d).update(**{"pass": "sql-querying"}),
         f"catalog {TIER} offer 'mentor-session': field 'pass' = 'sql-querying': "
         "a pass must be a transferable class"),
        (lambda d: _offer(d).update(**{"pass": "nope"}),
         f"catalog {TIER} offer 'mentor-session': field 'pass' = 'nope': "
         "not a class of this catalog"),
        (lambda d: _offer(d).update(capacity=0),
         f"catalog {TIER} offer 'mentor-session': field 'capacity' = 0: a whole number from 1"),
        (lambda d: _offer(d).pop("capacity"),
         f"catalog {TIER} offer 'mentor-session': field 'capacity' = None: missing"),
        (lambda d: _offer(d).update(provider="lumen"),
         f"catalog {TIER} offer 'mentor-session': field 'provider' = 'lumen': "
         "not one of the tier's providers ['northwind-mentors']"),
        (lambda d: _offer(d).update(seats=3),
         f"catalog {TIER}: field 'seats' = 3: unknown field"),
        (lambda d: _tier(d)["offers"].append(dict(_offer(d), slug="mentor-again")),
         f"catalog {TIER}: field 'offers' = 'mentor-again': the same perk, pass, capacity and "
         "provider as 'mentor-session' (offers are found on chain by these)"),
        (lambda d: _tier(d)["offers"].append(dict(_offer(d), capacity=3)),
         f"catalog {TIER}: field 'offers' = 'mentor-session': duplicate slug"),
        (lambda d: _provider(d).update(address=PROVIDER.lower()),
         f"catalog memberships providers[0]: field 'address' = '{PROVIDER.lower()}': "
         "no EIP-55 checksum (all one case): copy the address as the wallet shows it"),
        (lambda d: _provider(d).update(id="Mentors"),
         "catalog memberships providers[0]: field 'id' = 'Mentors': "
         "lowercase letters, digits and '-'"),
        (lambda d: d["memberships"]["providers"].append(dict(_provider(d), id="again")),
         f"catalog memberships providers[1]: field 'address' = '{PROVIDER}': duplicate"),
        (lambda d: d["memberships"]["tiers"].append(dict(_tier(d), offers=[])),
         "catalog memberships tiers[1]: field 'slug' = 'analyst-circle': duplicate"),
        (lambda d: d["memberships"]["tiers"].append(dict(_tier(d), slug="b", offers=[])),
         "catalog tier 'b': field 'name' = 'Analyst Circle': duplicate for issuer"),
    ],
)  # fmt: skip
def test_memberships__bad_value__one_line_names_field_and_value(edit: Any, message: str) -> None:
    data = example()
    edit(data)
    with pytest.raises(CatalogError) as info:
        catalog.parse(data)
    assert str(info.value) == message
    assert "\n" not in str(info.value)
