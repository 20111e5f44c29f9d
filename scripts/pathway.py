"""`ape run pathway`: see credstack.cli.pathway."""

from credstack.cli.pathway import cli

__all__ = ["cli"]
