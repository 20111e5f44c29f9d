"""`ape run employer`: see credstack.cli.employer."""

from credstack.cli.employer import cli

__all__ = ["cli"]
