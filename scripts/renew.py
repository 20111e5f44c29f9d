"""`ape run renew`: see credstack.cli.lifecycle."""

from credstack.cli.lifecycle import make_command

cli = make_command("renew")
