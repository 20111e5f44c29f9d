"""credstack: tokenized microcredentials on EVM chains.

The contracts live in ``contracts/``; this package holds all logic that the
``ape run`` scripts and the tests share.
"""

from credstack.registry import STATUS_NAMES, Status

__all__ = ["STATUS_NAMES", "Status"]
__version__ = "0.1.0"
