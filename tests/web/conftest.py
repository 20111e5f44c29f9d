"""Fixtures for the web app's tests: the example catalog deployed on ape's
embedded chain (tests/tooling's `deployed`), a few credentials issued with
known evidence and salts, one revoked, one of a class whose name is HTML,
and the app over them."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from credstack import catalog as catalog_mod
from credstack.cli import export as export_cli
from credstack.evidence import salted_hash
from credstack.registry import created_class_id, issued_token_ids
from tests.tooling.conftest import (  # noqa: F401  (fixtures)
    CATALOG,
    commands_use_test_provider,
    deployed,
    deployments_dir,
    wallet,
)

# The registry refuses `"` and `\\` in names (the renderer's rule); the rest is open.
HOSTILE_NAME = "<script>alert(1)</script> & 'Data' <b>bold</b>"
REVOKE_REASON = "exam taken by someone else <i>really</i>"


@pytest.fixture(scope="module", autouse=True)
def web_out_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Output of the commands `deployed` runs goes to a temporary directory."""
    out = tmp_path_factory.mktemp("out")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREDSTACK_OUT_DIR", str(out))
        yield out


def account_of(accounts: Any, address: str) -> Any:
    return next(a for a in accounts if a.address == address)


@pytest.fixture(scope="module")
def site(
    deployed: dict[str, Any],  # noqa: F811  (the fixture imported above)
    accounts: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Tokens issued on the deployed registry, the evidence documents and
    salts, the class documents written under a metadata directory, and an
    export directory holding a file and a secret beside it."""
    from ape import project

    deployment = deployed["deployment"]
    classes = deployed["classes"]
    registry = project.CredentialRegistry.at(deployment.registry)
    work = tmp_path_factory.mktemp("web")
    metadata = work / "metadata"
    catalog_mod.write_metadata(catalog_mod.load(CATALOG), metadata)

    northwind = account_of(accounts, classes["sql-querying"].issuer)
    holder, other = wallet(100), wallet(101)
    documents: dict[int, tuple[bytes, bytes]] = {}

    def issue(class_id: int, to: str, score: int, doc: bytes, sender: Any = northwind) -> int:
        salt = hashlib.sha256(b"salt" + doc).digest()
        evidence = salted_hash(salt, hashlib.sha256(doc).digest())
        tx = registry.issue(class_id, to, score, evidence, sender=sender)
        [token_id] = issued_token_ids(registry, tx)
        documents[token_id] = (doc, salt)
        return token_id

    sql = classes["sql-querying"].class_id
    valid = issue(sql, holder, 9_150, b"exam sheet of the holder\n")
    revoked = issue(sql, other, 8_000, b"exam sheet of the other\n")
    registry.revoke(revoked, REVOKE_REASON, sender=northwind)
    spreadsheet = issue(
        classes["spreadsheet-analysis"].class_id, holder, 8_800, b"spreadsheet project\n"
    )
    receipt = registry.create_class(
        HOSTILE_NAME, "ipfs://hostile", False, True, 0, 0, sender=northwind
    )
    hostile = issue(created_class_id(registry, receipt), other, 5_000, b"hostile\n")

    # The Open Badges export of the SQL class (`ape run export`): Northwind's
    # key made and bound, its credentials signed, its status lists.
    export = work / "export"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREDSTACK_OB_KEYS", str(work / "keys"))
        patch.setenv("CREDSTACK_OB_PASSPHRASE", "web test passphrase")
        for args in (
            ["--new-key", "--issuer", northwind.address],
            ["--class", "sql-querying", "--status-lists", "--metadata", str(metadata)],
        ):
            result = CliRunner().invoke(
                export_cli.cli, [*args, "--out", str(export)], catch_exceptions=False
            )
            assert result.exit_code == 0, result.output
    (work / "secret.json").write_text('{"secret": true}')
    return {
        "deployment": deployment,
        "registry": registry,
        "holder": holder,
        "other": other,
        "valid": valid,
        "revoked": revoked,
        "spreadsheet": spreadsheet,
        "hostile": hostile,
        "documents": documents,
        "metadata": metadata,
        "export": export,
        "issuer": northwind.address,
        "work": work,
    }


def make_app(site: dict[str, Any], **overrides: Any) -> Any:
    """The app over ``site``'s deployment, nothing cached."""
    from credstack.context import Context
    from credstack.web.app import create_app

    ctx = Context(site["deployment"])
    values: dict[str, Any] = {
        "registry": ctx.registry,
        "memberships": ctx.memberships if site["deployment"].membership else None,
        "pathways": ctx.pathways if site["deployment"].pathways else None,
        "employers": ctx.employers if site["deployment"].employers else None,
        "export_dir": site["export"],
        "index_path": None,
        "chain_id": site["deployment"].chain_id,
        "metadata_dir": site["metadata"],
        "cache_seconds": 0,
    }
    values.update(overrides)
    return create_app(**values)


@pytest.fixture(scope="module")
def app(site: dict[str, Any]) -> Any:
    return make_app(site)


@pytest.fixture(scope="module")
def client(app: Any) -> Any:
    from starlette.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def chromium_path() -> Path | None:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).is_file():
            return Path(candidate)
    return None
