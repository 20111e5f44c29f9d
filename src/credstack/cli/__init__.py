"""Click commands behind the ``ape run`` scripts. Each script in scripts/ only
imports its ``cli`` from here, so tests can drive the very same commands."""
