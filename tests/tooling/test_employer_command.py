"""Employers in the tooling: the catalog's employers section applied (the
council onboards them in the issuers' proposal; each employer sends its own
endorsements; idempotent; drift reported), `ape run employer endorse|
withdraw|record|status`, and `ape run consent` (sign, revoke); every refusal
one line before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from credstack.cli import catalog as catalog_cli
from credstack.cli import consent as consent_cli
from credstack.cli import employer as employer_cli
from credstack.employers import Consent, consent_typed_data
from credstack.membership import sign_typed_data
from tests.tooling.conftest import CATALOG, COUNCIL

EVIDENCE = b"\x44" * 32
ACME, HARBOR, CIVIC = "TEST::12", "TEST::13", "TEST::14"
ACME_ADDRESS = "0xFABB0ac9d68B0B445fB7357272Ff202C5651694a"
HARBOR_ADDRESS = "0x1CBd3b2770909D4e10f157cABC84C7264073C9Ec"
LEARNER = "TEST::10"
LEARNER_ADDRESS = "0xBcd4042DE499D14e55001CcbB24a551F3b954096"
JDA = "junior-data-analyst"
JOB_CODE = "15-2051.00"

# Deploy before the first test, so ape snapshots the module with it in place.
pytestmark = pytest.mark.usefixtures("deployed")


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CATALOG.read_text())
    return data


def error_line(result: Any) -> str:
    assert result.exit_code == 1, result.output
    return next(x for x in result.output.splitlines() if x.startswith("error:"))


@pytest.fixture
def employers(deployed: dict[str, Any]) -> Any:
    from ape import project

    return project.EmployerRegistry.at(deployed["deployment"].employers)


@pytest.fixture
def token(deployed: dict[str, Any], deployed_registry: Any, accounts: Any) -> int:
    """TEST::10 holds an SQL Querying credential: its token id."""
    record = deployed["classes"]["sql-querying"]
    issuer = next(a for a in accounts if a.address == record.issuer)
    tx = deployed_registry.issue(record.class_id, LEARNER_ADDRESS, 8_000, EVIDENCE, sender=issuer)
    return int(deployed_registry.CredentialIssued.from_receipt(tx)[0].token_id)


@pytest.fixture
def endorsed(invoke: Any) -> None:
    """Each employer applied the catalog: its endorsements are on chain."""
    for account in (ACME, HARBOR, CIVIC):
        result = invoke(catalog_cli.cli, "apply", str(CATALOG), "--account", account, "--yes")
        assert result.exit_code == 0, result.output


def sign_consent(
    invoke: Any, tmp_path: Path, token: int, outcomes: str = "verified,interviewed", *extra: str
) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "consent.json"
    result = invoke(
        consent_cli.cli, "--employer", ACME_ADDRESS, "--token", str(token), "--outcomes", outcomes,
        "--out", str(path), "--account", LEARNER, "--json", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.output)
    return path, doc


# The catalog applied


def test_apply__council_onboarded_employers_with_the_issuers(
    deployed: dict[str, Any], employers: Any
) -> None:
    from credstack.governance import Governance

    governance = Governance.for_deployment(deployed["deployment"])
    [first] = governance.proposals()[:1]
    assert first.description == (
        "catalog: onboard issuers northwind, lumen; employers acme-retail, harbor-logistics, "
        "civic-health"
    )
    assert len(first.calls) == 5
    assert employers.employer_count() == 3
    info = employers.employer(ACME_ADDRESS)
    assert (info.name, info.url, info.active) == (
        "Acme Retail Analytics",
        "https://careers.acme-retail.example.com",
        True,
    )


def test_apply__employer_sends_its_endorsements_then_in_sync(
    invoke: Any, accounts: Any, employers: Any, deployed: dict[str, Any]
) -> None:
    result = invoke(catalog_cli.cli, "apply", str(CATALOG), "--account", ACME, "--yes")
    assert result.exit_code == 0, result.output
    pathway_id = deployed["deployment"].pathway_ids[JDA]
    sql = deployed["classes"]["sql-querying"].class_id
    assert employers.endorsement_count(1, pathway_id, "15-2051.00") == 1
    assert employers.endorsement_count(0, sql, "15-2051.00") == 1
    note = employers.endorsement(ACME_ADDRESS, 1, pathway_id, "15-2051.00").note_uri
    assert note == "https://careers.acme-retail.example.com/roles/junior-analyst"
    nonce = accounts[12].nonce
    again = invoke(catalog_cli.cli, "apply", str(CATALOG), "--account", ACME, "--yes")
    assert again.exit_code == 0, again.output
    assert (
        f"[ok] employer acme-retail: endorses pathway {pathway_id} for 15-2051.00" in again.output
    )
    assert "0 transaction(s) to send" in again.output
    assert accounts[12].nonce == nonce


def test_apply__other_account__endorsements_need_the_employer(invoke: Any) -> None:
    result = invoke(catalog_cli.cli, "apply", str(CATALOG), "--account", "TEST::1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        "[needs] employer acme-retail: endorse class sql-querying for 15-2051.00 "
        f"(must be sent by {ACME_ADDRESS})"
    ) in result.output


def test_apply__note_changed_and_endorsement_dropped(
    invoke: Any, tmp_path: Path, endorsed: None, employers: Any, deployed: dict[str, Any]
) -> None:
    data = example()
    acme = data["employers"][0]
    acme["endorsements"][0]["note"] = "https://careers.acme-retail.example.com/2027"
    del acme["endorsements"][1]
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    result = invoke(catalog_cli.cli, "apply", str(path), "--account", ACME, "--yes")
    assert result.exit_code == 0, result.output
    sql = deployed["classes"]["sql-querying"].class_id
    assert (
        f"[done] employer acme-retail: withdraw its endorsement of class {sql} for 15-2051.00 "
        "(not in the catalog)"
    ) in result.output
    pathway_id = deployed["deployment"].pathway_ids[JDA]
    assert employers.endorsement_count(0, sql, "15-2051.00") == 0
    assert employers.endorsement_count(1, pathway_id, "15-2051.00") == 3
    info = employers.endorsement(ACME_ADDRESS, 1, pathway_id, "15-2051.00")
    assert info.note_uri == "https://careers.acme-retail.example.com/2027"


def test_apply__renamed_employer__council_member_proposes_the_update(
    invoke: Any, tmp_path: Path
) -> None:
    data = example()
    data["employers"][1]["name"] = "Harbor Logistics Group"
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    result = invoke(catalog_cli.cli, "apply", str(path), "--account", COUNCIL[0], "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        "[to send] employer harbor-logistics: propose to the council: onboard employers "
        "harbor-logistics"
    ) in result.output
    other = invoke(catalog_cli.cli, "apply", str(path), "--account", "TEST::1", "--dry-run")
    assert (
        f"[needs] employer harbor-logistics: update employer {HARBOR_ADDRESS}'s name and URL "
        "(must be sent by a council member)"
    ) in " ".join(other.output.split())


def test_show__employers_table(invoke: Any, endorsed: None) -> None:
    result = invoke(catalog_cli.cli, "show", str(CATALOG))
    assert result.exit_code == 0, result.output
    assert "employers" in result.output
    line = next(x for x in result.output.splitlines() if "acme-retail" in x)
    assert "in sync" in line


# ape run employer endorse | withdraw


def test_endorse__class_by_slug__json(
    invoke: Any, employers: Any, deployed: dict[str, Any]
) -> None:
    result = invoke(
        employer_cli.cli, "endorse", "--class", "applied-statistics", "--task", "15-2041.00",
        "--note", "ipfs://note", "--account", HARBOR, "--yes", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    class_id = deployed["classes"]["applied-statistics"].class_id
    assert json.loads(result.output) == {
        "employer": HARBOR_ADDRESS,
        "kind": "class",
        "target_id": class_id,
        "task": "15-2041.00",
        "note_uri": "ipfs://note",
        "endorsements": 1,
    }
    assert employers.endorsement(HARBOR_ADDRESS, 0, class_id, "15-2041.00").active


@pytest.mark.parametrize(
    ("args", "account", "message"),
    [
        (["--class", "sql-querying", "--task", "15-2051.00"], "TEST::0",
         "is not an employer: governance onboards employers"),
        (["--class", "99", "--task", "15-2051.00"], ACME, "unknown class 99 (classes: 1 to 8)"),
        (["--pathway", "7", "--task", "15-2051.00"], ACME, "unknown pathway 7 (pathways: 1 to 1)"),
        (["--pathway", "nope", "--task", "x"], ACME, "unknown pathway 'nope'"),
        (["--class", "sql-querying", "--task", "15-2051.00\t"], ACME,
         "task '15-2051.00\\t': 1 to 32 printable ASCII characters"),
        (["--class", "sql-querying", "--task", ""], ACME, "task '': empty"),
        (["--class", "sql-querying", "--pathway", JDA, "--task", "x"], ACME,
         "name one target: --class SLUG|ID or --pathway SLUG|ID"),
        (["--class", "sql-querying", "--task", "x", "--note", "n" * 257], ACME,
         "note URI of 257 bytes: at most 256"),
    ],
)  # fmt: skip
def test_endorse__refused_before_sending(
    invoke: Any, accounts: Any, args: list[str], account: str, message: str
) -> None:
    index = int(account.split("::")[1])
    nonce = accounts[index].nonce
    result = invoke(employer_cli.cli, "endorse", *args, "--account", account, "--yes")
    assert message in error_line(result)
    assert accounts[index].nonce == nonce


def test_withdraw__then_not_endorsed(invoke: Any, endorsed: None, employers: Any) -> None:
    args = ["--pathway", JDA, "--task", "15-2051.00", "--account", CIVIC, "--yes"]
    result = invoke(employer_cli.cli, "withdraw", *args)
    assert result.exit_code == 0, result.output
    assert "withdrawn: pathway 1 (junior-data-analyst) for 15-2051.00" in result.output
    assert "(2 left)" in result.output
    again = invoke(employer_cli.cli, "withdraw", *args)
    assert "has no standing endorsement of pathway 1 for 15-2051.00" in error_line(again)


# ape run consent; ape run employer record


def test_consent__sign_writes_file__employer_records(
    invoke: Any, tmp_path: Path, token: int, employers: Any, accounts: Any
) -> None:
    nonce = accounts[10].nonce
    path, doc = sign_consent(invoke, tmp_path, token)
    assert accounts[10].nonce == nonce  # the learner sent nothing
    assert doc["outcome_names"] == ["verified", "interviewed"]
    assert doc["holder"] == LEARNER_ADDRESS and doc["employer"] == ACME_ADDRESS
    assert json.loads(path.read_text())["signature"] == doc["signature"]
    result = invoke(
        employer_cli.cli, "record", "--consent", str(path), "--outcome", "verified",
        "--account", ACME, "--yes", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["verifications"] == 1
    [event] = list(employers.CredentialVerified.range(0, 10_000))
    assert (event.token_id, event.employer, event.holder, event.outcome) == (
        token,
        ACME_ADDRESS,
        LEARNER_ADDRESS,
        1,
    )
    assert employers.consent_state(LEARNER_ADDRESS, int(doc["nonce"])) == 1
    status = invoke(employer_cli.cli, "status", "--employer", ACME_ADDRESS, "--json")
    assert json.loads(status.output)["records"] == {"verified": 1, "interviewed": 0, "hired": 0}


def _record(invoke: Any, path: Path, outcome: str, account: str = ACME) -> Any:
    return invoke(
        employer_cli.cli, "record", "--consent", str(path), "--outcome", outcome,
        "--account", account, "--yes",
    )  # fmt: skip


def test_record__replay_refused(invoke: Any, tmp_path: Path, token: int) -> None:
    path, doc = sign_consent(invoke, tmp_path, token)
    assert _record(invoke, path, "verified").exit_code == 0
    assert error_line(_record(invoke, path, "verified")) == (
        f"error: the consent (nonce {doc['nonce']}) was used already for 'verified': each "
        "outcome of a consent is recorded once"
    )
    assert _record(invoke, path, "interviewed").exit_code == 0


def test_record__outcome_not_in_consent(invoke: Any, tmp_path: Path, token: int) -> None:
    path, _ = sign_consent(invoke, tmp_path, token, "verified")
    assert error_line(_record(invoke, path, "hired")) == (
        "error: outcome 'hired' is not in the consent (it allows: verified)"
    )
    assert "outcome 'promoted': one of verified, interviewed, hired" in error_line(
        _record(invoke, path, "promoted")
    )


def test_record__another_employer_refused(invoke: Any, tmp_path: Path, token: int) -> None:
    path, _ = sign_consent(invoke, tmp_path, token)
    assert error_line(_record(invoke, path, "verified", HARBOR)) == (
        f"error: the consent is for employer {ACME_ADDRESS}, not {HARBOR_ADDRESS}: only the "
        "employer it names may use it"
    )


def test_record__expired_consent(invoke: Any, tmp_path: Path, token: int, chain: Any) -> None:
    path, _ = sign_consent(invoke, tmp_path, token, "verified", "--deadline", "1h")
    chain.pending_timestamp += 7_200
    assert "error: the consent expired on " in error_line(_record(invoke, path, "verified"))


def test_record__signature_not_by_the_holder(
    invoke: Any, tmp_path: Path, token: int, accounts: Any, employers: Any
) -> None:
    path, doc = sign_consent(invoke, tmp_path, token)
    from credstack.employers import Employers
    from credstack.registry import Registry

    facade = Employers(employers, Registry(employers))  # the domain only
    typed = consent_typed_data(
        facade.domain(), token, ACME_ADDRESS, doc["outcomes"], int(doc["nonce"]), doc["deadline"]
    )
    forged = Consent.from_json(doc)
    forged_doc = forged.to_json()
    forged_doc["signature"] = "0x" + sign_typed_data(accounts[9], typed).hex()
    path.write_text(json.dumps(forged_doc))
    assert error_line(_record(invoke, path, "verified")) == (
        f"error: bad signature: the consent is not signed by token {token}'s holder "
        f"{LEARNER_ADDRESS} for these terms"
    )


def test_consent__revoke__records_refused(invoke: Any, tmp_path: Path, token: int) -> None:
    path, doc = sign_consent(invoke, tmp_path, token)
    assert _record(invoke, path, "verified").exit_code == 0
    result = invoke(
        consent_cli.cli, "revoke", "--nonce", doc["nonce"], "--account", LEARNER, "--yes"
    )
    assert result.exit_code == 0, result.output
    assert f"revoked: consent {doc['nonce']} of {LEARNER_ADDRESS}; recorded before: verified" in (
        " ".join(result.output.split())
    )
    assert error_line(_record(invoke, path, "interviewed")) == (
        f"error: the consent (nonce {doc['nonce']}) was revoked by its holder"
    )
    again = invoke(
        consent_cli.cli, "revoke", "--nonce", doc["nonce"], "--account", LEARNER, "--yes"
    )
    assert error_line(again) == f"error: the consent with nonce {doc['nonce']} is revoked already"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--employer", ACME_ADDRESS, "--outcomes", "verified,promoted"],
         "outcome 'promoted': one of verified, interviewed, hired (comma-separated)"),
        (["--employer", ACME_ADDRESS, "--outcomes", ","],
         "outcomes ',': name at least one of verified, interviewed, hired"),
        (["--employer", "0x0000000000000000000000000000000000000001", "--outcomes", "verified"],
         "0x0000000000000000000000000000000000000001 is not an employer"),
        (["--employer", "0xabc", "--outcomes", "verified"],
         "--employer '0xabc': not an address"),
        (["--employer", ACME_ADDRESS, "--outcomes", "verified", "--deadline", "2001-01-01"],
         "--deadline '2001-01-01': 2001-01-01 00:00 UTC is past"),
        (["--employer", ACME_ADDRESS, "--outcomes", "verified", "--deadline", "soon"],
         "--deadline 'soon': a duration (30d, 48h), a date (2026-12-31) or a unix time"),
    ],
)  # fmt: skip
def test_consent__bad_input__one_line(
    invoke: Any, token: int, args: list[str], message: str
) -> None:
    result = invoke(consent_cli.cli, "--token", str(token), *args, "--account", LEARNER)
    assert message in error_line(result)


def test_consent__not_the_holder(invoke: Any, token: int) -> None:
    result = invoke(
        consent_cli.cli, "--employer", ACME_ADDRESS, "--token", str(token), "--outcomes",
        "verified", "--account", "TEST::9",
    )  # fmt: skip
    assert error_line(result).startswith(f"error: token {token} is held by {LEARNER_ADDRESS}, not ")


def test_record__bad_consent_file(invoke: Any, tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    path.write_text("{}")
    assert "not a credstack consent file" in error_line(_record(invoke, path, "verified"))


def test_status__every_employer(invoke: Any, endorsed: None) -> None:
    result = invoke(employer_cli.cli, "status", "--json")
    assert result.exit_code == 0, result.output
    docs = json.loads(result.output)
    assert [d["name"] for d in docs] == [
        "Acme Retail Analytics",
        "Harbor Logistics",
        "Civic Health Trust",
    ]
    assert all(d["active"] for d in docs)
    assert {(e["kind"], e["task"]) for e in docs[0]["endorsements"]} == {
        ("pathway", "15-2051.00"),
        ("class", "15-2051.00"),
    }
    text = invoke(employer_cli.cli, "status")
    assert "Acme Retail Analytics (0xFABB0ac9d68B0B445fB7357272Ff202C5651694a): active" in (
        text.output
    )


# verify: endorsements of the class, consented verifications of the token


def test_verify__token__accepted_by_and_consented_records(
    invoke: Any, tmp_path: Path, token: int, endorsed: None, deployed: dict[str, Any]
) -> None:
    from credstack.cli import verify as verify_cli

    path, _ = sign_consent(invoke, tmp_path, token)
    assert _record(invoke, path, "verified").exit_code == 0
    assert _record(invoke, path, "interviewed").exit_code == 0
    result = invoke(verify_cli.cli, "--token", str(token), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    sql = deployed["classes"]["sql-querying"].class_id
    assert doc["accepted_by"] == [
        {
            "target": f"class {sql}",
            "task": "15-2051.00",
            "count": 1,
            "employers": ["Acme Retail Analytics"],
        }
    ]
    assert [(v["outcome"], v["employer_name"]) for v in doc["verifications"]] == [
        ("verified", "Acme Retail Analytics"),
        ("interviewed", "Acme Retail Analytics"),
    ]
    text = " ".join(invoke(verify_cli.cli, "--token", str(token)).output.split())
    assert (
        f"token {token}: accepted by 1 employer for 15-2051.00 (class {sql}): Acme Retail Analytics"
    ) in text
    assert f"token {token}: interviewed by Acme Retail Analytics on " in text
    assert "(with the holder's consent)" in text


def test_verify__class__pathway_credential_accepted_by_three(
    invoke: Any, endorsed: None, deployed: dict[str, Any]
) -> None:
    from credstack.cli import verify as verify_cli

    result = invoke(verify_cli.cli, "--class", JDA)
    assert result.exit_code == 0, result.output
    pathway_id = deployed["deployment"].pathway_ids[JDA]
    assert (
        f"accepted by 3 employers for 15-2051.00 (pathway {pathway_id} (Junior Data Analyst)): "
        "Acme Retail Analytics, Harbor Logistics, Civic Health Trust"
    ) in " ".join(result.output.split())
    bare = invoke(verify_cli.cli, "--class", "analytics-communication", "--json")
    assert json.loads(bare.output)["accepted_by"] == []
    unknown = invoke(verify_cli.cli, "--class", "99")
    assert error_line(unknown) == "error: class 99: no such class on this registry (1 to 8)"


# More refusals: a removed employer, a paused registry, foreign or unknown


def test_endorse__removed_employer_refused(invoke: Any, accounts: Any, chain: Any) -> None:
    from credstack.cli import governance as governance_cli

    result = invoke(
        governance_cli.cli, "propose", "employers", "remove_employer", HARBOR_ADDRESS,
        "-d", "remove harbor", "--account", COUNCIL[0], "--yes",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    import re

    found = re.search(r"governance approve (\d+)`", result.output)
    assert found is not None, result.output
    proposal = found.group(1)
    approved = invoke(governance_cli.cli, "approve", proposal, "--account", COUNCIL[1], "--yes")
    assert approved.exit_code == 0, approved.output
    chain.pending_timestamp += 48 * 3_600
    executed = invoke(governance_cli.cli, "execute", proposal, "--account", COUNCIL[0], "--yes")
    assert executed.exit_code == 0, executed.output
    nonce = accounts[13].nonce
    refused = invoke(
        employer_cli.cli, "endorse", "--class", "sql-querying", "--task", JOB_CODE,
        "--account", HARBOR, "--yes",
    )  # fmt: skip
    assert error_line(refused) == (
        f"error: {HARBOR_ADDRESS} (Harbor Logistics) was removed as an employer by governance: "
        "it can no longer endorse or record"
    )
    assert accounts[13].nonce == nonce
    status = invoke(employer_cli.cli, "status", "--employer", HARBOR_ADDRESS, "--json")
    assert json.loads(status.output)["active"] is False
    # The catalog still lists it: a council member's apply proposes re-adding it.
    dry = invoke(catalog_cli.cli, "apply", str(CATALOG), "--account", COUNCIL[0], "--dry-run")
    assert (
        "[to send] employer harbor-logistics: propose to the council: onboard employers "
        "harbor-logistics"
    ) in " ".join(dry.output.split())
    other = invoke(catalog_cli.cli, "apply", str(CATALOG), "--account", "TEST::1", "--dry-run")
    assert (
        f"[needs] employer harbor-logistics: re-add employer {HARBOR_ADDRESS} (removed by "
        "governance) (must be sent by a council member)"
    ) in " ".join(other.output.split())


def test_apply__employer_not_in_catalog__drift(invoke: Any, tmp_path: Path) -> None:
    data = example()
    del data["employers"][2]
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    result = invoke(catalog_cli.cli, "apply", str(path), "--account", "TEST::1", "--dry-run")
    assert result.exit_code == 0, result.output
    civic = "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097"
    assert (
        f"[DRIFT] employer {civic}: active on chain (Civic Health Trust) but not in the catalog"
    ) in " ".join(result.output.split())


def test_record__paused_registry(
    invoke: Any, tmp_path: Path, token: int, deployed_registry: Any, accounts: Any
) -> None:
    path, _ = sign_consent(invoke, tmp_path, token)
    deployed_registry.pause(sender=accounts[6])  # the guardian
    nonce = accounts[12].nonce
    assert error_line(_record(invoke, path, "verified")) == (
        "error: the registry is paused: records wait until it is unpaused"
    )
    assert accounts[12].nonce == nonce


def test_record__foreign_or_unknown_token(invoke: Any, tmp_path: Path, token: int) -> None:
    path, doc = sign_consent(invoke, tmp_path, token)
    foreign = dict(doc, contract="0x" + "12" * 20)
    path.write_text(json.dumps(foreign))
    assert "error: the consent is for the employer registry 0x1212" in error_line(
        _record(invoke, path, "verified")
    )
    unknown = dict(doc, token_id=999)
    path.write_text(json.dumps(unknown))
    assert error_line(_record(invoke, path, "verified")) == ("error: token 999: no such credential")
