"""`autonomos worker`: run a run's steps on this machine (production mode)."""

from __future__ import annotations

import typer

from autonomos_pipelines.asset_graph.queues import QUEUES
from autonomos_pipelines.cli.common import friendly_errors
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.operations.instance import ensure_dagster_home
from autonomos_pipelines.operations.workers import describe, exec_worker, plan_worker


@friendly_errors
def worker(
    queue: str = typer.Option(
        ",".join(QUEUES), "--queue", "-q", help=f"Queues to serve, of {', '.join(QUEUES)}"
    ),
    concurrency: int = typer.Option(2, "--concurrency", "-c", help="Steps executed at a time"),
    name: str = typer.Option("", "--name", help="Worker name (default autonomos-<pid>@<host>)"),
) -> None:
    """Start a Celery worker executing the steps of runs (AUTONOMOS_EXECUTOR=celery). Needs
    REDIS_URL (broker), WAREHOUSE_URL (a PostgreSQL warehouse), DATABASE_URL and the Dagster
    instance's PostgreSQL; start one or more on any machine with the package installed.
    Ingest steps go to queue `ingest`, field mapping to `mapping`, canonical builds to
    `dagster`."""
    settings = get_settings()
    plan = plan_worker(settings, queue, concurrency, name or None)
    ensure_dagster_home(settings)  # the instance's DAGSTER_HOME and DAGSTER_PG_URL, exported
    typer.echo(describe(plan, settings))
    exec_worker(plan)
