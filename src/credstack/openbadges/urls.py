"""Where the exported documents live: paths under the export directory and
the URLs (under ``--base-url``) the web app serves them at."""

from __future__ import annotations

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def base(base_url: str) -> str:
    """The base URL without a trailing slash."""
    return base_url.rstrip("/")


def credential_path(token_id: int) -> str:
    return f"credentials/{token_id}.json"


def issuer_path(issuer: str) -> str:
    return f"issuers/{issuer.lower()}.json"


def status_path(issuer: str, purpose: str) -> str:
    return f"status/{issuer.lower()}/{purpose}.json"


def url(base_url: str, path: str) -> str:
    """The URL a path under the export directory is served at."""
    return f"{base(base_url)}/ob/{path}"


def credential_url(base_url: str, token_id: int) -> str:
    return url(base_url, credential_path(token_id))


def issuer_url(base_url: str, issuer: str) -> str:
    return url(base_url, issuer_path(issuer))


def status_url(base_url: str, issuer: str, purpose: str) -> str:
    return url(base_url, status_path(issuer, purpose))
