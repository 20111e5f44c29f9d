"""`ape run suspend`: see credstack.cli.lifecycle."""

from credstack.cli.lifecycle import make_command

cli = make_command("suspend")
