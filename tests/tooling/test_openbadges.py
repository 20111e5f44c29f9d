"""Open Badges 3.0 documents without a chain: the AchievementCredential
schema's required members, JSON-LD expansion that drops nothing, the
eddsa-rdfc-2022 proof checked by two independent verifiers (openbadgeslib
and the DCC node libraries), status lists, encrypted keys, the EIP-712
binding, and verify_document on hostile input."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from credstack.openbadges import binding, jsonld, keys, proof, schema, status
from credstack.openbadges.credential import build, iso
from credstack.openbadges.verify import CHECKS, verify_document
from tests.tooling.openbadges_sample import (
    BASE_URL,
    CHAIN_ID,
    EXPIRES_AT,
    ISSUED_AT,
    ISSUER,
    NOW,
    ROOT,
    local_signer,
    make_export,
    token,
)

NODE_VERIFY = ROOT / "tests" / "openbadges" / "node" / "verify.mjs"
NODE_PACKAGE = ROOT / "node_modules" / "@digitalcredentials" / "vc"


class FakeRegistry:
    """What verify_document asks of a registry for the binding: the issuer role."""

    address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

    def __init__(self, issuers: set[str]) -> None:
        self.issuers = {a.lower() for a in issuers}

    def is_issuer(self, address: str) -> bool:
        return address.lower() in self.issuers


@pytest.fixture
def export(tmp_path: Path) -> Any:
    return make_export(tmp_path, token_ids=(7, 8), revoked=[8])


def tampered(doc: dict[str, Any]) -> dict[str, Any]:
    """The credential with a better score: what a forger would change."""
    changed = copy.deepcopy(doc)
    changed["credentialSubject"]["result"][0]["value"] = "99"
    return changed


# The OB 3.0 data model (1EdTech's AchievementCredential JSON schema)


def test_credential__has_every_member_the_schema_requires(export: Any) -> None:
    doc = export.doc(7)
    assert schema.problems(doc) == []
    assert doc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert set(doc["type"]) == {"VerifiableCredential", "OpenBadgeCredential"}
    for key in ("id", "name", "issuer", "validFrom", "credentialSubject"):
        assert doc[key]
    issuer = doc["issuer"]
    assert issuer["id"] == export.key.did and "Profile" in issuer["type"] and issuer["name"]
    subject = doc["credentialSubject"]
    assert subject["id"] == f"did:pkh:eip155:{CHAIN_ID}:{token().holder.lower()}"
    assert "AchievementSubject" in subject["type"]
    achievement = subject["achievement"]
    for key in ("id", "type", "criteria", "description", "name"):
        assert achievement[key], key
    assert achievement["id"] == token().klass.uri  # the content address on chain
    assert "Achievement" in achievement["type"]
    assert achievement["criteria"]["narrative"]
    assert doc["validFrom"] == iso(ISSUED_AT)
    assert doc["validUntil"] == iso(EXPIRES_AT)
    assert subject["result"][0]["value"] == "87.5"
    assert subject["result"][0]["resultDescription"] == achievement["resultDescription"][0]["id"]
    [evidence] = doc["evidence"]
    assert "0x" + "11" * 32 in evidence["description"]  # the salted hash, never the document
    assert [e["statusPurpose"] for e in doc["credentialStatus"]] == ["revocation", "suspension"]
    assert {e["statusListIndex"] for e in doc["credentialStatus"]} == {"7"}
    assert subject["identifier"][0]["identityHash"] == (
        f"eip155:{CHAIN_ID}/erc721:{token().registry.lower()}/7"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("validFrom"), "validFrom: missing"),
        (lambda d: d.update(type=["VerifiableCredential"]), "type: must hold"),
        (lambda d: d["@context"].reverse(), "@context"),
        (lambda d: d["credentialSubject"]["achievement"].pop("criteria"), "criteria"),
        (lambda d: d["credentialSubject"]["achievement"].pop("description"), "description"),
        (lambda d: d["issuer"].update(type=["Organization"]), "issuer"),
    ],
)
def test_schema__missing_required_member__named(export: Any, change: Any, expected: str) -> None:
    doc = export.doc(7)
    change(doc)
    assert any(expected in p for p in schema.problems(doc))


def test_expansion__drops_no_member(export: Any) -> None:
    for path in sorted(export.out.rglob("*.json")):
        doc = json.loads(path.read_text())
        if "@context" in doc:
            assert jsonld.dropped_members(doc) == [], path


def test_sign__refuses_a_member_no_context_defines(export: Any) -> None:
    doc = build(token(), export.key.did, BASE_URL)
    # OB 3.0.3 as openbadgeslib ships it defines endorsementJwt; the npm
    # loader's copy does not: a credential using it would fail one verifier.
    doc["endorsementJwt"] = ["eyJ..."]
    doc["credentialSubject"]["nickname"] = "x"
    with pytest.raises(jsonld.JsonLdError, match="expansion drops") as refused:
        proof.sign(doc, export.key, "2030-01-01T00:00:00Z")
    assert "endorsementJwt" in str(refused.value)
    assert "credentialSubject.nickname" in str(refused.value)


def test_contexts__are_the_verifiers_copies() -> None:
    """VC 2.0 is openbadgeslib's file byte for byte; OB 3.0.3 is its copy
    without the two terms the npm loader lacks."""
    from openbadgeslib.ob3 import contexts as obl

    shipped = Path(obl.__file__).parent
    assert jsonld.context_document(jsonld.VC_V2) == json.loads(
        (shipped / "credentials-v2.json").read_text()
    )
    theirs = json.loads((shipped / "ob-v3p0-context-3.0.3.json").read_text())
    assert set(theirs["@context"]) - set(jsonld.context_document(jsonld.OB_V3)["@context"]) == {
        "endorsementJwt",
        "jti",
    }
    for term in jsonld.context_document(jsonld.OB_V3)["@context"]:
        assert jsonld.context_document(jsonld.OB_V3)["@context"][term] == theirs["@context"][term]


# The proof, by our verifier and two independent ones


def test_proof__verifies_and_tampering_breaks_it(export: Any) -> None:
    doc = export.doc(7)
    assert proof.verify(doc) == export.key.verification_method
    with pytest.raises(proof.ProofError, match="does not match"):
        proof.verify(tampered(doc))


def test_openbadgeslib__verifies_ours_refuses_tampered_and_revoked(export: Any) -> None:
    """openbadgeslib's OB 3.0 verifier with its own contexts: our credential
    verifies (proof, issuer = did:key of the proof, data model, dates, the
    status bits); a tampered one and a revoked one are refused. It verifies a
    status list's own proof only for JWT-VC lists, so ours (Data Integrity,
    like the credentials) are checked with its verify_data_integrity_proof."""
    from openbadgeslib.ob3.did import resolve_did
    from openbadgeslib.ob3.ldp import OB3LdpVerifier, verify_data_integrity_proof
    from openbadgeslib.ob3.verifier import OB3VerificationError

    def download(url: str) -> bytes:
        path: Path = export.out / url.removeprefix(f"{BASE_URL}/ob/")
        return path.read_bytes()

    def check(doc: dict[str, Any]) -> Any:
        return OB3LdpVerifier().verify(
            copy.deepcopy(doc), check_status=True, download=download, verify_status_list=False
        )

    credential = check(export.doc(7))
    assert credential.issuer.id == export.key.did
    with pytest.raises(OB3VerificationError, match="signature mismatch"):
        check(tampered(export.doc(7)))
    with pytest.raises(OB3VerificationError, match="'revocation' is set at index 8"):
        check(export.doc(8))
    for purpose in status.PURPOSES:
        listed = json.loads(download(f"{BASE_URL}/ob/status/{ISSUER.lower()}/{purpose}.json"))
        verify_data_integrity_proof(listed, resolve_did(export.key.did))
        listed["credentialSubject"]["statusPurpose"] = "other"
        with pytest.raises(OB3VerificationError, match="signature mismatch"):
            verify_data_integrity_proof(listed, resolve_did(export.key.did))


def node_verify(export: Any, *paths: Path) -> list[dict[str, Any]]:
    if not NODE_PACKAGE.is_dir() or shutil.which("node") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node or the npm verifier packages are missing: run `make setup`")
        pytest.skip("node or the npm verifier packages are missing: run `make setup`")
    result = subprocess.run(
        ["node", str(NODE_VERIFY), "--export-dir", str(export.out), "--base-url", BASE_URL]
        + [str(p) for p in paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_node_verifier__verifies_ours_refuses_tampered_and_revoked(
    export: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered(export.doc(7))))
    ok, forged, revoked = node_verify(
        export,
        export.out / "credentials" / "7.json",
        bad,
        export.out / "credentials" / "8.json",
    )
    assert ok["verified"] is True, ok["errors"]
    assert forged["verified"] is False
    assert revoked["verified"] is False
    assert any("revocation" in e for e in revoked["errors"]), revoked["errors"]


# Status lists


def test_status_list__decodes_to_the_set_bits() -> None:
    encoded = status.encode([0, 7, 8, 131_071], status.MIN_BITS)
    assert encoded.startswith("u")
    bits = status.decode(encoded)
    assert len(bits) * 8 == 131_072
    assert status.set_indices(bits) == [0, 7, 8, 131_071]
    assert status.bit(bits, 7) and not status.bit(bits, 6)
    assert status.list_size(131_071) == 131_072 and status.list_size(131_072) == 262_144


def test_status_list__signed_by_the_issuer_and_holds_the_revoked(export: Any) -> None:
    revocation = json.loads((export.out / f"status/{ISSUER.lower()}/revocation.json").read_text())
    assert revocation["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert proof.verify(revocation) == export.key.verification_method
    assert status.set_indices(status.decode(revocation["credentialSubject"]["encodedList"])) == [8]
    suspension = json.loads((export.out / f"status/{ISSUER.lower()}/suspension.json").read_text())
    assert status.set_indices(status.decode(suspension["credentialSubject"]["encodedList"])) == []


def test_status_lists__rewritten_only_when_changed(export: Any) -> None:
    exporter = export.exporter
    exporter.report.written.clear()
    exporter.status_lists(ISSUER, [8], [])
    assert exporter.report.written == []
    exporter.status_lists(ISSUER, [8], [7])
    assert [Path(p).name for p in exporter.report.written] == ["suspension.json"]


# Keys


def test_key_file__encrypted_without_the_seed(tmp_path: Path) -> None:
    key = keys.create_key(ISSUER, "correct horse", tmp_path, scrypt_n=2**4)
    text = (tmp_path / f"{ISSUER.lower()}.json").read_text()
    seed = key.private.private_bytes_raw()
    assert seed.hex() not in text.lower() and "private" not in text.lower()
    data = json.loads(text)
    assert data["crypto"]["kdf"] == "scrypt" and data["crypto"]["cipher"] == "aes-128-ctr"
    assert data["credstack"]["did"] == key.did and key.did.startswith("did:key:z6Mk")
    assert oct((tmp_path / f"{ISSUER.lower()}.json").stat().st_mode & 0o777) == "0o600"
    assert "private" not in repr(key) and seed.hex() not in repr(key)
    assert keys.open_key(ISSUER, "correct horse", tmp_path).did == key.did


def test_key_file__wrong_passphrase_refused(tmp_path: Path) -> None:
    keys.create_key(ISSUER, "correct horse", tmp_path, scrypt_n=2**4)
    with pytest.raises(keys.KeyError_, match="wrong passphrase"):
        keys.open_key(ISSUER, "battery staple", tmp_path)
    with pytest.raises(keys.KeyError_, match="already has a key"):
        keys.create_key(ISSUER, "again", tmp_path, scrypt_n=2**4)


# The issuer binding and verify_document


def test_verify_document__checks_without_the_chain_pass(export: Any) -> None:
    """Schema, proof, binding (the fake registry gives the issuer role) and
    status pass; the chain check needs the token on a real registry
    (tests/tooling/test_openbadges_export.py)."""
    verdict = verify_document(
        export.doc(7), registry=FakeRegistry({ISSUER}), status_list=export.fetch, now=NOW
    )
    assert [c.name for c in verdict.checks] == list(CHECKS)
    assert [c.ok for c in verdict.checks] == [True, True, True, True, False]
    assert verdict.token_id == 7
    assert verdict.to_json()["checks"][2]["detail"].startswith(f"key bound by {ISSUER}")


def test_verify_document__binding_by_a_non_issuer_refused(export: Any) -> None:
    verdict = verify_document(
        export.doc(7), registry=FakeRegistry(set()), status_list=export.fetch, now=NOW
    )
    check = verdict.checks[2]
    assert not check.ok and "does not give the issuer role" in check.detail


def test_verify_document__binding_signed_by_another_account_refused(
    export: Any, tmp_path: Path
) -> None:
    path = export.out / f"issuers/{ISSUER.lower()}.json"
    profile = json.loads(path.read_text())
    other = local_signer("0x" + "5d" * 32)
    message = profile["eip712KeyBinding"]["typedData"]["message"]
    profile["eip712KeyBinding"]["signature"] = other(
        ISSUER, CHAIN_ID, message["key"], message["profile"]
    )
    path.write_text(json.dumps(profile))
    verdict = verify_document(
        export.doc(7), registry=FakeRegistry({ISSUER}), status_list=export.fetch, now=NOW
    )
    assert not verdict.checks[2].ok and "not by the issuer" in verdict.checks[2].detail


def test_verify_document__revoked_and_expired_and_tampered(export: Any) -> None:
    fake = FakeRegistry({ISSUER})
    revoked = verify_document(export.doc(8), registry=fake, status_list=export.fetch, now=NOW)
    assert not revoked.checks[3].ok and revoked.checks[3].detail.startswith("revoked")
    late = verify_document(
        export.doc(7), registry=fake, status_list=export.fetch, now=NOW + 400 * 86_400
    )
    assert not late.checks[3].ok and late.checks[3].detail.startswith("expired on")
    forged = verify_document(tampered(export.doc(7)), registry=fake, status_list=export.fetch)
    assert not forged.checks[1].ok and "does not match" in forged.checks[1].detail
    added = export.doc(7)
    added["credentialSubject"]["grade"] = "A+"  # unsigned: expansion drops it
    extra = verify_document(added, registry=fake, status_list=export.fetch, now=NOW)
    assert not extra.checks[1].ok and "credentialSubject.grade" in extra.checks[1].detail


def nested_blank(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": ["Evidence"], "name": "x"}
    for _ in range(depth):
        node = {"type": ["Evidence"], "audience": node}
    return node


@pytest.mark.parametrize(
    "doc",
    [
        None,
        7,
        "text",
        [],
        {},
        {"@context": "https://example.com/ctx"},
        {"@context": [{"@vocab": "https://evil.example/"}], "proof": {"proofValue": 5}},
        {"credentialSubject": {"achievement": []}, "issuer": 3, "credentialStatus": "x"},
        {"a": "x" * 300_000},
        {"@context": jsonld.CONTEXT, "evidence": [nested_blank(3)], "proof": {}},
    ],
)
def test_verify_document__hostile_input_gives_a_verdict(doc: Any, export: Any) -> None:
    verdict = verify_document(doc, registry=None, status_list=export.fetch)
    assert verdict.ok is False
    assert [c.name for c in verdict.checks] == list(CHECKS)
    assert verdict.checks[4].detail == "no chain"
    json.dumps(verdict.to_json())


def test_binding__recovers_the_signer() -> None:
    key = "did:key:z6Mk#z6Mk"
    data = binding.typed_data(CHAIN_ID, ISSUER, key, BASE_URL)
    signature = local_signer()(ISSUER, CHAIN_ID, key, BASE_URL)
    signer, chain_id, bound, url = binding.recover({"typedData": data, "signature": signature})
    assert (signer, chain_id, bound, url) == (ISSUER, CHAIN_ID, key, BASE_URL)
    data["message"]["profile"] = "http://evil.example/"
    with pytest.raises(binding.BindingError, match="not by the issuer"):
        binding.recover({"typedData": data, "signature": signature})


def test_canonize_expanded__same_nquads_as_canonize(export: Any) -> None:
    """The signer canonicalizes the expansion it already made (no second
    expansion): it must give the N-Quads pyld's normalize gives."""
    for token_id in (7, 8):
        doc = {k: v for k, v in export.doc(token_id).items() if k != "proof"}
        assert jsonld.canonize_expanded(jsonld.expand(doc)) == jsonld.canonize(doc)


def test_exporter__two_workers_write_every_credential(tmp_path: Path) -> None:
    sample = make_export(tmp_path, token_ids=())
    tokens = [token(i) for i in range(1, 21)]
    sample.exporter.report.written.clear()
    sample.exporter.credentials(tokens, workers=2)
    written = sorted(Path(p).name for p in sample.exporter.report.written)
    assert written == sorted(f"{i}.json" for i in range(1, 21))
    for i in (1, 20):
        assert proof.verify(sample.doc(i)) == sample.key.verification_method
    sample.exporter.credentials(tokens, workers=2)
    assert len(sample.exporter.report.unchanged) == 20


def test_processor__expands_as_pyld_does(export: Any) -> None:
    """The signer's processor keeps processed contexts between documents:
    its expansion and N-Quads must be pyld's own, for every kind of
    document exported (credentials, status lists, the issuer profile)."""
    from pyld import jsonld as pyld_jsonld

    options = {"documentLoader": jsonld.document_loader}
    paths = sorted(export.out.rglob("*.json"))
    assert {p.parent.name for p in paths} >= {"credentials", "issuers", ISSUER.lower()}
    for _ in range(2):  # the second round runs on the kept contexts
        for path in paths:
            doc = json.loads(path.read_text())
            if "@context" not in doc:
                continue
            assert jsonld.expand(doc) == pyld_jsonld.expand(doc, options), path
            assert jsonld.canonize(doc) == pyld_jsonld.normalize(
                doc, {**options, "algorithm": "URDNA2015", "format": "application/n-quads"}
            ), path


def test_exporter__interrupted_run_resumes(tmp_path: Path, monkeypatch: Any) -> None:
    """A run stopped after two credentials leaves two whole files (no
    temporary left); the next run signs only the rest."""
    sample = make_export(tmp_path, token_ids=())
    tokens = [token(i) for i in range(1, 6)]
    real_sign = proof.sign
    calls = {"n": 0}

    def failing_sign(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_sign(*args, **kwargs)

    monkeypatch.setattr(proof, "sign", failing_sign)
    with pytest.raises(KeyboardInterrupt):
        sample.exporter.credentials(tokens)
    monkeypatch.setattr(proof, "sign", real_sign)
    files = sorted(p.name for p in (sample.out / "credentials").iterdir())
    assert files == ["1.json", "2.json"]
    sample.exporter.report.written.clear()
    sample.exporter.report.unchanged.clear()
    sample.exporter.credentials(tokens)
    assert sorted(Path(p).name for p in sample.exporter.report.written) == [
        "3.json",
        "4.json",
        "5.json",
    ]
    assert len(sample.exporter.report.unchanged) == 2
