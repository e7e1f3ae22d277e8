"""Where the steps of a run execute: the executor of the Definitions, chosen by
AUTONOMOS_EXECUTOR.

``local`` (default): one process per run with DuckDB (one writer per file), a process per step
with a PostgreSQL warehouse. ``celery``: dagster-celery, steps handed through Redis to
`autonomos worker` processes on any machine; it needs REDIS_URL and a PostgreSQL warehouse.
"""

from __future__ import annotations

from typing import Any

from dagster import ExecutorDefinition, in_process_executor, multiprocess_executor
from dagster_celery import celery_executor
from dagster_celery.defaults import broker_transport_options

from autonomos_pipelines.asset_graph.queues import DEFAULT_QUEUE
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.settings import Settings

RESTORE_SWEEPS_PER_TIMEOUT = 4  # a lost step waits at most 1.25 visibility timeouts


def choose_executor(settings: Settings) -> ExecutorDefinition:
    if settings.executor == "celery":
        refuse_celery_without_services(settings)
        return celery_executor.configured(
            {
                # resolved when a run starts, on the machine that orchestrates it
                "broker": {"env": "REDIS_URL"},
                "backend": {"env": "REDIS_URL"},
                "config_source": celery_config(settings),
            },
            name="celery",
        )
    # DuckDB allows one writer per file: steps of a tenant's run must not run in parallel.
    return multiprocess_executor if settings.warehouse_url else in_process_executor


def refuse_celery_without_services(settings: Settings) -> None:
    """One line naming the missing variable: a worker on another machine can reach neither a
    DuckDB file (and it allows one writer) nor an in-process broker."""
    if not settings.warehouse_url:
        raise ConfigError(
            "AUTONOMOS_EXECUTOR=celery needs WAREHOUSE_URL (a postgresql:// warehouse): "
            "a DuckDB file allows one writer and is not reachable from other workers"
        )
    if not settings.redis_url:
        raise ConfigError(
            "AUTONOMOS_EXECUTOR=celery needs REDIS_URL (the Celery broker and result backend)"
        )


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery settings shared by the orchestrating run and every worker. A step is
    acknowledged when it ends, not when it starts: if its worker process dies, Celery hands it
    to another worker at once (pool process killed) or after the visibility timeout (whole
    worker or machine lost), so the timeout must exceed the longest step."""
    timeout = settings.celery_visibility_timeout
    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,  # a step waits in Redis, not behind a busy worker
        "task_default_queue": DEFAULT_QUEUE,
        "broker_transport_options": {
            **broker_transport_options,
            "visibility_timeout": timeout,
            "unacked_restore_interval": max(1, timeout // RESTORE_SWEEPS_PER_TIMEOUT),
            "unacked_restore_throttle": 1,
        },
        "result_backend_transport_options": {"visibility_timeout": timeout},
    }
