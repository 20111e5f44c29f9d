"""What users type or hand over, checked before anything reaches the chain:
addresses (one rule and one set of messages everywhere), and tables read
from CSV files (see ``read_table``)."""

from __future__ import annotations

import re

from Crypto.Hash import keccak as keccak_256

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HIGH = frozenset("89abcdef")


def checksummed(body: str) -> str:
    """EIP-55 of 40 hex digits: a letter is upper case where the keccak of
    the lower-case address has a nibble of 8 or more. Written out because
    eth_utils spends most of a 100,000-row validation here."""
    lower = body.lower()
    nibbles = keccak_256.new(digest_bits=256, data=lower.encode()).digest().hex()
    return "".join(c.upper() if n in _HIGH else c for c, n in zip(lower, nibbles[:40], strict=True))


def address_problem(text: str) -> str | None:
    """Why ``text`` is not an address to act on, or None. An address must
    carry its EIP-55 checksum: an all-lower-case one has no protection
    against a typo, so it is refused."""
    if not text:
        return "missing"
    if not _ADDRESS.match(text):
        return "not an address (0x and 40 hex digits)"
    if text.lower() == ZERO_ADDRESS:
        return "zero address"
    body = text[2:]
    if checksummed(body) == body:
        return None  # some checksummed addresses are all one case
    if body == body.lower() or body == body.upper():
        return "no EIP-55 checksum (all one case): copy the address as the wallet shows it"
    return "bad EIP-55 checksum (a mistyped character?)"
