"""Salted evidence hashes: the chain sees keccak256(salt || sha256(document)).

The document never leaves the issuer; its SHA-256 digest is what a CSV may
give instead of a file (``0x`` + 64 hex digits, as ``sha256sum`` prints it).
A fresh 32-byte salt per credential means nobody can confirm a guess at a
low-entropy document (a grade sheet, a name) without the salt, which the
issuer hands to the learner in the receipt.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path

from eth_utils.crypto import keccak

HEX32 = re.compile(r"^0x[0-9a-fA-F]{64}$")


def new_salt() -> bytes:
    return secrets.token_bytes(32)


def file_digest(path: str | Path) -> bytes:
    """SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.digest()


def salted_hash(salt: bytes, digest: bytes) -> bytes:
    """What goes on chain for a document with this digest and salt."""
    if len(salt) != 32 or len(digest) != 32:
        raise ValueError("salt and digest are 32 bytes each")
    return keccak(salt + digest)


def parse_hex32(text: str) -> bytes | None:
    """``0x`` + 64 hex digits as bytes, or None if it is not that."""
    return bytes.fromhex(text[2:]) if HEX32.match(text) else None


def matches(onchain_hash: bytes, document: str | Path, salt: bytes) -> bool:
    """Whether a document and salt give the hash recorded on chain."""
    return salted_hash(salt, file_digest(document)) == bytes(onchain_hash)
