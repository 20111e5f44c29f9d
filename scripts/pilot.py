"""`ape run pilot`: see credstack.cli.pilot."""

from credstack.cli.pilot import cli

__all__ = ["cli"]
