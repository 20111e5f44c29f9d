"""Pathways in the tooling: the catalog's pathway applied (idempotent, drift
reported), `ape run pathway progress` finding a learner's tokens from the
chain, and `ape run pathway claim` by the learner or for the learner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from credstack import catalog
from credstack.cli import catalog as catalog_cli
from credstack.cli import pathway as pathway_cli
from credstack.errors import CatalogError
from tests.tooling.conftest import CATALOG, wallet

EVIDENCE = b"\x22" * 32
SLUG = "junior-data-analyst"

# Deploy before the first test, so ape snapshots the module with it in place.
pytestmark = pytest.mark.usefixtures("deployed")


def example() -> dict[str, Any]:
    return yaml.safe_load(CATALOG.read_text())


def give(
    deployed: dict[str, Any], registry: Any, accounts: Any, holder: str, slug: str, score: int
) -> int:
    """Issue one credential of a catalog class (by its issuer)."""
    record = deployed["classes"][slug]
    issuer = next(a for a in accounts if a.address == record.issuer)
    tx = registry.issue(record.class_id, holder, score, EVIDENCE, sender=issuer)
    return int(registry.CredentialIssued.from_receipt(tx)[0].token_id)


def error_line(result: Any) -> str:
    assert result.exit_code == 1, result.output
    return next(x for x in result.output.splitlines() if x.startswith("error:"))


# Catalog


def test_catalog__example_pathway() -> None:
    spec = catalog.load(CATALOG).pathways[SLUG]
    assert (spec.output, spec.inherit_expiry) == (SLUG, True)
    assert [(g.name, g.required, len(g.options)) for g in spec.groups] == [
        ("core", 3, 3),
        ("elective", 1, 3),
    ]
    assert spec.groups[0].options[1].min_score == 7_500  # given in the catalog
    assert spec.groups[1].options[0].min_score == 6_500  # the class's own minimum


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p.update(output="nope"), "field 'output' = 'nope': not a class of this catalog"),
        (lambda p: p.update(expiry="soon"), "field 'expiry' = 'soon': 'class' or 'parts'"),
        (lambda p: p["groups"][1].update(require=4), "field 'require' = 4: 'all' or a number"),
        (lambda p: p["groups"][1].update(require=0), "field 'require' = 0: 'all' or a number"),
        (lambda p: p["groups"][1]["options"].append("sql-querying"), "listed twice"),
        (lambda p: p["groups"][1]["options"].append(SLUG), "the output class cannot be a part"),
        (lambda p: p["groups"][0]["options"].append("nope"), "'nope': not a class of this"),
        (lambda p: p["groups"][0]["options"].append({"class": "mentor-session-pass",
                                                      "min_score": 101}), "min_score' = 101"),
        (lambda p: p["groups"][1]["options"].append("mentor-session-pass"),
         "field 'options' = 'mentor-session-pass': a transferable class cannot be a part"),
        (lambda p: p.update(colour="red"), "field 'colour' = 'red': unknown field"),
        (lambda p: p.update(groups=[]), "field 'groups' = 0: 1 to 8 groups"),
    ],
)  # fmt: skip
def test_catalog__bad_pathway__names_field_and_value(edit: Any, message: str) -> None:
    data = example()
    edit(data["pathways"][0])
    with pytest.raises(CatalogError) as info:
        catalog.parse(data)
    assert message in str(info.value)
    assert str(info.value).startswith("catalog pathway 'junior-data-analyst")


# On chain


def test_apply__pathway_created_and_recorded(deployed: dict[str, Any], project: Any) -> None:
    deployment = deployed["deployment"]
    pathway_id = deployment.pathway_ids[SLUG]
    contract = project.PathwayRegistry.at(deployment.pathways)
    info = contract.pathway(pathway_id)
    classes = deployed["classes"]
    assert info.output_class == classes[SLUG].class_id
    assert list(info.required) == [3, 1]
    assert [(o.class_id, o.min_score, o.group) for o in info.options] == [
        (classes["spreadsheet-analysis"].class_id, 7_000, 0),
        (classes["sql-querying"].class_id, 7_500, 0),
        (classes["data-visualization"].class_id, 7_000, 0),
        (classes["analytics-communication"].class_id, 6_500, 1),
        (classes["python-data-wrangling"].class_id, 7_000, 1),
        (classes["applied-statistics"].class_id, 7_000, 1),
    ]
    assert info.inherit_expiry is True


def test_apply__pathway_rerun_and_show(deployed: Any, invoke: Any, accounts: Any) -> None:
    nonce = accounts[1].nonce
    result = invoke(catalog_cli.cli, "apply", CATALOG, "--account", "TEST::1", "--yes")
    assert "[ok] pathway junior-data-analyst: pathway 1" in result.output
    assert "0 transaction(s) to send" in result.output
    assert accounts[1].nonce == nonce
    shown = invoke(catalog_cli.cli, "show", CATALOG)
    assert "python-data-wrangling*" in shown.output  # cross-credit marked
    assert shown.output.count("in sync") == 10  # eight classes, the pathway and the tier


def test_apply__pathway_changed__drift(deployed: Any, invoke: Any, tmp_path: Path) -> None:
    data = example()
    data["pathways"][0]["groups"][1]["require"] = 2
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    result = invoke(catalog_cli.cli, "apply", path, "--account", "TEST::1", "--dry-run")
    assert (
        "[DRIFT] pathway junior-data-analyst: rules on chain (pathway 1) differ from the catalog"
        in result.output
    )
    assert "0 transaction(s) to send" in result.output


def test_apply__pathway_renamed__created_as_a_new_pathway(
    deployed: Any, invoke: Any, tmp_path: Path, deployments_dir: Path
) -> None:
    from ape import chain

    data = example()
    data["pathways"][0]["name"] = "Junior Data Analyst (2027)"
    data["pathways"][0]["groups"][1]["require"] = 2
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    # The chain is rolled back after the test; the module's record must be too.
    record = deployments_dir / f"{chain.chain_id}.json"
    saved = record.read_text()
    try:
        result = invoke(catalog_cli.cli, "apply", path, "--account", "TEST::1", "--yes")
        done = "[done] pathway junior-data-analyst: create pathway 'Junior Data Analyst (2027)'"
        assert done in result.output
        assert json.loads(record.read_text())["pathway_ids"] == {SLUG: 2}
    finally:
        record.write_text(saved)


# Progress and claim


@pytest.fixture
def learner(deployed: dict[str, Any], deployed_registry: Any, accounts: Any) -> str:
    """TEST::10 holds the three core parts; no elective yet."""
    holder = accounts[10].address
    for slug, score in (("spreadsheet-analysis", 8_000), ("sql-querying", 7_600),
                        ("data-visualization", 9_000)):  # fmt: skip
        give(deployed, deployed_registry, accounts, holder, slug, score)
    return holder


def test_progress__finds_tokens_and_says_what_is_missing(
    deployed: Any, invoke: Any, learner: str
) -> None:
    result = invoke(pathway_cli.cli, "progress", "--holder", learner)
    assert result.exit_code == 0, result.output
    assert f"{learner} holds 3 of 4 required parts" in result.output
    assert "3 counted, met" in result.output
    assert "0 counted, missing 1" in result.output
    assert "Python for Data Wrangling* (min 70%)" in result.output
    doc = json.loads(
        invoke(pathway_cli.cli, "progress", "--holder", learner, "--pathway", SLUG, "--json").output
    )
    assert (doc["parts_held"], doc["parts_required"], doc["complete"]) == (3, 4, False)
    assert (doc["claimable"], doc["reason"]) == (False, "requirements_not_met")
    assert [g["met"] for g in doc["groups"]] == [True, False]
    assert [t["reason"] for t in doc["tokens"]] == ["counts"] * 3
    assert "not claimable now: requirements not met" in result.output


def test_progress__complete_but_paused__not_claimable_and_claim_refused_before_sending(
    deployed: Any, invoke: Any, learner: str, deployed_registry: Any, accounts: Any
) -> None:
    """The groups are met, but the registry is paused: progress says so, and
    the claim is refused before anything is sent."""
    give(deployed, deployed_registry, accounts, learner, "python-data-wrangling", 8_000)
    guardian = accounts[6]  # the example catalog's guardian (TEST::6)
    deployed_registry.pause(sender=guardian)
    result = invoke(pathway_cli.cli, "progress", "--holder", learner, "--pathway", SLUG)
    assert result.exit_code == 0, result.output
    assert "not claimable now: the registry is paused" in result.output
    doc = json.loads(
        invoke(pathway_cli.cli, "progress", "--holder", learner, "--pathway", SLUG, "--json").output
    )
    assert (doc["complete"], doc["claimable"], doc["reason"]) == (True, False, "paused")
    nonce = accounts[1].nonce
    result = invoke(
        pathway_cli.cli, "claim", "--pathway", SLUG, "--holder", learner,
        "--account", "TEST::1", "--yes",
    )  # fmt: skip
    assert error_line(result) == (
        f"error: pathway 1 cannot be claimed for {learner} now: the registry is paused"
    )
    assert accounts[1].nonce == nonce


def test_claim__incomplete__refused_before_sending(
    deployed: Any, invoke: Any, learner: str, accounts: Any
) -> None:
    nonce = accounts[1].nonce
    result = invoke(
        pathway_cli.cli, "claim", "--pathway", SLUG, "--holder", learner,
        "--account", "TEST::1", "--yes",
    )  # fmt: skip
    assert error_line(result) == (
        f"error: {learner} does not meet pathway 1 yet: group 2 needs 1 more"
    )
    assert accounts[1].nonce == nonce


def test_claim__for_the_learner_by_the_issuer_cross_credit(
    deployed: Any, invoke: Any, learner: str, deployed_registry: Any, accounts: Any
) -> None:
    python = give(deployed, deployed_registry, accounts, learner, "python-data-wrangling", 8_000)
    result = invoke(
        pathway_cli.cli, "claim", "--pathway", SLUG, "--holder", learner,
        "--account", "TEST::1", "--yes",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    claimed = result.output.split("claimed: token ")[1]
    token = int(claimed.split()[0])
    parts = [int(t) for t in claimed.split("with parts ")[1].split(",")]
    assert python in parts and len(parts) == 4
    record = deployed_registry.credential(token)
    assert (record.holder, record.class_id) == (learner, deployed["classes"][SLUG].class_id)
    # Expiry from the parts: SQL, spreadsheets and Python expire in 730
    # days, the class would give 1,095.
    assert record.expires_at == min(deployed_registry.credential(t).expires_at for t in parts)
    again = invoke(
        pathway_cli.cli, "claim", "--pathway", SLUG, "--holder", learner,
        "--account", "TEST::1", "--yes",
    )  # fmt: skip
    assert "already holds this pathway's credential" in error_line(again)


def test_claim__by_the_learner(
    deployed: Any, invoke: Any, learner: str, deployed_registry: Any, accounts: Any
) -> None:
    give(deployed, deployed_registry, accounts, learner, "analytics-communication", 7_000)
    result = invoke(pathway_cli.cli, "claim", "--pathway", SLUG, "--account", "TEST::10", "--yes")
    assert result.exit_code == 0, result.output
    progress = json.loads(
        invoke(pathway_cli.cli, "progress", "--holder", learner, "--pathway", SLUG, "--json").output
    )
    assert progress["claimed_token"] is not None


def test_claim__stranger_for_learner__refused_by_the_contract(
    deployed: Any, invoke: Any, learner: str, deployed_registry: Any, accounts: Any
) -> None:
    give(deployed, deployed_registry, accounts, learner, "applied-statistics", 9_900)
    result = invoke(
        pathway_cli.cli, "claim", "--pathway", SLUG, "--holder", learner,
        "--account", "TEST::2", "--yes",
    )  # fmt: skip
    assert error_line(result) == (
        "error: the chain refused the transaction: pathway: not class issuer"
    )


def test_progress__bad_input(deployed: Any, invoke: Any) -> None:
    result = invoke(pathway_cli.cli, "progress", "--holder", "0xabc")
    assert "--holder = '0xabc': not an address" in result.output
    result = invoke(pathway_cli.cli, "progress", "--holder", wallet(1), "--pathway", "nope")
    assert error_line(result) == "error: unknown pathway 'nope' (known: junior-data-analyst)"
