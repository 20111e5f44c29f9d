"""Issuers' Ed25519 signing keys for Open Badges: one per issuer address,
each a did:key (Multikey ``z6Mk...``), kept encrypted on disk.

A key file is ``<dir>/<issuer address, lowercase>.json`` in the format of
ape's (and geth's) keyfiles, version 3: the 32-byte Ed25519 seed encrypted
with AES-128-CTR under a key derived by scrypt from the passphrase, with a
Keccak MAC (eth_keyfile writes and reads it). The file also names the did:key
(public), never the seed. ``<dir>`` is ``CREDSTACK_OB_KEYS`` (default
``~/.credstack/ob-keys``); the passphrase comes from
``CREDSTACK_OB_PASSPHRASE`` for unattended runs, or a prompt.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_keyfile.keyfile import create_keyfile_json, decode_keyfile_json

KEYS_VAR = "CREDSTACK_OB_KEYS"
PASSPHRASE_VAR = "CREDSTACK_OB_PASSPHRASE"
# The multicodec prefix of an Ed25519 public key (0xed, varint-encoded).
ED25519_PUB = b"\xed\x01"
# Key derivation: ape's own keyfiles use scrypt with n = 2**18; so do these.
SCRYPT_N = 1 << 18


class KeyError_(ValueError):
    """A key that cannot be made, found or opened (the message says why)."""


def keys_dir() -> Path:
    """Where issuers' key files live."""
    value = os.environ.get(KEYS_VAR, "").strip()
    return Path(value).expanduser() if value else Path.home() / ".credstack" / "ob-keys"


def multikey(public: bytes) -> str:
    """The Multikey (``z`` + base58btc of 0xed01 || key) of an Ed25519 public key."""
    encoded: bytes = base58.b58encode(ED25519_PUB + public)
    return "z" + encoded.decode()


def public_from_multikey(value: str) -> bytes:
    """The 32-byte Ed25519 public key a ``z6Mk...`` Multikey names
    (ValueError if it is not one)."""
    if not value.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    raw = base58.b58decode(value[1:])
    if len(raw) != 34 or raw[:2] != ED25519_PUB:
        raise ValueError("not an Ed25519 Multikey")
    return bytes(raw[2:])


def did_key(public: bytes) -> str:
    return "did:key:" + multikey(public)


def verification_method(public: bytes) -> str:
    """``did:key:z6Mk...#z6Mk...``: the key's verification method id."""
    key = multikey(public)
    return f"did:key:{key}#{key}"


def public_from_verification_method(vm: str) -> bytes:
    """The public key a did:key verification method names (ValueError if
    it is not ``did:key:<k>#<k>`` with an Ed25519 Multikey)."""
    did, _, fragment = vm.partition("#")
    if not did.startswith("did:key:") or fragment != did[len("did:key:") :]:
        raise ValueError(f"{vm!r} is not a did:key verification method")
    return public_from_multikey(fragment)


@dataclass(frozen=True)
class IssuerKey:
    """An issuer's opened key: sign with it; ``public`` is 32 bytes."""

    issuer: str  # the issuer's Ethereum address, lowercase
    private: Ed25519PrivateKey

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def did(self) -> str:
        return did_key(self.public)

    @property
    def verification_method(self) -> str:
        return verification_method(self.public)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def __repr__(self) -> str:  # never the seed
        return f"IssuerKey({self.issuer}, {self.did})"


def verify_signature(public: bytes, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``data`` by ``public``."""
    from cryptography.exceptions import InvalidSignature

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def key_path(issuer: str, directory: Path | None = None) -> Path:
    return (directory or keys_dir()) / f"{issuer.lower()}.json"


def create_key(
    issuer: str, passphrase: str, directory: Path | None = None, *, scrypt_n: int = SCRYPT_N
) -> IssuerKey:
    """A new Ed25519 key for ``issuer``, written encrypted (mode 0600);
    refuses to replace an existing one."""
    if not passphrase:
        raise KeyError_("an empty passphrase would leave the key unprotected")
    path = key_path(issuer, directory)
    if path.exists():
        raise KeyError_(f"{path} exists: the issuer already has a key (remove it to replace it)")
    while True:
        seed = secrets.token_bytes(32)
        try:
            # eth_keyfile derives an Ethereum address from the bytes, which
            # needs them below the secp256k1 order (fails with odds 2**-128).
            data: dict[str, Any] = create_keyfile_json(
                seed, passphrase, kdf="scrypt", iterations=scrypt_n
            )
            break
        except Exception:  # pragma: no cover - astronomically rare
            continue
    # That address is meaningless for an Ed25519 seed: say what the key is instead.
    data.pop("address", None)
    key = IssuerKey(issuer.lower(), Ed25519PrivateKey.from_private_bytes(seed))
    data["credstack"] = {"kind": "ed25519-seed", "issuer": key.issuer, "did": key.did}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)
    return key


def read_did(issuer: str, directory: Path | None = None) -> str | None:
    """The did:key an issuer's key file names (no passphrase), or None."""
    path = key_path(issuer, directory)
    try:
        return str(json.loads(path.read_text())["credstack"]["did"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def open_key(issuer: str, passphrase: str, directory: Path | None = None) -> IssuerKey:
    """The issuer's key, decrypted; KeyError_ if there is none, the file is
    damaged or the passphrase is wrong."""
    path = key_path(issuer, directory)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise KeyError_(
            f"no Open Badges key for issuer {issuer} in {path.parent}: "
            f"make one with `ape run export --new-key --issuer {issuer}`"
        ) from None
    except (OSError, ValueError) as err:
        raise KeyError_(f"{path}: unreadable key file ({err})") from None
    try:
        seed = bytes(decode_keyfile_json(data, passphrase))
    except ValueError as err:
        if "MAC mismatch" in str(err):
            raise KeyError_(f"{path}: wrong passphrase") from None
        raise KeyError_(f"{path}: damaged key file ({err})") from None
    except (KeyError, TypeError) as err:
        raise KeyError_(f"{path}: damaged key file (missing {err})") from None
    key = IssuerKey(issuer.lower(), Ed25519PrivateKey.from_private_bytes(seed))
    recorded = data.get("credstack", {}).get("did") if isinstance(data, dict) else None
    if recorded is not None and recorded != key.did:
        raise KeyError_(f"{path}: the key does not match the did:key the file names")
    return key
