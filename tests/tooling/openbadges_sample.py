"""Open Badges documents built without a chain, for the tests: an issuer
with a key (cheap scrypt) and an EIP-712 binding by a local Ethereum key,
tokens of the example catalog's first class, an export directory."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from eth_account import Account

from credstack import catalog
from credstack.openbadges import binding, keys
from credstack.openbadges.credential import ClassDocument, Token
from credstack.openbadges.export import Exporter

ROOT = Path(__file__).resolve().parents[2]
CHAIN_ID = 31337
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
HOLDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BASE_URL = "http://127.0.0.1:8000"
# A fixed Ethereum key for the issuer (a test key: never holds anything).
ISSUER_KEY = "0x" + "4c" * 32
ISSUER = Account.from_key(ISSUER_KEY).address
# Real time (the independent verifiers read the clock), to the day.
NOW = int(time.time()) // 86_400 * 86_400
ISSUED_AT = NOW - 86_400
EXPIRES_AT = NOW + 365 * 86_400


def class_document(slug: str | None = None) -> ClassDocument:
    """An example-catalog class's document, exactly as `catalog apply` writes it."""
    cat = catalog.load(ROOT / "examples" / "catalog.yaml")
    spec = cat.classes[slug] if slug else next(iter(cat.classes.values()))
    data = catalog.canonical_bytes(cat.metadata(spec))
    return ClassDocument(catalog.content_uri(data), json.loads(data))


def token(token_id: int = 7, **changes: object) -> Token:
    base = Token(
        chain_id=CHAIN_ID,
        registry=REGISTRY,
        token_id=token_id,
        holder=HOLDER,
        issuer=ISSUER,
        klass=class_document(),
        score=8750,
        issued_at=ISSUED_AT,
        expires_at=EXPIRES_AT,
        evidence_hash=b"\x11" * 32,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def local_signer(private_key: str = ISSUER_KEY) -> Callable[[str, int, str, str], str]:
    """A binding signer with a local Ethereum key (what an ape account does)."""

    def sign(issuer: str, chain_id: int, key: str, profile: str) -> str:
        message = binding.signable(chain_id, issuer, key, profile)
        return "0x" + bytes(Account.sign_message(message, private_key).signature).hex()

    return sign


@dataclass
class Export:
    out: Path
    key: keys.IssuerKey
    exporter: Exporter

    def doc(self, token_id: int) -> dict[str, object]:
        data: dict[str, object] = json.loads(
            (self.out / "credentials" / f"{token_id}.json").read_text()
        )
        return data

    def fetch(self, url: str) -> dict[str, object] | None:
        """The web app's mapping: ``<base>/ob/<path>`` -> the file."""
        prefix = f"{BASE_URL}/ob/"
        if not url.startswith(prefix):
            return None
        path = self.out / url[len(prefix) :]
        if not path.is_file():
            return None
        found: dict[str, object] = json.loads(path.read_text())
        return found


def make_export(
    tmp: Path,
    token_ids: tuple[int, ...] = (7,),
    revoked: Iterable[int] = (),
    suspended: Iterable[int] = (),
) -> Export:
    """Credentials for ``token_ids``, the issuer profile and status lists."""
    key_dir = tmp / "keys"
    key = keys.create_key(ISSUER, "test passphrase", key_dir, scrypt_n=2**4)
    out = tmp / "export"
    exporter = Exporter(
        out=out,
        chain_id=CHAIN_ID,
        registry=REGISTRY,
        base_url=BASE_URL,
        keys=lambda who: key,
        key_dir=key_dir,
        clock=lambda: NOW,
    )
    exporter.profile(ISSUER, "Northwind Community College", local_signer())
    for token_id in token_ids:
        exporter.credential(token(token_id))
    exporter.status_lists(ISSUER, revoked, suspended)
    exporter.index()
    return Export(out, key, exporter)
