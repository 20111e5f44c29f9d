"""The issuer binding: an EIP-712 signature by the issuer's Ethereum account
(the address the registry knows) over its Open Badges key and profile URL,
so a verifier can tie an Ed25519-signed credential to an on-chain issuer.

Typed data: domain ``{name: "credstack Open Badges", version: "1", chainId}``,
primary type ``KeyBinding {address issuer; string key; string profile}``
where ``key`` is the did:key verification method and ``profile`` the URL
the issuer profile document is served at.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils.address import is_address, to_checksum_address

DOMAIN_NAME = "credstack Open Badges"
DOMAIN_VERSION = "1"
TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
    ],
    "KeyBinding": [
        {"name": "issuer", "type": "address"},
        {"name": "key", "type": "string"},
        {"name": "profile", "type": "string"},
    ],
}


class BindingError(ValueError):
    """A binding that is malformed or whose signature does not recover."""


def typed_data(chain_id: int, issuer: str, key: str, profile: str) -> dict[str, Any]:
    """The EIP-712 typed data (JSON form, as eth_signTypedData_v4 takes it)."""
    return {
        "types": TYPES,
        "primaryType": "KeyBinding",
        "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id},
        "message": {"issuer": to_checksum_address(issuer), "key": key, "profile": profile},
    }


def signable(chain_id: int, issuer: str, key: str, profile: str) -> SignableMessage:
    """What the issuer's account signs."""
    return encode_typed_data(full_message=typed_data(chain_id, issuer, key, profile))


def sign_with_account(account: Any, chain_id: int, key: str, profile: str) -> str:
    """The binding signature (0x + 65 bytes hex, r||s||v) by an ape account."""
    message = signable(chain_id, str(account.address), key, profile)
    signature = account.sign_message(message)
    if signature is None:
        raise BindingError(f"account {account.address} declined to sign the key binding")
    return "0x" + bytes(signature.encode_rsv()).hex()


def recover(binding: Any) -> tuple[str, int, str, str]:
    """(signer, chain id, key, profile) of a binding as the profile
    document carries it (``{"typedData": ..., "signature": "0x..."}``);
    BindingError if it is malformed or the signer is not the issuer it names."""
    if not isinstance(binding, dict):
        raise BindingError("no key binding")
    data, signature = binding.get("typedData"), binding.get("signature")
    if not isinstance(data, dict) or not isinstance(signature, str):
        raise BindingError("key binding lacks typedData or signature")
    domain, message = data.get("domain"), data.get("message")
    if (
        data.get("types") != TYPES
        or data.get("primaryType") != "KeyBinding"
        or not isinstance(domain, dict)
        or not isinstance(message, dict)
        or domain.get("name") != DOMAIN_NAME
        or domain.get("version") != DOMAIN_VERSION
    ):
        raise BindingError("key binding is not credstack's KeyBinding typed data")
    chain_id, issuer = domain.get("chainId"), message.get("issuer")
    key, profile = message.get("key"), message.get("profile")
    if (
        not isinstance(chain_id, int)
        or isinstance(chain_id, bool)
        or not (isinstance(issuer, str) and is_address(issuer))
        or not isinstance(key, str)
        or not isinstance(profile, str)
    ):
        raise BindingError("key binding message is malformed")
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
        if len(raw) != 65:
            raise ValueError("not 65 bytes")
        signer = Account.recover_message(signable(chain_id, issuer, key, profile), signature=raw)
    except Exception as err:  # eth_keys raises several kinds for a bad signature
        raise BindingError(f"key binding signature does not recover ({err})") from None
    if signer.lower() != issuer.lower():
        raise BindingError(
            f"key binding is signed by {signer}, not by the issuer {issuer} it names"
        )
    return to_checksum_address(signer), chain_id, key, profile
