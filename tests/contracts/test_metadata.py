"""tokenURI: a live base64 JSON document that follows the credential's status."""

import base64
import json
from collections.abc import Callable
from typing import Any

import ape
import pytest

from credstack import STATUS_NAMES
from tests.constants import DAY, MAX_EXPIRY, MAX_SCORE

PREFIX = "data:application/json;base64,"


def decode(uri: str) -> dict[str, Any]:
    assert uri.startswith(PREFIX)
    document: dict[str, Any] = json.loads(base64.b64decode(uri[len(PREFIX) :], validate=True))
    return document


def attributes(document: dict[str, Any]) -> dict[str, Any]:
    return {a["trait_type"]: a["value"] for a in document["attributes"]}


def test_token_uri__document(
    registry: Any, soulbound_class: int, soulbound_token: int, issuer: Any
) -> None:
    document = decode(registry.tokenURI(soulbound_token))
    record = registry.credential(soulbound_token)
    assert document["name"] == f"SQL for Data Analysis #{soulbound_token}"
    assert document["description"] == (
        "SQL for Data Analysis, a microcredential on credstack. Status: active."
    )
    assert document["external_url"] == "ipfs://bafybeigdyrzt/sql.json"
    assert attributes(document) == {
        "status": "active",
        "score": 8_500,
        "class": soulbound_class,
        "issuer": issuer.address.lower(),
        "expires_at": record.expires_at,
    }
    [expiry] = [a for a in document["attributes"] if a["trait_type"] == "expires_at"]
    assert expiry["display_type"] == "date"


def test_token_uri__never_expiring_has_no_expiry(
    registry: Any, permanent_class: int, issue: Callable[..., int], learner: Any
) -> None:
    token_id = issue(permanent_class, learner, score=0)
    assert "expires_at" not in attributes(decode(registry.tokenURI(token_id)))


def test_token_uri__follows_status(
    registry: Any, chain: Any, soulbound_token: int, issuer: Any
) -> None:
    def status() -> str:
        value: str = attributes(decode(registry.tokenURI(soulbound_token)))["status"]
        return value

    assert status() == "active"
    registry.suspend(soulbound_token, sender=issuer)
    assert status() == "suspended"
    registry.reinstate(soulbound_token, sender=issuer)
    assert status() == "active"
    expires_at = registry.credential(soulbound_token).expires_at
    chain.mine(timestamp=expires_at)
    assert status() == "expired"
    registry.renew(soulbound_token, expires_at + 30 * DAY, sender=issuer)
    assert status() == "active"
    assert attributes(decode(registry.tokenURI(soulbound_token)))["expires_at"] == (
        expires_at + 30 * DAY
    )
    registry.revoke(soulbound_token, "issued in error", sender=issuer)
    document = decode(registry.tokenURI(soulbound_token))
    assert attributes(document)["status"] == "revoked"
    assert document["description"].endswith("Status: revoked.")


def test_token_uri__burned(registry: Any, soulbound_token: int, learner: Any) -> None:
    registry.burn(soulbound_token, sender=learner)
    assert attributes(decode(registry.tokenURI(soulbound_token)))["status"] == "burned"


def test_token_uri__burned_then_revoked(
    registry: Any, soulbound_token: int, issuer: Any, learner: Any
) -> None:
    registry.burn(soulbound_token, sender=learner)
    registry.revoke(soulbound_token, "issued in error", sender=issuer)
    document = decode(registry.tokenURI(soulbound_token))
    assert attributes(document)["status"] == "revoked"
    assert document["description"].endswith("Status: revoked.")


def test_token_uri__follows_class_uri(
    registry: Any, soulbound_class: int, soulbound_token: int, issuer: Any
) -> None:
    registry.set_class_uri(soulbound_class, "https://college.example/sql/v2", sender=issuer)
    assert decode(registry.tokenURI(soulbound_token))["external_url"] == (
        "https://college.example/sql/v2"
    )


def test_token_uri__longest_fields_fit(
    registry: Any,
    create_class: Callable[..., int],
    issue: Callable[..., int],
    learner: Any,
) -> None:
    name = "Ä" * 32  # 64 bytes of UTF-8
    uri = "https://" + "u" * 248
    class_id = create_class(name=name, uri=uri, min_score=MAX_SCORE)
    token_id = issue(class_id, learner, score=MAX_SCORE)
    document = decode(registry.tokenURI(token_id))
    assert document["name"] == f"{name} #{token_id}"
    assert document["external_url"] == uri
    assert attributes(document)["score"] == MAX_SCORE


@pytest.mark.parametrize(("status", "name"), sorted(STATUS_NAMES.items()))
def test_renderer__status_names(registry: Any, project: Any, status: int, name: str) -> None:
    renderer = project.CredentialRenderer.at(registry.renderer())
    uri = renderer.render(2**64 - 1, 2**32 - 1, "C", "u", registry.address, status, 0, MAX_EXPIRY)
    document = decode(uri)
    assert document["name"] == f"C #{2**64 - 1}"
    assert attributes(document) == {
        "status": name,
        "score": 0,
        "class": 2**32 - 1,
        "issuer": registry.address.lower(),
        "expires_at": MAX_EXPIRY,
    }


@pytest.mark.parametrize("length", range(1, 7))
def test_renderer__base64_padding(registry: Any, project: Any, length: int) -> None:
    # Names of every length mod 3 exercise every padding case of the encoder.
    renderer = project.CredentialRenderer.at(registry.renderer())
    document = decode(renderer.render(1, 1, "n" * length, "", registry.address, 1, 1, 0))
    assert document["name"] == "n" * length + " #1"


def test_token_uri__nonexistent__reverts(registry: Any) -> None:
    with ape.reverts("credential: nonexistent token"):
        registry.tokenURI(1)


def text_cases() -> list[bytes]:
    """Every byte alone, and every lead byte from C0 to FF with continuation
    bytes at the edges of every allowed range, as sequences of two, three
    and four bytes; shifted so that some straddle the 32-byte word the
    renderer reads at a time."""
    edges = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0]
    cases = [bytes([b]) for b in range(256)]
    for lead in range(0xC0, 0x100):
        for second in edges:
            for rest in (b"", b"\x80", b"\xbf\xbf", b"\x80\x80\x80"):
                cases.append(bytes([lead, second]) + rest)
    return [b"a" * (i % 3 * 15) + case + b"z" * (i % 2) for i, case in enumerate(cases)]


def expected_verdict(raw: bytes) -> str:
    """What the JSON needs, by Python's strict UTF-8 decoder."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "credential: invalid UTF-8"
    if any(ord(c) < 0x20 or c in '"\\' for c in text):
        return "credential: invalid character"
    return "ok"


def test_renderer__check_text__agrees_with_a_strict_utf8_decoder() -> None:
    """Over 2,000 texts, on titanoboa's EVM (the embedded chain takes 40 ms
    a call; this takes about one)."""
    import boa
    from eth.exceptions import Revert
    from eth_abi import decode as abi_decode
    from eth_abi import encode
    from eth_utils import keccak

    renderer = boa.load_partial("contracts/CredentialRenderer.vy").deploy()
    selector = keccak(text="check_text(string)")[:4]
    disagreements = []
    cases = text_cases()
    assert len(cases) > 2_000
    for raw in cases:
        try:
            answer = boa.env.raw_call(renderer.address, data=selector + encode(["bytes"], [raw]))
            verdict = "ok" if abi_decode(["bool"], answer.output) == (True,) else "false"
        except Revert as err:
            verdict = _revert_reason(bytes(err.args[0]))
        if verdict != expected_verdict(raw):
            disagreements.append((raw.hex(), verdict, expected_verdict(raw)))
    assert disagreements == []


def _revert_reason(data: bytes) -> str:
    """The Error(string) message of revert data."""
    from eth_abi import decode as abi_decode

    if data[:4] != bytes.fromhex("08c379a0"):
        return f"revert {data.hex()}"
    (message,) = abi_decode(["string"], data[4:])
    return str(message)


def test_renderer__check_text__longest_text(registry: Any, project: Any) -> None:
    renderer = project.CredentialRenderer.at(registry.renderer())
    assert renderer.check_text("€" * 85 + "a") is True  # 256 bytes
    with ape.reverts("credential: invalid character"):
        renderer.check_text("€" * 85 + '"')
