"""The one place the observe job's executor is chosen."""

from __future__ import annotations

from dagster import ExecutorDefinition, in_process_executor


def observe_executor() -> ExecutorDefinition:
    """Embedded mode: a run's batches are sampled one after another in its run worker, since a
    step of the multiprocess executor pays a process start and our imports (seconds of CPU, see
    bench/results.md) for well under a second of sampling per connector; concurrency comes
    from several observe runs at once. With Celery workers (REDIS_URL), the deployment's
    celery executor goes here and each batch becomes a task any worker can take."""
    return in_process_executor
