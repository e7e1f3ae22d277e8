"""`autonomos serve`: the HTTP API (lookups, mapping, review, history, drift, health)."""

from __future__ import annotations

import typer

from autonomos_pipelines.api.server import plan_serve, prepare_registry, serve
from autonomos_pipelines.cli.common import friendly_errors
from autonomos_pipelines.core.settings import get_settings


@friendly_errors
def serve_api(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8000, "--port", help="TCP port"),
    workers: int = typer.Option(2, "--workers", "-w", help="Worker processes (about 1 per core)"),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request"),
) -> None:
    """Serve the HTTP API with uvicorn and N worker processes; docs at /docs. The registry
    is migrated once before the workers start. Stops gracefully on Ctrl-C or SIGTERM. Every
    worker reads the same environment (DATABASE_URL, REDIS_URL: with Redis an approval reaches
    every worker's cache at once, without it cached lookups live at most 1 s)."""
    plan = plan_serve(host, port, workers, access_log)
    prepare_registry(get_settings())
    typer.echo(plan.describe())
    serve(plan)
