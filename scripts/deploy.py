"""`ape run deploy`: see credstack.cli.deploy."""

from credstack.cli.deploy import cli

__all__ = ["cli"]
