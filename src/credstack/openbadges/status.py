"""W3C Bitstring Status Lists from the chain: per issuer, one list for
revocation and one for suspension, the token id as the index.

The bitstring is at least 131,072 bits (the spec's minimum, for herd
privacy), bit 0 the most significant bit of the first byte; encoded as
multibase base64url (``u``) of its GZIP compression (mtime 0, so the same
list always encodes to the same text).
"""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Iterable
from typing import Any

from credstack.openbadges.jsonld import STATUS_CONTEXT

MIN_BITS = 131_072
PURPOSES = ("revocation", "suspension")
# The largest list a verifier here will decompress (16 Mbit): a bound on hostile input.
MAX_BITS = 1 << 24


class StatusListError(ValueError):
    """An encoded list that cannot be decoded."""


def list_size(max_index: int) -> int:
    """Bits for a list holding ``max_index``: 131,072, or the next multiple of it."""
    return max(MIN_BITS, -(-(max_index + 1) // MIN_BITS) * MIN_BITS)


def encode(indices: Iterable[int], size: int = MIN_BITS) -> str:
    """The encodedList with the bits at ``indices`` set."""
    bits = bytearray(size // 8)
    for i in indices:
        if not 0 <= i < size:
            raise ValueError(f"index {i} outside a list of {size} bits")
        bits[i >> 3] |= 0x80 >> (i & 7)
    packed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    """The bitstring an encodedList holds (StatusListError if malformed)."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList is not multibase base64url ('u...')")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        with gzip.GzipFile(fileobj=io.BytesIO(packed)) as f:
            bits = f.read(MAX_BITS // 8 + 1)
    except (ValueError, OSError, EOFError) as err:
        raise StatusListError(f"encodedList does not decode ({err})") from None
    if len(bits) > MAX_BITS // 8:
        raise StatusListError("encodedList is larger than this verifier reads")
    if len(bits) * 8 < MIN_BITS:
        raise StatusListError(f"list has {len(bits) * 8} bits, fewer than {MIN_BITS}")
    return bits


def bit(bits: bytes, index: int) -> bool:
    """Whether bit ``index`` is set (IndexError past the end)."""
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"index {index} outside a list of {len(bits) * 8} bits")
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))


def set_indices(bits: bytes) -> list[int]:
    """The indices whose bit is set, increasing."""
    return [
        (i << 3) + j for i, byte in enumerate(bits) if byte for j in range(8) if byte & (0x80 >> j)
    ]


def list_credential(
    *, url: str, issuer_did: str, purpose: str, encoded: str, valid_from: str
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential for ``purpose``."""
    if purpose not in PURPOSES:
        raise ValueError(f"status purpose {purpose!r}")
    return {
        "@context": STATUS_CONTEXT,
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }


def entry(url: str, purpose: str, index: int) -> dict[str, Any]:
    """A credential's BitstringStatusListEntry pointing at bit ``index`` of the list at ``url``."""
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }
