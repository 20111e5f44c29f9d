"""`ape run membership`: see credstack.cli.membership."""

from credstack.cli.membership import cli

__all__ = ["cli"]
