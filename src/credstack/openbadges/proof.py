"""The W3C Data Integrity proof ``eddsa-rdfc-2022`` (vc-di-eddsa), which
Open Badges 3.0 names for linked-data proofs.

hashData = SHA-256(RDFC-1.0(proof options with the document's @context))
|| SHA-256(RDFC-1.0(document without proof)); the proof value is the Ed25519
signature of hashData, multibase base58btc (``z...``).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

import base58

from credstack.openbadges.jsonld import canonize, canonize_expanded, require_no_dropped_members
from credstack.openbadges.keys import (
    IssuerKey,
    public_from_verification_method,
    verify_signature,
)

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
PURPOSE = "assertionMethod"


class ProofError(ValueError):
    """A proof that is missing, malformed or does not verify (the message says why)."""


@lru_cache(maxsize=64)
def _config_hash(config: str) -> bytes:
    """SHA-256 of the canonical proof options (JSON text): a bulk export
    signs many documents with the same options, made within one second."""
    return hashlib.sha256(canonize(json.loads(config)).encode()).digest()


def hash_data(
    document: dict[str, Any], options: dict[str, Any], expanded: list[Any] | None = None
) -> bytes:
    """vc-di-eddsa's hashData for ``document`` (its proof ignored) and the
    proof ``options`` (its proofValue ignored); ``expanded``: the
    document's JSON-LD expansion, when the caller has it (the same RDF)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in options.items() if k != "proofValue"}
    config["@context"] = document.get("@context")
    body = canonize(unsecured) if expanded is None else canonize_expanded(expanded)
    return _config_hash(json.dumps(config, sort_keys=True)) + hashlib.sha256(body.encode()).digest()


def sign(document: dict[str, Any], key: IssuerKey, created: str) -> dict[str, Any]:
    """``document`` with an eddsa-rdfc-2022 proof by ``key`` made at
    ``created`` (XML Schema dateTime); refuses a document whose JSON-LD
    expansion drops a member (both verifiers would reject it)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    expanded = require_no_dropped_members(unsecured)
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": key.verification_method,
        "proofPurpose": PURPOSE,
    }
    signature = key.sign(hash_data(unsecured, options, expanded))
    options["proofValue"] = "z" + base58.b58encode(signature).decode()
    return {**unsecured, "proof": options}


def verify(document: dict[str, Any]) -> str:
    """The verification method whose key signed ``document``'s single
    eddsa-rdfc-2022 proof; ProofError if it does not verify."""
    proof = document.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise ProofError(f"expected one proof, found {len(proof)}")
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("no proof")
    for name, expected in (
        ("type", PROOF_TYPE),
        ("cryptosuite", CRYPTOSUITE),
        ("proofPurpose", PURPOSE),
    ):
        if proof.get(name) != expected:
            raise ProofError(f"proof {name} is {proof.get(name)!r}, expected {expected!r}")
    vm = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(vm, str) or not isinstance(value, str):
        raise ProofError("proof lacks verificationMethod or proofValue")
    try:
        public = public_from_verification_method(vm)
    except ValueError as err:
        raise ProofError(str(err)) from None
    if not value.startswith("z"):
        raise ProofError("proofValue is not multibase base58btc")
    try:
        signature = base58.b58decode(value[1:])
    except ValueError:
        raise ProofError("proofValue is not base58btc") from None
    if len(signature) != 64:
        raise ProofError("proofValue is not a 64-byte Ed25519 signature")
    if not verify_signature(public, signature, hash_data(document, proof)):
        raise ProofError("signature does not match the document (altered, or another key)")
    return vm
