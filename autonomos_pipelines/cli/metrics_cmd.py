"""`autonomos metrics serve`: the Prometheus scrape endpoint of this machine."""

from __future__ import annotations

import signal

import typer

from autonomos_pipelines.cli.common import friendly_errors
from autonomos_pipelines.cli.numbers import within
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.limits import MAX_PORT
from autonomos_pipelines.core.settings import get_settings

app = typer.Typer(help="Prometheus metrics: counts of every process of this machine.")


@app.command("serve")
@friendly_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (loopback only by default)"),
    port: int = typer.Option(9464, help="TCP port (0: any free port, printed)"),
    registry_gauges: bool = typer.Option(
        False, help="Also serve the registry's gauges (one target in all: see the docstring)"
    ),
) -> None:
    """Serve GET /metrics until interrupted, without authentication (bind it where only
    Prometheus reaches it): the counts every process of this machine wrote to
    AUTONOMOS_METRICS_DIR (Dagster runs and steps, API workers, CLI commands); run one per
    machine. The registry's gauges (breakers, drift, review queue, quotas) are facts of
    the whole cluster, served by exactly one target: the API's /metrics, or
    `--registry-gauges` on one machine where the API is not scraped (each reader
    time-boxed to 2 s). Counts of processes that have ended are folded first."""
    from autonomos_pipelines.api.common.scrape import build_scrape
    from autonomos_pipelines.core.metrics.exposition import prepare
    from autonomos_pipelines.core.metrics.server import metrics_server

    within("--port", port, 0, MAX_PORT)
    settings = get_settings()
    folded = prepare(settings.metrics_path)
    try:
        scrape = build_scrape(settings, counts=True, registry_gauges=registry_gauges)
        server = metrics_server(scrape, host, port)
    except OSError as error:
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    bound_host, bound_port = str(server.server_address[0]), server.server_address[1]
    typer.echo(
        f"metrics on http://{bound_host}:{bound_port}/metrics from {settings.metrics_path}"
        + (f" ({folded} ended processes' counts folded)" if folded else "")
    )
    stop_on_signals()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


def stop_on_signals() -> None:
    """SIGINT and SIGTERM stop the server, even when a parent left them ignored (an ignored
    disposition is inherited across exec: seen under CI, the server then outlived its test)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, interrupt)
