"""`ape run pilot`: the main job (`make demo`); see credstack.pilot."""

from __future__ import annotations

from pathlib import Path

import click

from credstack.cli.common import console, credstack_command
from credstack.pilot import PilotConfig, run_pilot
from credstack.pilot.learning import PERKS_DROPOUT_FACTOR


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
@click.option(
    "--perks-effect",
    default=PERKS_DROPOUT_FACTOR,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="the experiment's assumption: a member's dropout chance is the others' times this",
)
def cli(
    learners: int, weeks: int, seed: int, catalog_path: Path, out: Path, perks_effect: float
) -> None:
    """Deploy, apply the catalog and run a cohort through the programme by time travel."""
    config = PilotConfig(
        learners=learners,
        weeks=weeks,
        seed=seed,
        out=out,
        catalog=catalog_path,
        perks_effect=perks_effect,
    )
    run_pilot(config, console())
