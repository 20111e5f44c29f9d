"""Constants the tests share: the package's own, imported from it, and the
rest mirrored once from the contracts.

Statuses are `credstack.Status` (and `credstack.STATUS_NAMES`); tests import
them from the package directly."""

from credstack.registry import MAX_SCORE, ZERO_ADDRESS
from credstack.units import DAY

__all__ = [
    "DAY",
    "EVIDENCE",
    "INTERFACE_IDS",
    "MAX_EXPIRY",
    "MAX_SCORE",
    "MAX_VALIDITY",
    "ROLE_MISSING",
    "YEAR",
    "ZERO_ADDRESS",
]

YEAR = 365 * DAY
MAX_VALIDITY = 100 * YEAR
MAX_EXPIRY = 2**40 - 1
EVIDENCE = b"\x5a" * 32

INTERFACE_IDS = {
    "ERC165": "0x01ffc9a7",
    "ERC721": "0x80ac58cd",
    "ERC721Metadata": "0x5b5e139f",
    "ERC5192": "0xb45a3c0e",
    "ERC4906": "0x49064906",
}

ROLE_MISSING = "access_control: account is missing role"
