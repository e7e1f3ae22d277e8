"""The one place the observe job's executor is chosen."""

from __future__ import annotations

from dagster import ExecutorDefinition, in_process_executor

from autonomos_pipelines.asset_graph.execution import choose_executor
from autonomos_pipelines.core.settings import get_settings


def observe_executor() -> ExecutorDefinition:
    """Embedded mode: a run's batches are sampled one after another in its run worker, since a
    step of the multiprocess executor pays a process start and our imports (seconds of CPU, see
    bench/results.md) for well under a second of sampling per connector; concurrency comes
    from several observe runs at once. With AUTONOMOS_EXECUTOR=celery, the deployment's
    celery executor: each batch is a task on the ingest queue any worker can take."""
    settings = get_settings()
    return choose_executor(settings) if settings.executor == "celery" else in_process_executor
