"""credstack: tokenized microcredentials on EVM chains.

The contracts live in ``contracts/``; this package holds all logic that the
``ape run`` scripts and the tests share.
"""

import warnings

# ape-vyper's config has a field (`import_remapping`) whose annotation
# pydantic-settings cannot resolve, and pydantic-settings says so with a
# UserWarning on stderr the first time ape reads ape-vyper's settings (most
# commands that reach a chain). It is about ape-vyper's code, not ours or the
# user's, so every process that imports credstack (`ape run` scripts, tests,
# the bench) drops it, with or without make. This runs before the warning can
# fire: ape reads plugin settings lazily, after `ape run` imports the scripts.
warnings.filterwarnings("ignore", category=UserWarning, module=r"pydantic_settings\.sources\.")

from credstack.registry import STATUS_NAMES, Status  # noqa: E402

__all__ = ["STATUS_NAMES", "Status"]
__version__ = "0.1.0"
