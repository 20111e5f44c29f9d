"""`ape run pilot`: the main job (`make demo`); see credstack.pilot."""

from __future__ import annotations

from pathlib import Path

import click

from credstack.cli.common import console, credstack_command
from credstack.pilot import PilotConfig, run_pilot


@credstack_command()
@click.option("--learners", default=200, show_default=True, type=click.IntRange(1, 5_000))
@click.option("--weeks", default=26, show_default=True, type=click.IntRange(2, 104))
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option(
    "--catalog",
    "catalog_path",
    default="examples/catalog.yaml",
    show_default=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--out",
    default="out/pilot",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
)
def cli(learners: int, weeks: int, seed: int, catalog_path: Path, out: Path) -> None:
    """Deploy, apply the catalog and run a cohort through the programme by time travel."""
    config = PilotConfig(learners=learners, weeks=weeks, seed=seed, out=out, catalog=catalog_path)
    run_pilot(config, console())
