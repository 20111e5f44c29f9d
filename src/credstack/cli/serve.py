"""`ape run serve`: the verification web app (credstack.web) over the
connected chain's deployment, with uvicorn. Read-only: no account is asked
for, nothing is signed or sent."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import click

from credstack.cli.common import credstack_command, pass_context
from credstack.config import out_dir
from credstack.context import Context


def quiet_stop_server() -> type:
    """uvicorn's Server, except that after a graceful stop on Ctrl-C or
    SIGTERM it does not raise the signal again (which would end the command
    through ape's handler, exit 130, before it says it stopped)."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                try:
                    yield
                finally:
                    self._captured_signals.clear()

    return Server


def default_export_dir(chain_id: int) -> Path:
    """Where `ape run export` writes by default: out/openbadges/<chain id>."""
    return out_dir() / "openbadges" / str(chain_id)


@credstack_command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option(
    "--port", type=click.IntRange(0, 65_535), default=8000, show_default=True, help="TCP port"
)
@click.option(
    "--export-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="the Open Badges export to serve under /ob/ (default out/openbadges/<chain id>)",
)
@click.option(
    "--index",
    "index_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the analytics index, for a credential's history (default: the deployment's, if any)",
)
@click.option(
    "--metadata",
    "metadata_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="class documents, found by content address (default out/metadata)",
)
@click.option(
    "--cache-seconds",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="how long a chain read is reused (how stale a page may be); 0: never",
)
@pass_context
def cli(
    ctx: Context,
    host: str,
    port: int,
    export_dir: Path | None,
    index_path: Path | None,
    metadata_dir: Path | None,
    cache_seconds: float,
) -> None:
    """Serve the verification web app over this chain's deployment."""
    import uvicorn
    from ape import chain

    from credstack.index.store import default_path
    from credstack.web.app import create_app

    deployment = ctx.deployment
    if index_path is None and default_path(deployment).is_file():
        index_path = default_path(deployment)
    app = create_app(
        registry=ctx.registry,
        memberships=ctx.memberships if deployment.membership else None,
        pathways=ctx.pathways if deployment.pathways else None,
        employers=ctx.employers if deployment.employers else None,
        export_dir=export_dir or default_export_dir(deployment.chain_id),
        index_path=index_path,
        chain_id=deployment.chain_id,
        metadata_dir=metadata_dir,
        cache_seconds=cache_seconds,
        # ape's embedded chain is not thread-safe; a node over RPC is.
        serialize_reads=chain.provider.name == "test",
    )
    click.echo(f"serving registry {deployment.registry} (chain {deployment.chain_id})")
    click.echo(f"open http://{host}:{port}/  (read-only; Ctrl-C stops it)")
    server = quiet_stop_server()(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    server.run()
    click.echo("stopped")
