"""Write Open Badges 3.0 documents for tokens on a registry: one signed
credential per token, the issuers' profile documents, their status lists,
and an index (the layout ``ape run serve`` reads).

Files are written atomically (temporary file, then rename), so an
interrupted run leaves whole files only; a credential already written with
the same content and key is skipped, so running again resumes.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credstack.openbadges import binding, proof, status, urls
from credstack.openbadges.credential import (
    BINDING_TERM,
    ExportError,
    Token,
    build,
    iso,
    issuer_profile,
    profile_document,
)
from credstack.openbadges.keys import IssuerKey, keys_dir

# Statuses whose bit is set in a list: revocation and suspension.
Signer = Callable[[str, int, str, str], str]  # (issuer, chain id, key, profile url) -> signature


def write_json(path: Path, doc: Any, *, indent: int | None = 2) -> None:
    """``doc`` as JSON at ``path`` (indented, or on one line with
    ``indent=None``: json's C encoder, 3 times faster), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=indent, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    """The JSON at ``path``, or None if it is missing or not JSON."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def bindings_path(issuer: str, directory: Path | None = None) -> Path:
    """Where an issuer's binding signatures are kept beside its key."""
    return (directory or keys_dir()) / f"{issuer.lower()}.bindings.json"


@dataclass
class Report:
    """What a run did, path by path."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"written": self.written, "unchanged": self.unchanged}


class Exporter:
    """Writes under ``out`` for one registry on one chain; ``keys`` opens
    an issuer's key (the caller asks for the passphrase)."""

    def __init__(
        self,
        *,
        out: Path,
        chain_id: int,
        registry: str,
        base_url: str,
        keys: Callable[[str], IssuerKey],
        key_dir: Path | None = None,
        clock: Callable[[], int] = lambda: int(time.time()),
    ) -> None:
        self.out = out
        self.chain_id = chain_id
        self.registry = registry
        self.base_url = urls.base(base_url)
        self._open_key = keys
        self._keys: dict[str, IssuerKey] = {}
        self.key_dir = key_dir
        self.clock = clock
        self.report = Report()

    def key(self, issuer: str) -> IssuerKey:
        issuer = issuer.lower()
        if issuer not in self._keys:
            self._keys[issuer] = self._open_key(issuer)
        return self._keys[issuer]

    # Issuer profiles

    def profile(self, issuer: str, name: str, signer: Signer | None) -> Path:
        """Write the issuer's profile document, with its EIP-712 binding
        (kept beside the key; made by ``signer`` when there is none for
        this chain and URL). ExportError if there is none and no signer."""
        key = self.key(issuer)
        url = urls.issuer_url(self.base_url, issuer)
        store = bindings_path(issuer, self.key_dir)
        saved = read_json(store)
        saved = saved if isinstance(saved, dict) else {}
        slot = f"{self.chain_id} {url}"
        entry = saved.get(slot)
        fresh = None
        if isinstance(entry, dict):
            try:
                signer_address, chain_id, bound_key, bound_url = binding.recover(entry)
                if (signer_address.lower(), chain_id, bound_key, bound_url) == (
                    issuer.lower(),
                    self.chain_id,
                    key.verification_method,
                    url,
                ):
                    fresh = entry
            except binding.BindingError:
                fresh = None
        if fresh is None:
            if signer is None:
                raise ExportError(
                    f"issuer {issuer} has no key binding for chain {self.chain_id} and {url}: "
                    "pass --account with the issuer's account to sign it (EIP-712)"
                )
            signature = signer(issuer, self.chain_id, key.verification_method, url)
            fresh = {
                "typedData": binding.typed_data(
                    self.chain_id, issuer, key.verification_method, url
                ),
                "signature": signature,
            }
            binding.recover(fresh)  # the signer signed what it was asked
            saved[slot] = fresh
            write_json(store, saved)
        profile = issuer_profile(
            did=key.did, name=name, issuer=issuer, chain_id=self.chain_id, base_url=self.base_url
        )
        doc = profile_document(profile, fresh)
        path = self.out / urls.issuer_path(issuer)
        self._put(path, doc, same=read_json(path) == doc)
        return path

    def has_binding(self, issuer: str) -> bool:
        """Whether a binding for this chain and URL is kept (no signature needed)."""
        saved = read_json(bindings_path(issuer, self.key_dir))
        slot = f"{self.chain_id} {urls.issuer_url(self.base_url, issuer)}"
        return isinstance(saved, dict) and isinstance(saved.get(slot), dict)

    # Credentials

    def credential(self, token: Token) -> Path:
        """Sign and write ``token``'s credential, unless the file already
        holds the same credential signed by the same key."""
        key = self.key(token.issuer)
        doc = build(token, key.did, self.base_url)
        path = self.out / urls.credential_path(token.token_id)
        existing = read_json(path)
        if (
            isinstance(existing, dict)
            and {k: v for k, v in existing.items() if k != "proof"} == doc
            and isinstance(existing.get("proof"), dict)
            and existing["proof"].get("verificationMethod") == key.verification_method
        ):
            self.report.unchanged.append(str(path))
            return path
        signed = proof.sign(doc, key, iso(self.clock()))
        write_json(path, signed, indent=None)  # many: the fast encoder
        self.report.written.append(str(path))
        return path

    def credentials(self, tokens: list[Token], workers: int = 1) -> None:
        """``credential`` for each token; with ``workers`` > 1, in that many
        forked processes (signing is CPU-bound Python: one core each), each
        taking every n-th token. The report lists every path either way."""
        if workers <= 1 or len(tokens) < 2 * workers:
            for token in tokens:
                self.credential(token)
            return
        import multiprocessing

        for token in tokens:  # open each issuer's key once, before forking
            self.key(token.issuer)
        global _FORKED
        _FORKED = (self, tokens, workers)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_sign_share, range(workers))
        finally:
            _FORKED = None
        for written, unchanged in parts:
            self.report.written += written
            self.report.unchanged += unchanged

    # Status lists

    def status_lists(self, issuer: str, revoked: Iterable[int], suspended: Iterable[int]) -> None:
        """Write the issuer's revocation and suspension lists, each only if
        its encoded list (or key, or URL) changed."""
        key = self.key(issuer)
        sets = {"revocation": sorted(set(revoked)), "suspension": sorted(set(suspended))}
        for purpose, indices in sets.items():
            size = status.list_size(max(indices, default=0))
            encoded = status.encode(indices, size)
            url = urls.status_url(self.base_url, issuer, purpose)
            path = self.out / urls.status_path(issuer, purpose)
            existing = read_json(path)
            if (
                isinstance(existing, dict)
                and existing.get("id") == url
                and existing.get("issuer") == key.did
                and isinstance(existing.get("credentialSubject"), dict)
                and existing["credentialSubject"].get("encodedList") == encoded
            ):
                self.report.unchanged.append(str(path))
                continue
            now = iso(self.clock())
            doc = status.list_credential(
                url=url, issuer_did=key.did, purpose=purpose, encoded=encoded, valid_from=now
            )
            write_json(path, proof.sign(doc, key, now))
            self.report.written.append(str(path))

    # Index

    def index(self) -> Path:
        """Rewrite index.json from what the directory holds."""
        credentials = {}
        for path in sorted((self.out / "credentials").glob("*.json")):
            if path.stem.isdigit():
                credentials[path.stem] = urls.credential_path(int(path.stem))
        credentials = dict(sorted(credentials.items(), key=lambda kv: int(kv[0])))
        issuers = sorted(p.stem for p in (self.out / "issuers").glob("*.json"))
        lists: dict[str, dict[str, str]] = {}
        for issuer in sorted(p.name for p in (self.out / "status").glob("0x*") if p.is_dir()):
            lists[issuer] = {
                purpose: urls.status_path(issuer, purpose)
                for purpose in status.PURPOSES
                if (self.out / urls.status_path(issuer, purpose)).exists()
            }
        doc = {
            "chain_id": self.chain_id,
            "registry": self.registry,
            "base_url": self.base_url,
            "generated_at": iso(self.clock()),
            "credentials": credentials,
            "issuers": issuers,
            "status_lists": lists,
        }
        path = self.out / "index.json"
        write_json(path, doc)
        return path

    def _put(self, path: Path, doc: Any, *, same: bool) -> None:
        if same:
            self.report.unchanged.append(str(path))
        else:
            write_json(path, doc)
            self.report.written.append(str(path))


# What a forked worker inherits: the exporter (keys open), the tokens, the
# number of workers. Set only while a pool runs.
_FORKED: tuple[Exporter, list[Token], int] | None = None


def _sign_share(share: int) -> tuple[list[str], list[str]]:
    """In a forked worker: sign and write every ``workers``-th token from
    ``share``; the paths written and left unchanged."""
    assert _FORKED is not None
    exporter, tokens, workers = _FORKED
    exporter.report = Report()
    for token in tokens[share::workers]:
        exporter.credential(token)
    return exporter.report.written, exporter.report.unchanged


__all__ = ["BINDING_TERM", "Exporter", "Report", "read_json", "write_json"]
