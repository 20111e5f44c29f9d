"""`ape run export`: see credstack.cli.export."""

from credstack.cli.export import cli

__all__ = ["cli"]
