"""`ape run recover`: see credstack.cli.recover."""

from credstack.cli.recover import cli

__all__ = ["cli"]
