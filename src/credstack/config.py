"""Settings from the environment; `.env` (python-dotenv) fills it, nothing more.

Variables (documented in .env.example):

- ``CREDSTACK_ACCOUNT``: the ape account alias scripts sign with (``--account``
  overrides it; ``TEST::0`` is ape's first test account on local chains).
- ``CREDSTACK_BASE_SEPOLIA_RPC``, ``CREDSTACK_OPTIMISM_SEPOLIA_RPC``,
  ``CREDSTACK_ARBITRUM_SEPOLIA_RPC``: RPC URLs, read by ape-config.yaml.
- ``CREDSTACK_DEPLOYMENTS_DIR`` (default ``deployments``) and
  ``CREDSTACK_OUT_DIR`` (default ``out``): where deployments, journals,
  receipts and summaries go.
"""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

from credstack.errors import ConfigError

ACCOUNT_VAR = "CREDSTACK_ACCOUNT"
# Network prefix (ecosystem:network) -> the variable holding its RPC URL.
RPC_VARS: dict[str, str] = {
    "base:sepolia": "CREDSTACK_BASE_SEPOLIA_RPC",
    "optimism:sepolia": "CREDSTACK_OPTIMISM_SEPOLIA_RPC",
    "arbitrum:sepolia": "CREDSTACK_ARBITRUM_SEPOLIA_RPC",
}
_loaded = False


def load_env(path: str | os.PathLike[str] | None = None) -> None:
    """Load `.env` (from the working directory up) once; real environment
    variables win over the file."""
    global _loaded
    if not _loaded or path is not None:
        load_dotenv(path or Path.cwd() / ".env", override=False)
        _loaded = True


def require(variable: str, purpose: str) -> str:
    """The value of a variable, or a ConfigError naming it."""
    value = os.environ.get(variable, "").strip()
    if not value:
        raise ConfigError(
            variable,
            f"missing variable {variable} ({purpose}): set it in .env, see .env.example",
        )
    return value


def check_network_env(network_choice: str | None) -> None:
    """Before ape connects: a network that reads its RPC URL from the
    environment needs that variable set, or ape would try the literal
    ``${...}`` string."""
    if not network_choice:
        return
    choice = network_choice.lower()
    for prefix, variable in RPC_VARS.items():
        # A custom URI as provider (base:sepolia:https://...) needs no variable.
        if choice.startswith(prefix) and "://" not in choice:
            require(variable, f"RPC URL for {prefix}")


def deployments_dir() -> Path:
    return Path(os.environ.get("CREDSTACK_DEPLOYMENTS_DIR", "deployments"))


def out_dir() -> Path:
    return Path(os.environ.get("CREDSTACK_OUT_DIR", "out"))
