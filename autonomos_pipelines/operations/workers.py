"""`autonomos worker`: a Celery worker executing the steps of runs (AUTONOMOS_EXECUTOR=celery)
on this machine, for the queues it is asked to serve."""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass

import redis

from autonomos_pipelines.asset_graph.execution import refuse_celery_without_services
from autonomos_pipelines.asset_graph.queues import QUEUES
from autonomos_pipelines.core.errors import ConfigError, ServiceUnavailable, redact_url
from autonomos_pipelines.core.settings import Settings, worker_environment

CELERY_APP = "autonomos_pipelines.operations.celery_app"
MAX_CONCURRENCY = 256


@dataclass(frozen=True)
class WorkerPlan:
    name: str  # the Celery node name, recorded in each step's `worker` metadata
    queues: tuple[str, ...]
    concurrency: int

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "celery", "-A", CELERY_APP, "worker",
            "--queues", ",".join(self.queues),
            "--concurrency", str(self.concurrency),
            "--hostname", self.name,
            "--prefetch-multiplier", "1",
            "--without-mingle", "--without-gossip",  # no chatter between workers
            "--loglevel", "INFO",
        ]  # fmt: skip


def plan_worker(settings: Settings, queues: str, concurrency: int, name: str | None) -> WorkerPlan:
    """Check everything a worker needs before it starts; one line naming what is wrong."""
    chosen = tuple(dict.fromkeys(q.strip() for q in queues.split(",") if q.strip()))
    unknown = [q for q in chosen if q not in QUEUES]
    if not chosen or unknown:
        raise ConfigError(
            f"--queue {queues!r}: unknown queue {', '.join(unknown) or '(none)'}; "
            f"expected a comma-separated list of {', '.join(QUEUES)}"
        )
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ConfigError(f"--concurrency {concurrency}: expected 1 to {MAX_CONCURRENCY}")
    refuse_celery_without_services(settings)
    check_broker(settings.redis_url or "")
    node = (name or f"autonomos-{os.getpid()}@%h").replace("%h", socket.gethostname())
    return WorkerPlan(node, chosen, concurrency)


def check_broker(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise ServiceUnavailable("REDIS_URL", url, f"cannot connect: {error}") from None


def describe(plan: WorkerPlan, settings: Settings) -> str:
    return (
        f"worker {plan.name}: queues {', '.join(plan.queues)}, {plan.concurrency} step(s) at "
        f"a time, broker {redact_url(settings.redis_url)}"
    )


def exec_worker(plan: WorkerPlan) -> None:
    """Become the Celery worker (same pid: a supervisor's signals reach Celery directly)."""
    command = plan.command()
    sys.stdout.flush()  # exec keeps no Python buffers: the line above must be out first
    os.execvpe(command[0], command, worker_environment(plan.name))
