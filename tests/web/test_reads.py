"""The app's chain reads: the same record as `ape run verify` (credstack.
verify) in every status, and a cache that stays exact: reused while the
chain does not change, dropped when the app's contracts log anything, and
a page whose credential reaches its expiry read again."""

from __future__ import annotations

import time
from typing import Any

from credstack.registry import Registry
from credstack.verify import verify_token
from tests.web.conftest import make_app


def test_token_record__same_as_verify_token_in_every_status(
    site: Any, accounts: Any, chain: Any
) -> None:
    from starlette.testclient import TestClient

    registry = Registry.at(site["deployment"].registry, site["deployment"].block_number)
    northwind = next(
        a for a in accounts if a.address == site["deployment"].classes["sql-querying"].issuer
    )
    site["registry"].suspend(site["spreadsheet"], sender=northwind)
    with TestClient(make_app(site)) as client:
        for token_id in (site["valid"], site["revoked"], site["spreadsheet"], site["hostile"]):
            page = client.get(f"/api/token/{token_id}").json()
            expected = verify_token(registry, token_id)
            assert {k: page[k] for k in expected} == expected, token_id
        assert client.get(f"/api/token/{site['spreadsheet']}").json()["status"] == "suspended"
        chain.pending_timestamp += 800 * 86_400  # past every expiry (730 days)
        chain.mine()
        page = client.get(f"/api/token/{site['valid']}").json()
        assert page["status"] == "expired" and page["reason"].startswith("expired on")
        assert {k: page[k] for k in verify_token(registry, site["valid"])} == verify_token(
            registry, site["valid"]
        )


def test_cache__reused_until_the_contracts_log_then_read_again(
    site: Any, accounts: Any, monkeypatch: Any
) -> None:
    from starlette.testclient import TestClient

    from credstack.web.chainreads import ChainReads

    calls: list[int] = []
    original = ChainReads.credential

    def counting(self: Any, token_id: int) -> Any:
        calls.append(token_id)
        return original(self, token_id)

    monkeypatch.setattr(ChainReads, "credential", counting)
    northwind = next(
        a for a in accounts if a.address == site["deployment"].classes["sql-querying"].issuer
    )
    with TestClient(make_app(site, cache_seconds=0.05)) as client:
        assert client.get(f"/api/token/{site['valid']}").json()["valid"] is True
        time.sleep(0.1)
        assert client.get(f"/api/token/{site['valid']}").json()["valid"] is True
        assert calls == [site["valid"]]  # the chain did not change: read once
        site["registry"].suspend(site["valid"], sender=northwind)
        time.sleep(0.1)
        record = client.get(f"/api/token/{site['valid']}").json()
        assert record["status"] == "suspended"
        assert calls == [site["valid"], site["valid"]]


def test_cache__credential_reaching_its_expiry_read_again(site: Any, chain: Any) -> None:
    from starlette.testclient import TestClient

    with TestClient(make_app(site, cache_seconds=0.05)) as client:
        assert client.get(f"/api/token/{site['valid']}").json()["status"] == "active"
        chain.pending_timestamp += 800 * 86_400
        chain.mine()  # a block with no log of the registry: only time moved
        time.sleep(0.1)
        assert client.get(f"/api/token/{site['valid']}").json()["status"] == "expired"


def test_history__from_the_analytics_index(site: Any, chain: Any, tmp_path: Any) -> None:
    """With an index of the deployment, a credential's page lists its
    events in order (issued, then revoked with the revocation's time)."""
    from starlette.testclient import TestClient

    from credstack.index import Index
    from credstack.index.rpc import for_provider

    path = tmp_path / "index.duckdb"
    with Index.open(site["deployment"], path) as index:
        index.sync(for_provider(chain.provider), progress=False)
    with TestClient(make_app(site, index_path=path)) as client:
        record = client.get(f"/api/token/{site['revoked']}").json()
        page = client.get(f"/token/{site['revoked']}").text
        plain = client.get(f"/api/token/{site['revoked']}")
    assert [e["event"] for e in record["history"]] == ["issued", "revoked"]
    assert record["history"][0]["at"] == record["issued_at"]
    assert "<h2>History</h2>" in page and "revoked" in page
    with TestClient(make_app(site, index_path=tmp_path / "missing.duckdb")) as client:
        assert client.get(f"/api/token/{site['revoked']}").json()["history"] is None
    assert plain.status_code == 200
