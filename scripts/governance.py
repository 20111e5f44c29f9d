"""`ape run governance`: see credstack.cli.governance."""

from credstack.cli.governance import cli

__all__ = ["cli"]
