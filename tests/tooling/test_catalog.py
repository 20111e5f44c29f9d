"""The catalog: YAML checks, Open Badges metadata, content URIs, and
`catalog apply|show` on chain (idempotent, drift reported)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from credstack import catalog
from credstack.cli import catalog as catalog_cli
from credstack.errors import CatalogError
from tests.tooling.conftest import CATALOG

# Deploy before the first test, so ape snapshots the module with it in place.
pytestmark = pytest.mark.usefixtures("deployed")


def example() -> dict[str, Any]:
    return yaml.safe_load(CATALOG.read_text())


def test_example__two_issuers_eight_classes_one_transferable() -> None:
    c = catalog.load(CATALOG)
    assert list(c.issuers) == ["northwind", "lumen"]
    assert len(c.classes) == 8
    assert [s.slug for s in c.classes.values() if s.transferable] == ["mentor-session-pass"]
    assert c.classes["sql-querying"].min_score == 7_500


def test_content_uri__known_vector() -> None:
    # IPFS's CIDv1 (raw leaves, sha2-256) of zero bytes.
    assert catalog.content_uri(b"") == (
        "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    )


def test_metadata__open_badges_achievement(tmp_path: Path) -> None:
    c = catalog.load(CATALOG)
    spec = c.classes["sql-querying"]
    doc = c.metadata(spec)
    assert doc["type"] == ["Achievement"]
    assert doc["criteria"]["narrative"].startswith("Proctored practical")
    assert doc["resultDescription"][0]["requiredValue"] == "75"
    assert doc["alignment"][0]["targetCode"] == "15-2051.00"
    assert doc["credstack"]["evidence_types"] == ["proctored exam result", "query file"]
    catalog.write_metadata(c, tmp_path)
    written = tmp_path / "sql-querying.json"
    assert json.loads(written.read_bytes())["name"] == "SQL Querying"
    assert catalog.content_uri(written.read_bytes()) == catalog.class_uri(c, spec)


def write_catalog(directory: Path, data: dict[str, Any]) -> Path:
    path = directory / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _edit(data: dict[str, Any], where: str, key: str, value: Any) -> dict[str, Any]:
    section, index = where.split(":")
    entry = data[section][int(index)]
    if value is None:
        del entry[key]
    else:
        entry[key] = value
    return data


@pytest.mark.parametrize(
    ("where", "key", "value", "message"),
    [
        ("issuers:0", "address", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
         "catalog issuers[0]: field 'address' = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8': "
         "no EIP-55 checksum (all one case): copy the address as the wallet shows it"),
        ("issuers:1", "id", "northwind", "catalog issuers[1]: field 'id' = 'northwind': duplicate"),
        ("classes:0", "slug", "Bad Slug",
         "catalog classes[0]: field 'slug' = 'Bad Slug': "
         "lowercase letters, digits and '-', up to 48"),
        ("classes:1", "slug", "spreadsheet-analysis",
         "catalog classes[1]: field 'slug' = 'spreadsheet-analysis': duplicate"),
        ("classes:0", "issuer", "acme",
         "catalog class 'spreadsheet-analysis': field 'issuer' = 'acme': "
         "not one of ['lumen', 'northwind']"),
        ("classes:0", "min_score", 120,
         "catalog class 'spreadsheet-analysis': field 'min_score' = 120: "
         "a number from 0 to 100 with at most two decimals"),
        ("classes:0", "validity_days", -1,
         "catalog class 'spreadsheet-analysis': field 'validity_days' = -1: 0 (never) to 36500"),
        ("classes:0", "transferable", "yes",
         "catalog class 'spreadsheet-analysis': field 'transferable' = 'yes': expected bool"),
        ("classes:0", "criteria", None,
         "catalog class 'spreadsheet-analysis': field 'criteria' = None: missing"),
        ("classes:0", "evidence_types", [],
         "catalog class 'spreadsheet-analysis': field 'evidence_types' = []: "
         "a non-empty list of names"),
        ("classes:0", "colour", "blue",
         "catalog class 'spreadsheet-analysis': field 'colour' = 'blue': unknown field"),
        ("classes:0", "name", 'Say "hi"',
         "catalog class 'spreadsheet-analysis': field 'name' = 'Say \"hi\"': "
         "up to 64 bytes, no quotes or backslashes"),
    ],
)  # fmt: skip
def test_catalog__bad_field__names_entry_field_value(
    where: str, key: str, value: Any, message: str
) -> None:
    with pytest.raises(CatalogError) as info:
        catalog.parse(_edit(example(), where, key, value))
    assert str(info.value) == message


def test_catalog__unreadable_or_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="unreadable"):
        catalog.load(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("issuers: [\n")
    with pytest.raises(CatalogError, match="not valid YAML"):
        catalog.load(tmp_path / "bad.yaml")


# On chain


def test_apply__example__classes_match_catalog(
    deployed: dict[str, Any], deployed_registry: Any
) -> None:
    c = catalog.load(CATALOG)
    assert set(deployed["classes"]) == set(c.classes)
    for slug, spec in c.classes.items():
        info = deployed_registry.class_info(deployed["classes"][slug].class_id)
        assert info.name == spec.name
        assert info.issuer == c.issuers[spec.issuer].address
        assert info.uri == catalog.class_uri(c, spec)
        assert (info.transferable, info.revocable) == (spec.transferable, spec.revocable)
        assert info.validity == spec.validity_days * 86_400
        assert info.min_score == spec.min_score


def test_apply__rerun__sends_nothing(deployed: Any, invoke: Any, accounts: Any) -> None:
    nonces = [accounts[i].nonce for i in range(5)]
    for account in ("TEST::0", "TEST::1", "TEST::2", "TEST::3", "TEST::4"):
        result = invoke(catalog_cli.cli, "apply", CATALOG, "--account", account, "--yes")
        assert result.exit_code == 0, result.output
        assert "0 transaction(s) to send" in result.output
    assert [accounts[i].nonce for i in range(5)] == nonces


def test_apply__dry_run__lists_and_sends_nothing(
    deployed: Any, invoke: Any, accounts: Any, tmp_path: Path
) -> None:
    data = example()
    data["classes"][0]["description"] = "Changed wording."
    path = write_catalog(tmp_path, data)
    nonce = accounts[1].nonce
    result = invoke(catalog_cli.cli, "apply", path, "--account", "TEST::1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "[to send] spreadsheet-analysis: update metadata URI" in result.output
    assert "1 transaction(s) to send; dry run" in result.output
    assert accounts[1].nonce == nonce


def test_apply__changed_description__updates_uri(
    deployed: Any, invoke: Any, deployed_registry: Any, tmp_path: Path
) -> None:
    data = example()
    data["classes"][0]["description"] = "Changed wording."
    path = write_catalog(tmp_path, data)
    result = invoke(catalog_cli.cli, "apply", path, "--account", "TEST::1", "--yes")
    assert result.exit_code == 0, result.output
    assert "[done] spreadsheet-analysis: update metadata URI" in result.output
    c = catalog.load(path)
    class_id = deployed["classes"]["spreadsheet-analysis"].class_id
    assert deployed_registry.class_info(class_id).uri == catalog.class_uri(
        c, c.classes["spreadsheet-analysis"]
    )


def test_apply__fixed_field_changed__drift_reported_nothing_sent(
    deployed: Any, invoke: Any, accounts: Any, tmp_path: Path
) -> None:
    # The mentor pass: no pathway lists it (a transferable class cannot be a
    # part, so the catalog would refuse a pathway option made transferable).
    data = example()
    assert data["classes"][6]["slug"] == "mentor-session-pass"
    data["classes"][6]["min_score"] = 80
    data["classes"][6]["transferable"] = False
    del data["memberships"]["tiers"][0]["offers"][0]["pass"]  # a pass must be transferable
    path = write_catalog(tmp_path, data)
    nonce = accounts[2].nonce
    result = invoke(catalog_cli.cli, "apply", path, "--account", "TEST::2", "--yes")
    assert result.exit_code == 0, result.output
    assert (
        "[DRIFT] mentor-session-pass: min_score is 0 on chain, 80 in the catalog; fixed at "
        "creation: give the changed class a new slug" in result.output
    )
    assert "[DRIFT] mentor-session-pass: transferable is True on chain, False in the catalog" in (
        result.output
    )
    assert accounts[2].nonce == nonce


def test_apply__other_issuers_class__needs_that_issuer(
    deployed: Any, invoke: Any, tmp_path: Path
) -> None:
    data = example()
    data["classes"].append({**data["classes"][4], "slug": "pandas-2", "name": "Pandas Two"})
    path = write_catalog(tmp_path, data)
    result = invoke(catalog_cli.cli, "apply", path, "--account", "TEST::1", "--yes")
    assert result.exit_code == 0, result.output
    assert (
        "[needs] pandas-2: create class 'Pandas Two' (must be sent by "
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC)" in result.output
    )


def test_apply__lost_deployments_record__found_on_chain(
    deployed: Any, invoke: Any, deployments_dir: Path, accounts: Any
) -> None:
    from ape import chain

    path = deployments_dir / f"{chain.chain_id}.json"
    saved = path.read_text()
    data = json.loads(saved)
    data["classes"] = {}
    path.write_text(json.dumps(data))
    try:
        nonce = accounts[1].nonce
        result = invoke(catalog_cli.cli, "apply", CATALOG, "--account", "TEST::1", "--yes")
        assert result.exit_code == 0, result.output
        assert accounts[1].nonce == nonce
        assert json.loads(path.read_text())["classes"] == json.loads(saved)["classes"]
    finally:
        path.write_text(saved)


def test_show__lists_every_class_in_sync(deployed: Any, invoke: Any) -> None:
    result = invoke(catalog_cli.cli, "show", CATALOG)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "in sync" in line]
    assert len(lines) == 10  # eight classes, the pathway and the membership tier


# Governance in the catalog


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("threshold", 4, "catalog governance: field 'threshold' = 4: 1 to 3 (the members)"),
        ("delay", "soon", "catalog governance: field 'delay' = 'soon': a whole number of seconds"),
        (
            "guardian",
            "0xabc",
            "catalog governance: field 'guardian' = '0xabc': not an address (0x and 40 hex digits)",
        ),
        ("quorum", 2, "catalog governance: field 'quorum' = 2: unknown field"),
        (
            "council",
            ["0x90f79bf6eb2c4f870365e785982e1f101e93b906"],
            "catalog governance: field 'council' = '0x90f79bf6eb",
        ),
    ],
)
def test_catalog__bad_governance__names_field_and_value(key: str, value: Any, message: str) -> None:
    data = example()
    data["governance"][key] = value
    with pytest.raises(CatalogError) as info:
        catalog.parse(data)
    assert str(info.value).startswith(message)


def test_catalog__governance_optional() -> None:
    data = example()
    del data["governance"]
    assert catalog.parse(data).governance is None
    governance = catalog.load(CATALOG).governance
    assert governance is not None
    assert (governance.threshold, governance.delay) == (2, 48 * 3_600)


def test_apply__new_issuer__member_proposes_once(
    deployed: Any, invoke: Any, accounts: Any, tmp_path: Path, deployed_registry: Any
) -> None:
    """A new issuer in the catalog: a council member's apply proposes the
    grant; running it again (or as another member) finds the open proposal
    instead of proposing twice; a non-member is told a member must."""
    data = example()
    harbor = accounts[8].address
    data["issuers"].append({"id": "harbor", "name": "Harbor Academy", "address": harbor})
    path = write_catalog(tmp_path, data)
    result = invoke(catalog_cli.cli, "apply", path, "--account", "TEST::3", "--yes")
    assert result.exit_code == 0, result.output
    assert "[done] harbor: propose to the council: grant issuer role to harbor" in result.output
    nonces = [accounts[i].nonce for i in (3, 4)]
    for member in ("TEST::3", "TEST::4"):
        again = invoke(catalog_cli.cli, "apply", path, "--account", member, "--yes")
        assert again.exit_code == 0, again.output
        assert "[needs] harbor: grant issuer role: proposal 2 is approving" in again.output
        assert "0 transaction(s) to send" in again.output
    assert [accounts[i].nonce for i in (3, 4)] == nonces
    assert not deployed_registry.hasRole(deployed_registry.ISSUER_ROLE(), harbor)


def test_apply__new_issuer__non_member_needs_a_member(
    deployed: Any, invoke: Any, accounts: Any, tmp_path: Path
) -> None:
    data = example()
    data["issuers"].append({"id": "harbor", "name": "Harbor", "address": accounts[8].address})
    path = write_catalog(tmp_path, data)
    result = invoke(catalog_cli.cli, "apply", path, "--account", "TEST::1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "[needs] harbor: grant issuer role (must be sent by a council member)" in result.output
