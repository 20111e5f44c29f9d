"""`ape run issue`: see credstack.cli.issue."""

from credstack.cli.issue import cli

__all__ = ["cli"]
