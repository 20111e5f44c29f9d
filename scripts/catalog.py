"""`ape run catalog`: see credstack.cli.catalog."""

from credstack.cli.catalog import cli

__all__ = ["cli"]
