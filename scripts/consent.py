"""`ape run consent`: see credstack.cli.consent."""

from credstack.cli.consent import cli

__all__ = ["cli"]
