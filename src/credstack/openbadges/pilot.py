"""The pilot's last step: its completers' pathway credentials as Open
Badges 3.0, with the issuers' profiles and status lists, and the command
that serves them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from credstack import catalog
from credstack.openbadges import keys
from credstack.openbadges.binding import sign_with_account
from credstack.openbadges.chain import Reader
from credstack.openbadges.credential import ClassDocument, issuer_name
from credstack.openbadges.export import Exporter

# The pilot's issuers are ape's test accounts on a chain that dies with the
# run: their keys go under the pilot's output, protected by this passphrase
# unless CREDSTACK_OB_PASSPHRASE gives another.
DEMO_PASSPHRASE = "credstack pilot"


def export_completers(world: Any, token_ids: list[int], out: Path) -> tuple[Path, int]:
    """Sign and write ``token_ids`` (the pathway credentials the pilot's
    completers claimed) and every issuer's status lists under
    ``out/openbadges/<chain id>``; (that directory, credentials written).
    ``world``: the pilot's World (registry, catalog, issuers' accounts)."""
    from ape import chain

    chain_id = int(chain.chain_id)
    documents = {}
    for spec in world.catalog.classes.values():
        data = catalog.canonical_bytes(world.catalog.metadata(spec))
        uri = catalog.content_uri(data)
        documents[uri] = ClassDocument(uri, json.loads(data))
    reader = Reader(world.registry, chain_id, documents, Path(str(world.config.catalog)))
    key_dir = out / "ob-keys"
    secret = os.environ.get(keys.PASSPHRASE_VAR) or DEMO_PASSPHRASE
    accounts = {sender.address.lower(): sender.account for sender in world.issuers.values()}

    def open_key(issuer: str) -> keys.IssuerKey:
        if keys.key_path(issuer, key_dir).exists():
            return keys.open_key(issuer, secret, key_dir)
        return keys.create_key(issuer, secret, key_dir)

    directory = out / "openbadges" / str(chain_id)
    exporter = Exporter(
        out=directory,
        chain_id=chain_id,
        registry=world.registry.address,
        base_url="http://127.0.0.1:8000",
        keys=open_key,
        key_dir=key_dir,
        clock=lambda: int(chain.pending_timestamp),
    )

    def signer(issuer: str, chain: int, key: str, profile: str) -> str:
        return sign_with_account(accounts[issuer.lower()], chain, key, profile)

    tokens = reader.tokens(sorted(token_ids))
    for token in {t.issuer.lower(): t for t in tokens}.values():
        exporter.profile(token.issuer, issuer_name(token.klass, token.issuer), signer)
    exporter.credentials(tokens)
    for issuer, (revoked, suspended) in sorted(reader.statuses().items()):
        if issuer in {t.issuer.lower() for t in tokens}:
            exporter.status_lists(issuer, revoked, suspended)
    exporter.index()
    return directory, len(tokens)
