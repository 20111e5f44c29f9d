"""Constants the tests share, mirrored once from the contracts."""

DAY = 86_400
YEAR = 365 * DAY
MAX_SCORE = 10_000
MAX_VALIDITY = 100 * YEAR
MAX_EXPIRY = 2**40 - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
EVIDENCE = b"\x5a" * 32

INTERFACE_IDS = {
    "ERC165": "0x01ffc9a7",
    "ERC721": "0x80ac58cd",
    "ERC721Metadata": "0x5b5e139f",
    "ERC5192": "0xb45a3c0e",
    "ERC4906": "0x49064906",
}

ROLE_MISSING = "access_control: account is missing role"
