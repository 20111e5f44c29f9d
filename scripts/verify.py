"""`ape run verify`: see credstack.cli.verify."""

from credstack.cli.verify import cli

__all__ = ["cli"]
