"""`ape run analytics`: see credstack.cli.analytics."""

from credstack.cli.analytics import cli

__all__ = ["cli"]
