"""Running the API: the registry made ready once, then uvicorn with N worker processes.

Each worker builds its own app (and its own pooled connections, cache and Redis subscription)
from the environment through `create_app`, uvicorn's factory. Migrations and the baseline are
applied in the parent first, so N workers starting together do not race for them."""

from __future__ import annotations

from dataclasses import dataclass

from autonomos_pipelines.core.database import dispose_engines
from autonomos_pipelines.core.errors import InputRefused
from autonomos_pipelines.core.metrics.exposition import prepare as prepare_metrics
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.registry.bootstrap import open_registry

APP_FACTORY = "autonomos_pipelines.api.app:create_app"
MAX_WORKERS = 64
GRACEFUL_SECONDS = 10  # SIGTERM: open requests get this long before connections are closed


@dataclass(frozen=True)
class ServePlan:
    host: str
    port: int
    workers: int
    access_log: bool = False

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def describe(self) -> str:
        plural = "process" if self.workers == 1 else "processes"
        return (
            f"autonomos API on {self.base_url} ({self.workers} worker {plural}); "
            f"docs at {self.base_url}/docs, OpenAPI at {self.base_url}/openapi.json; "
            "stop with Ctrl-C or SIGTERM"
        )


def plan_serve(host: str, port: int, workers: int, access_log: bool = False) -> ServePlan:
    """The checked plan; a bad value is refused naming the option."""
    if not 0 < port < 65536:
        raise InputRefused(f"--port {port}: use a TCP port from 1 to 65535")
    if not 1 <= workers <= MAX_WORKERS:
        raise InputRefused(f"--workers {workers}: use 1 to {MAX_WORKERS} worker processes")
    if not host.strip():
        raise InputRefused("--host is empty: name an address to listen on, e.g. 127.0.0.1")
    return ServePlan(host, port, workers, access_log)


def prepare_registry(settings: Settings) -> None:
    """Migrate the registry and load the baseline in this (the parent) process, then close
    its connections: the workers open their own."""
    open_registry(settings)
    dispose_engines()
    prepare_metrics(settings.metrics_path)  # fold ended processes' counts before workers start


def serve(plan: ServePlan) -> None:
    """Serve until SIGINT/SIGTERM: uvicorn stops accepting, finishes open requests (up to
    GRACEFUL_SECONDS), stops every worker and returns."""
    import uvicorn

    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=plan.host,
        port=plan.port,
        workers=plan.workers,
        access_log=plan.access_log,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
    )
