"""The web app through Starlette's TestClient on ape's embedded chain:
search, credential and holder pages and JSON, the evidence check, the
verify page, the export files under /ob/, and hostile input (HTML in a
class name, oversized uploads, path traversal, a failing registry)."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from tests.web.conftest import HOSTILE_NAME, REVOKE_REASON, make_app


def evidence_form(site: dict[str, Any], token_id: int, doc: bytes, salt: bytes) -> dict[str, Any]:
    return {
        "data": {"token_id": str(token_id), "salt": "0x" + salt.hex()},
        "files": {"document": ("exam.txt", doc, "text/plain")},
    }


# Search


def test_search__token_id__redirects_to_credential(client: Any, site: Any) -> None:
    response = client.get("/search", params={"q": f" {site['valid']} "}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/token/{site['valid']}"


def test_search__wallet_any_case__redirects_to_checksummed_holder(client: Any, site: Any) -> None:
    response = client.get("/search", params={"q": site["holder"].lower()}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/holder/{site['holder']}"


def test_search__neither__400_page_with_the_form(client: Any) -> None:
    response = client.get("/search", params={"q": "<b>nope</b>"})
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "Enter a token id" in response.text
    assert "&lt;b&gt;nope&lt;/b&gt;" in response.text and "<b>nope" not in response.text


# The credential page


def test_token_page__valid__class_issuer_score_dates_criteria_tasks_pathway(
    client: Any, site: Any
) -> None:
    response = client.get(f"/token/{site['valid']}")
    assert response.status_code == 200, response.text
    page = response.text
    assert "SQL Querying" in page and "This credential is valid" in page
    assert site["holder"] in page
    assert site["deployment"].classes["sql-querying"].issuer in page
    assert "91.5%" in page and "class minimum 75%" in page
    assert "Issued" in page and "unknown" not in page
    # From the class document matched by its content address on chain.
    assert "Criteria" in page and "Job tasks" in page
    assert "Junior Data Analyst" in page  # the pathway the class counts for
    assert f'href="/ob/credentials/{site["valid"]}.json" download' in page  # exported
    hostile = client.get(f"/token/{site['hostile']}").text
    assert "/ob/credentials/" not in hostile  # not exported: no link


def test_token_page__revoked__reason_shown_escaped(client: Any, site: Any) -> None:
    page = client.get(f"/token/{site['revoked']}").text
    assert "Not valid" in page and "Revoked" in page
    assert "exam taken by someone else &lt;i&gt;really&lt;/i&gt;" in page
    assert "<i>really" not in page


def test_token_page__class_name_with_html__shown_as_text(client: Any, site: Any) -> None:
    page = client.get(f"/token/{site['hostile']}").text
    assert "<script>" not in page and "<b>bold" not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;Data&#39; &lt;b&gt;bold&lt;/b&gt;" in page
    )
    holder_page = client.get(f"/holder/{site['other']}").text
    assert "<script>" not in holder_page and "&lt;script&gt;" in holder_page


def test_token_page__no_such_token_or_not_a_number__error_pages(client: Any) -> None:
    missing = client.get("/token/999999")
    assert missing.status_code == 404 and "no such credential" in missing.text
    assert "<html" in missing.text
    bad = client.get("/token/abc")
    assert bad.status_code == 400 and "is not a token id" in bad.text


def test_api_token__the_record_as_json(client: Any, site: Any) -> None:
    record = client.get(f"/api/token/{site['revoked']}").json()
    assert (record["valid"], record["status"]) == (False, "revoked")
    assert record["reason"] == f"revoked: {REVOKE_REASON}"
    assert record["achievement"]["criteria"]
    missing = client.get("/api/token/999999")
    assert missing.status_code == 404 and missing.json()["error"].startswith("token 999999")


# The holder page


def test_holder_page__credentials_in_any_status_and_pathway(client: Any, site: Any) -> None:
    page = client.get(f"/holder/{site['holder']}").text
    assert f'href="/token/{site["valid"]}"' in page
    assert f'href="/token/{site["spreadsheet"]}"' in page
    assert "Junior Data Analyst" in page
    other = client.get(f"/api/holder/{site['other']}").json()
    by_id = {c["token_id"]: c for c in other["credentials"]}
    assert by_id[site["revoked"]]["status"] == "revoked"
    assert by_id[site["hostile"]]["class_name"] == HOSTILE_NAME


def test_holder__bad_address__400(client: Any, site: Any) -> None:
    wrong_checksum = site["holder"][:2] + site["holder"][2:].swapcase()
    for text in ("0x1234", wrong_checksum, "0x" + "0" * 40):
        response = client.get(f"/holder/{text}")
        assert response.status_code == 400, text
        assert "is not a wallet address" in response.text


# Evidence


def test_evidence__right_document_and_salt__matches(client: Any, site: Any) -> None:
    doc, salt = site["documents"][site["valid"]]
    response = client.post("/evidence", **evidence_form(site, site["valid"], doc, salt))
    assert response.status_code == 200, response.text
    assert "The document matches" in response.text
    api = client.post("/api/evidence", **evidence_form(site, site["valid"], doc, salt)).json()
    assert api["matches"] is True and api["token_id"] == site["valid"]


def test_evidence__other_document_or_salt__does_not_match(client: Any, site: Any) -> None:
    doc, salt = site["documents"][site["valid"]]
    tampered = client.post("/evidence", **evidence_form(site, site["valid"], doc + b" ", salt))
    assert "does not match" in tampered.text
    _, other_salt = site["documents"][site["revoked"]]
    wrong_salt = client.post(
        "/api/evidence", **evidence_form(site, site["valid"], doc, other_salt)
    ).json()
    assert wrong_salt["matches"] is False


def test_evidence__bad_salt_missing_token__error_pages(client: Any, site: Any) -> None:
    doc, _ = site["documents"][site["valid"]]
    bad_salt = client.post("/evidence", **evidence_form(site, site["valid"], doc, b"\x01" * 8))
    assert bad_salt.status_code == 400 and "64 hex digits" in bad_salt.text
    missing = client.post("/evidence", **evidence_form(site, 999_999, doc, b"\x01" * 32))
    assert missing.status_code == 404
    not_a_form = client.post("/evidence", content=b"hello", headers={"content-type": "text/plain"})
    assert not_a_form.status_code == 400 and "multipart" in not_a_form.text


def test_evidence__over_5_mib__413_page(client: Any, site: Any) -> None:
    big = b"x" * (5 * 1024 * 1024 + 1)
    response = client.post("/evidence", **evidence_form(site, site["valid"], big, b"\x01" * 32))
    assert response.status_code == 413
    assert "over the limit of 5 MiB" in response.text and "<html" in response.text
    api = client.post("/api/evidence", **evidence_form(site, site["valid"], big, b"\x01" * 32))
    assert api.status_code == 413 and api.json()["status"] == 413


def test_evidence__document_never_written_to_disk(
    client: Any, site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload is hashed as it streams: no temporary file is made (a
    multipart parser that spools big files to disk would make one)."""
    import tempfile

    made: list[Any] = []
    for name in ("SpooledTemporaryFile", "NamedTemporaryFile", "TemporaryFile"):
        original = getattr(tempfile, name)

        def spy(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            made.append(args)
            return _original(*args, **kwargs)

        monkeypatch.setattr(tempfile, name, spy)
    doc, salt = site["documents"][site["valid"]]
    big = doc + b"\n" * (3 * 1024 * 1024)
    response = client.post("/api/evidence", **evidence_form(site, site["valid"], big, salt))
    assert response.status_code == 200 and response.json()["matches"] is False
    assert made == []


# Verify a credential file


def test_verify__not_json__400_page(client: Any) -> None:
    files = {"credential": ("cred.json", b"{not json", "application/json")}
    response = client.post("/verify", files=files)
    assert response.status_code == 400 and "the file is not JSON" in response.text
    assert "<html" in response.text and "Traceback" not in response.text


def test_verify__not_a_credential__refused_with_five_checks(client: Any) -> None:
    doc = {"@context": ["<script>x</script>"], "type": "VerifiableCredential", "id": 5}
    files = {"credential": ("<b>cred</b>.json", json.dumps(doc).encode(), "application/json")}
    response = client.post("/verify", files=files)
    assert response.status_code == 200
    assert "Refused: this file does not verify" in response.text
    for check in ("schema", "proof", "issuer binding", "status", "chain"):
        assert f"<td>{check}</td>" in response.text
    assert "<b>cred" not in response.text and "<script>x" not in response.text
    verdict = client.post("/api/verify", json=doc).json()
    assert verdict["ok"] is False
    assert [c["name"] for c in verdict["checks"]] == [
        "schema",
        "proof",
        "issuer binding",
        "status",
        "chain",
    ]
    assert all(not c["ok"] for c in verdict["checks"][:2])


def exported(site: Any, token_id: int) -> dict[str, Any]:
    path = site["export"] / "credentials" / f"{token_id}.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def test_verify__exported_credential__every_check_passes(client: Any, site: Any) -> None:
    doc = exported(site, site["valid"])
    files = {"credential": (f"{site['valid']}.json", json.dumps(doc).encode(), "application/json")}
    response = client.post("/verify", files=files)
    assert response.status_code == 200
    assert f"Verified: credential {site['valid']}" in response.text
    assert response.text.count(">pass<") == 5
    verdict = client.post("/api/verify", json=doc).json()
    assert verdict["ok"] is True and verdict["token_id"] == site["valid"]


def test_verify__tampered_exported_credential__refused_by_its_proof(client: Any, site: Any) -> None:
    doc = exported(site, site["valid"])
    doc["credentialSubject"]["result"][0]["value"] = "100"
    verdict = client.post("/api/verify", json=doc).json()
    checks = {c["name"]: c for c in verdict["checks"]}
    assert verdict["ok"] is False and checks["proof"]["ok"] is False
    assert checks["schema"]["ok"] is True


def test_verify__revoked_exported_credential__refused_by_status_and_chain(
    client: Any, site: Any
) -> None:
    verdict = client.post("/api/verify", json=exported(site, site["revoked"])).json()
    checks = {c["name"]: c for c in verdict["checks"]}
    assert verdict["ok"] is False and checks["proof"]["ok"] is True
    assert checks["status"]["ok"] is False and "revoked" in checks["status"]["detail"]


def test_verify__verifier_missing__503_page(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "credstack.openbadges.verify", None)
    response = client.post("/verify", files={"credential": ("c.json", b"{}", "application/json")})
    assert response.status_code == 503 and "verifier not installed" in response.text


def test_verify__over_1_mib__413(client: Any) -> None:
    files = {"credential": ("cred.json", b"{}" + b" " * (1024 * 1024), "application/json")}
    response = client.post("/verify", files=files)
    assert response.status_code == 413 and "1 MiB" in response.text


# Export files under /ob/


def test_ob__exported_file_served_as_json(client: Any, site: Any) -> None:
    response = client.get(f"/ob/credentials/{site['valid']}.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["id"].endswith(f"/ob/credentials/{site['valid']}.json")
    assert response.headers["access-control-allow-origin"] == "*"  # browser verifiers
    issuer = site["issuer"].lower()
    for path in (f"issuers/{issuer}.json", f"status/{issuer}/revocation.json", "index.json"):
        assert client.get(f"/ob/{path}").status_code == 200, path
    missing = client.get("/ob/credentials/424242.json")
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_ob__path_traversal_refused(client: Any, site: Any) -> None:
    (site["export"] / "link.json").symlink_to(site["work"] / "secret.json")
    (site["export"] / ".hidden.json").write_text("{}")
    for path in (
        "/ob/..%2fsecret.json",
        "/ob/credentials/..%2f..%2fsecret.json",
        "/ob/%2e%2e/secret.json",
        "/ob/credentials/%2e%2e%2f%2e%2e%2fsecret.json",
        "/ob/link.json",
        "/ob/.hidden.json",
        "/ob//etc/passwd",
        "/ob/credentials%5c..%5c..%5csecret.json",
        "/ob/credentials/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "true" not in response.text, path  # the secret's content


def test_ob__no_export_dir__404_json(site: Any) -> None:
    from starlette.testclient import TestClient

    with TestClient(make_app(site, export_dir=None)) as c:
        response = c.get("/ob/index.json")
    assert response.status_code == 404 and response.json()["error"].endswith("not exported")


# Errors and headers


def test_registry_raising__500_page_without_traceback(site: Any) -> None:
    from starlette.testclient import TestClient

    class Broken:
        address = "0x0000000000000000000000000000000000000001"

        def credential(self, token_id: int) -> Any:
            raise RuntimeError("node at /secret/path fell over")

    with TestClient(make_app(site, registry=Broken()), raise_server_exceptions=False) as c:
        page = c.get("/token/1")
        api = c.get("/api/token/1")
    assert page.status_code == 500 and "<html" in page.text
    assert "Traceback" not in page.text and "/secret/path" not in page.text
    assert api.status_code == 500 and "/secret/path" not in api.text


def test_unknown_route__404_page(client: Any) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404 and "<html" in response.text


def test_pages__strict_content_security_policy_no_external_assets(client: Any) -> None:
    response = client.get("/")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "http" not in response.text.split("<body>")[0].replace("http-equiv", "")
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "@import" not in css.text and "url(" not in css.text


def test_healthz(client: Any, site: Any) -> None:
    assert client.get("/healthz").json() == {
        "ok": True,
        "chain_id": site["deployment"].chain_id,
        "registry": site["deployment"].registry,
    }


def test_app_sends_no_transaction(client: Any, site: Any, chain: Any) -> None:
    """Every page and endpoint, and the chain has no new block."""
    height = chain.blocks.height
    doc, salt = site["documents"][site["valid"]]
    client.get(f"/token/{site['valid']}")
    client.get(f"/holder/{site['holder']}")
    client.post("/evidence", **evidence_form(site, site["valid"], doc, salt))
    assert chain.blocks.height == height
    assert json.dumps(os.environ.get("CREDSTACK_ACCOUNT"))  # no account configured is fine


def test_token__id_beyond_uint256__400_not_500(client: Any) -> None:
    huge = str(2**256)
    for path in (f"/token/{huge}", f"/api/token/{huge}"):
        response = client.get(path)
        assert response.status_code == 400, path
    search = client.get("/search", params={"q": huge}, follow_redirects=False)
    assert search.status_code == 400
    assert client.get(f"/token/{2**256 - 1}").status_code == 404
    assert client.get("/token/\u0663").status_code == 400  # a digit, not an ASCII one


# Employers: endorsements of a credential's class, consented records

EVIL_EMPLOYER = "<script>alert(1)</script> Evil & Co"
JOB_CODE = "15-2051.00"


@pytest.fixture
def employed(site: Any, accounts: Any, chain: Any) -> dict[str, Any]:
    """Acme (the catalog's, onboarded with the deployment) and an employer
    whose name is HTML and whose URL is ``javascript:`` (onboarded here by
    the council) endorse the SQL class for 15-2051.00; Harbor endorses the
    pathway; TEST::10 holds a new SQL credential and consents to Acme's
    records of it."""
    from click.testing import CliRunner

    from credstack.cli import governance as gov_cli
    from credstack.context import Context
    from credstack.employers import KIND_CLASS, KIND_PATHWAY
    from tests.tooling.conftest import COUNCIL, DELAY
    from tests.web.conftest import account_of

    deployment = site["deployment"]
    employers = Context(deployment).employers
    acme, harbor, evil, learner = accounts[12], accounts[13], accounts[9], accounts[10]

    def run(*args: str) -> None:
        result = CliRunner().invoke(gov_cli.cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output

    run("propose", "employers", "add_employer", evil.address, EVIL_EMPLOYER,
        "javascript:alert(1)", "--account", COUNCIL[0], "--yes")  # fmt: skip
    proposal_id = str(len(Context(deployment).governance.proposals()))
    run("approve", proposal_id, "--account", COUNCIL[1], "--yes")
    chain.pending_timestamp += DELAY
    run("execute", proposal_id, "--account", COUNCIL[0], "--yes")
    sql = deployment.classes["sql-querying"].class_id
    pathway_id = deployment.pathway_ids["junior-data-analyst"]
    employers.endorse(KIND_CLASS, sql, JOB_CODE, "", sender=acme)
    employers.endorse(KIND_CLASS, sql, JOB_CODE, "", sender=evil)
    employers.endorse(KIND_PATHWAY, pathway_id, JOB_CODE, "", sender=harbor)
    northwind = account_of(accounts, site["issuer"])
    tx = site["registry"].issue(sql, learner.address, 8_500, b"\x07" * 32, sender=northwind)
    token_id = int(site["registry"].CredentialIssued.from_receipt(tx)[0].token_id)
    consent = employers.sign(learner, token_id, acme.address, 7, 2**40)
    return {
        "employers": employers,
        "token": token_id,
        "consent": consent,
        "acme": acme,
        "learner": learner.address,
    }


def test_token__endorsements_of_its_class__counted_with_names_escaped(
    client: Any, employed: dict[str, Any]
) -> None:
    page = client.get(f"/token/{employed['token']}").text
    assert f"Accepted by 2 employers for {JOB_CODE}" in page
    assert (
        '<a href="https://careers.acme-retail.example.com" rel="noopener noreferrer">'
        "Acme Retail Analytics</a>" in page
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Evil &amp; Co" in page
    assert "<script>" not in page and "javascript:" not in page
    assert "Harbor Logistics" not in page  # it endorses the pathway, not this class
    record = client.get(f"/api/token/{employed['token']}").json()
    [line] = record["endorsements"]
    assert (line["task"], line["count"], line["kind"]) == (JOB_CODE, 2, "class")
    names = [e["name"] for e in line["employers"]]
    assert names == ["Acme Retail Analytics", EVIL_EMPLOYER]
    urls = [e["url"] for e in line["employers"]]
    assert urls == ["https://careers.acme-retail.example.com", None]
    assert record["verifications"] == []


def test_token__consented_record__appears_once_made_with_what_it_makes_public(
    site: Any, employed: dict[str, Any]
) -> None:
    from starlette.testclient import TestClient

    from credstack.employers import OUTCOMES

    # A cached app: the record must drop what it cached.
    with TestClient(make_app(site, cache_seconds=1e-9)) as c:
        before = c.get(f"/token/{employed['token']}").text
        assert "Consented records" not in before
        assert c.get(f"/api/token/{employed['token']}").json()["verifications"] == []
        employed["employers"].record(
            employed["consent"], OUTCOMES["interviewed"], sender=employed["acme"]
        )
        page = c.get(f"/token/{employed['token']}").text
        record = c.get(f"/api/token/{employed['token']}").json()
        holder = c.get(f"/holder/{employed['learner']}").text
        holder_api = c.get(f"/api/holder/{employed['learner']}").json()
    assert "Consented records" in page
    assert "interviewed" in page and "Acme Retail Analytics" in page
    assert "public chain" in page and "can delete" in page
    [v] = record["verifications"]
    assert (v["outcome"], v["employer_name"]) == ("interviewed", "Acme Retail Analytics")
    assert v["employer"] == employed["acme"].address and v["recorded"]
    [held] = [x for x in holder_api["credentials"] if x["token_id"] == employed["token"]]
    assert held["consented_records"] == 1
    assert "1 consented record" in holder


def test_token__no_employers_contract__no_sections_no_error(
    site: Any, employed: dict[str, Any]
) -> None:
    from starlette.testclient import TestClient

    with TestClient(make_app(site, employers=None)) as c:
        page = c.get(f"/token/{employed['token']}")
        record = c.get(f"/api/token/{employed['token']}").json()
        holder = c.get(f"/api/holder/{employed['learner']}").json()
    assert page.status_code == 200 and "Accepted by" not in page.text
    assert "Consented records" not in page.text
    assert "endorsements" not in record and "verifications" not in record
    assert all("consented_records" not in x for x in holder["credentials"])


def test_token__pathway_credential__accepted_through_its_pathway(
    client: Any, site: Any, employed: dict[str, Any], accounts: Any
) -> None:
    """Harbor endorses the Junior Data Analyst pathway: its credential says
    so, and the parts' classes do not."""
    from click.testing import CliRunner

    from credstack.cli import pathway as pathway_cli
    from tests.web.conftest import account_of

    deployment = site["deployment"]
    for slug in ("spreadsheet-analysis", "data-visualization", "python-data-wrangling"):
        record = deployment.classes[slug]
        issuer = account_of(accounts, record.issuer)
        site["registry"].issue(
            record.class_id, employed["learner"], 8_000, b"\x08" * 32, sender=issuer
        )
    result = CliRunner().invoke(
        pathway_cli.cli,
        ["claim", "--pathway", "junior-data-analyst", "--holder", employed["learner"],
         "--account", "TEST::1", "--yes"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = int(result.output.split("claimed: token ")[1].split()[0])
    pathway_id = deployment.pathway_ids["junior-data-analyst"]
    page = " ".join(client.get(f"/token/{token}").text.split())
    assert f"Accepted by 1 employer for {JOB_CODE}" in page
    assert f"(as the credential of pathway {pathway_id} (Junior Data Analyst))" in page
    assert "Harbor Logistics</a>" in page
    [line] = client.get(f"/api/token/{token}").json()["endorsements"]
    assert (line["kind"], line["target_id"], line["count"]) == ("pathway", pathway_id, 1)
    assert [e["name"] for e in line["employers"]] == ["Harbor Logistics"]
