"""The catalog's employers section: employers (name, account, URL) and the
endorsements each sends of a class or pathway for a job-task code; every
bad value refused with one line naming the entry, the field and the value.
Offline: no chain."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from credstack import catalog
from credstack.errors import CatalogError
from tests.tooling.conftest import CATALOG

ACME = "0xFABB0ac9d68B0B445fB7357272Ff202C5651694a"  # TEST::12
WHERE = "catalog employer 'acme-retail'"


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CATALOG.read_text())
    return data


def test_example__three_employers_endorse_the_pathway() -> None:
    c = catalog.load(CATALOG)
    assert list(c.employers) == ["acme-retail", "harbor-logistics", "civic-health"]
    acme = c.employers["acme-retail"]
    assert (acme.name, acme.address, acme.url) == (
        "Acme Retail Analytics",
        ACME,
        "https://careers.acme-retail.example.com",
    )
    assert acme.endorsements == (
        catalog.EndorsementSpec(
            "pathway",
            "junior-data-analyst",
            "15-2051.00",
            "https://careers.acme-retail.example.com/roles/junior-analyst",
        ),
        catalog.EndorsementSpec("class", "sql-querying", "15-2051.00"),
    )
    assert all(
        catalog.EndorsementSpec("pathway", "junior-data-analyst", "15-2051.00")
        in {catalog.EndorsementSpec(e.kind, e.target, e.task) for e in spec.endorsements}
        for spec in c.employers.values()
    )


def test_example__employers_are_no_other_role() -> None:
    c = catalog.load(CATALOG)
    assert c.governance is not None
    others = {i.address for i in c.issuers.values()} | set(c.governance.members)
    others |= {c.governance.guardian} | {p.address for p in c.providers.values()}
    assert not others & {e.address for e in c.employers.values()}


def test_employers__optional() -> None:
    data = example()
    del data["employers"]
    assert catalog.parse(data).employers == {}


def _acme(data: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = data["employers"][0]
    return entry


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(employers={"a": 1}),
         "catalog employers: field '-' = {'a': 1}: expected a list"),
        (lambda d: _acme(d).update(id="Acme"),
         "catalog employers[0]: field 'id' = 'Acme': lowercase letters, digits and '-'"),
        (lambda d: _acme(d).update(name="x" * 65),
         f"{WHERE}: field 'name' = '{'x' * 65}': up to 64 bytes, printable"),
        (lambda d: _acme(d).update(url="https://" + "u" * 130),
         f"{WHERE}: field 'url' = 'https://{'u' * 130}': up to 128 bytes, printable"),
        (lambda d: _acme(d).update(address="0xabc"),
         f"{WHERE}: field 'address' = '0xabc': not an address (0x and 40 hex digits)"),
        (lambda d: _acme(d).update(wage=1), f"{WHERE}: field 'wage' = 1: unknown field"),
        (lambda d: d["employers"][1].update(address=ACME),
         f"catalog employers[1]: field 'address' = '{ACME}': duplicate"),
        (lambda d: d["employers"][1].update(id="acme-retail"),
         "catalog employers[1]: field 'id' = 'acme-retail': duplicate"),
        (lambda d: _acme(d).update(endorsements={}),
         f"{WHERE}: field 'endorsements' = {{}}: expected a list"),
        (lambda d: _acme(d)["endorsements"].append({"task": "x"}),
         f"{WHERE}: field 'endorsements' = {{'task': 'x'}}: name one class or one pathway"),
        (lambda d: _acme(d)["endorsements"].append(
            {"class": "sql-querying", "pathway": "junior-data-analyst", "task": "x"}),
         "name one class or one pathway"),
        (lambda d: _acme(d)["endorsements"].append({"class": "nope", "task": "x"}),
         f"{WHERE}: field 'class' = 'nope': not a class of this catalog"),
        (lambda d: _acme(d)["endorsements"].append({"pathway": "sql-querying", "task": "x"}),
         f"{WHERE}: field 'pathway' = 'sql-querying': not a pathway of this catalog"),
        (lambda d: _acme(d)["endorsements"].append({"class": "sql-querying", "task": ""}),
         f"{WHERE}: field 'task' = '': empty"),
        (lambda d: _acme(d)["endorsements"].append({"class": "sql-querying", "task": "é"}),
         f"{WHERE}: field 'task' = 'é': 1 to 32 printable ASCII characters"),
        (lambda d: _acme(d)["endorsements"].append({"class": "sql-querying", "task": "1" * 33}),
         "1 to 32 printable ASCII characters"),
        (lambda d: _acme(d)["endorsements"].append(
            {"class": "sql-querying", "task": "x", "note": "n" * 257}),
         f"{WHERE}: field 'note' = '{'n' * 257}': up to 256 bytes, printable"),
        (lambda d: _acme(d)["endorsements"].append({"class": "sql-querying", "task": "15-2051.00"}),
         f"{WHERE}: field 'endorsements' = 'class sql-querying for 15-2051.00': listed twice"),
        (lambda d: _acme(d)["endorsements"].append(
            {"class": "sql-querying", "task": "x", "rank": 1}),
         f"{WHERE}: field 'rank' = 1: unknown field"),
    ],
)  # fmt: skip
def test_employers__bad_value__one_line_names_field_and_value(edit: Any, message: str) -> None:
    data = example()
    edit(data)
    with pytest.raises(CatalogError) as err:
        catalog.parse(data)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
