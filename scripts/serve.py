"""`ape run serve`: see credstack.cli.serve."""

from credstack.cli.serve import cli

__all__ = ["cli"]
