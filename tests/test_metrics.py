"""Prometheus metrics: counts made in one process read by `autonomos metrics serve` in
another (multiprocess files), ended processes' counts folded without loss, the registry's
gauges (review queue, breakers, drift, quotas) and the API's /metrics."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from autonomos_pipelines.aam.http.http_client import (
    RequestStats,
    RetryPolicy,
    Throttle,
    guarded_session,
)
from autonomos_pipelines.aam.http.rate_limit import limiter_for
from autonomos_pipelines.core.metrics import multiprocess
from autonomos_pipelines.core.metrics.definitions import RECORDS_LOADED
from tests.api_fixtures import *  # noqa: F403
from tests.api_seed import seed

ROOT = Path(__file__).resolve().parents[1]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def flaky_source() -> Iterator[str]:
    """Answers 429 (Retry-After 0), then 503, then 200, on every path."""
    statuses = iter([429, 503])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            status = next(statuses, 200)
            self.send_response(status)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/things"
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scrape(url: str, deadline: float = 30.0) -> str:
    started = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() - started > deadline:
                raise
            time.sleep(0.1)


def test_http_counts_reach_a_scrape_served_by_another_process(flaky_source, tmp_path):
    directory = multiprocess.active_directory()
    assert directory is not None  # the test session counts in its own folder (conftest)
    stats = RequestStats(connector="metrics_probe")
    session = guarded_session(
        Throttle(limiter_for(None), "autonomos:t:metrics_probe"),
        RetryPolicy(base_delay=0.01),
        stats,
    )
    assert session.get(flaky_source).status_code == 200
    RECORDS_LOADED.labels("acme", "metrics_probe", "things").inc(42)
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AUTONOMOS_HOME": str(tmp_path),
        "AUTONOMOS_METRICS_DIR": str(directory),
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",  # down: gauges report up 0
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "autonomos_pipelines.cli", "metrics", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        scrape(f"http://127.0.0.1:{port}/metrics")  # waits for the command to start
        started = time.monotonic()
        found = samples(scrape(f"http://127.0.0.1:{port}/metrics"))
        took = time.monotonic() - started
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode()
    assert f"metrics on http://127.0.0.1:{port}/metrics from {directory}" in output
    requests_total = "autonomos_http_requests_total"
    assert value(found, requests_total, connector="metrics_probe", code_class="429") == 1
    assert value(found, requests_total, connector="metrics_probe", code_class="5xx") == 1
    assert value(found, requests_total, connector="metrics_probe", code_class="2xx") == 1
    assert value(found, "autonomos_http_retries_total", connector="metrics_probe") == 2
    records = value(
        found, "autonomos_records_loaded_total", tenant="acme", connector="metrics_probe",
        table="things",
    )  # fmt: skip
    assert records == 42
    for reader in ("breakers", "drift", "review_queue", "quotas"):  # registry down: reported
        assert value(found, "autonomos_collector_up", collector=reader) == 0
    assert took < 5  # a registry that is down does not hang the scrape (time box: 2 s)


def test_ended_processes_counts_are_folded_into_one_archive(tmp_path):
    child = (
        "import sys; from pathlib import Path; from autonomos_pipelines.core.metrics import "
        "multiprocess; multiprocess.enable(Path(sys.argv[1])); from autonomos_pipelines.core."
        "metrics.definitions import HTTP_RETRIES; HTTP_RETRIES.labels('fold').inc(int(sys.argv[2]))"
    )
    for amount in (3, 4):  # two processes that count, then end
        subprocess.run(
            [sys.executable, "-c", child, str(tmp_path), str(amount)],
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    from autonomos_pipelines.core.metrics.exposition import render, scrape_registry

    before = samples(render(scrape_registry(tmp_path)).decode())
    assert multiprocess.compact(tmp_path) == 2
    assert [p.name for p in tmp_path.glob("counter_*.db")] == ["counter_archive.db"]
    after = samples(render(scrape_registry(tmp_path)).decode())
    assert value(before, "autonomos_http_retries_total", connector="fold") == 7
    assert value(after, "autonomos_http_retries_total", connector="fold") == 7


def test_api_metrics_show_the_registry_gauges_and_route_templates(api):
    seed(api)
    client = api.client
    field = {"connector": "hubspot", "table": "t", "field": "f"}
    lookup = client.get("/v1/tenants/acme/lookup", headers=api.headers("admin"), params=field)
    assert lookup.status_code == 404
    refused = client.get("/metrics", headers=api.headers("viewer"))
    assert refused.status_code == 403  # a tenant's token never sees every tenant's series
    assert client.get("/metrics").status_code == 401
    answer = client.get("/metrics", headers=api.headers("admin"))
    assert answer.status_code == 200
    found = samples(answer.text)
    for reader in ("breakers", "drift", "review_queue", "quotas"):
        assert value(found, "autonomos_collector_up", collector=reader) == 1
    assert value(found, "autonomos_review_queue_depth", tenant="acme") == 1
    assert value(found, "autonomos_review_queue_depth", tenant="_global") == 1
    assert value(found, "autonomos_connector_breaker_open", tenant="acme", connector="stripe") == 1
    assert value(found, "autonomos_connector_breaker_open", tenant="acme", connector="hubspot") == 0
    assert value(found, "autonomos_drift_unrepaired", tenant="globex", connector="hubspot") == 1
    assert value(found, "autonomos_quota_used", tenant="acme", quota="max_active_connectors") == 2
    assert value(found, "autonomos_quota_limit", tenant="acme", quota="llm_calls_per_month") == 500
    route = "/v1/tenants/{tenant}/lookup"
    assert value(found, "autonomos_api_requests_total", route=route, method="GET", code_class="4xx")
    assert value(found, "autonomos_api_lookup_seconds_count", route=route)
    assert "acme_mail" not in answer.text  # field names are never labels
