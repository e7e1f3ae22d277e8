"""Prometheus metrics: counts made in one process read by `autonomos metrics serve` in
another (multiprocess files), ended processes' counts folded without loss and never under a
scrape, the registry's gauges (review queue, breakers, drift, quotas) served by the API's
/metrics alone (counts by `metrics serve`), and only of enabled connectors."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.parser import text_string_to_metric_families

from autonomos_pipelines.aam.http.http_client import (
    RequestStats,
    RetryPolicy,
    Throttle,
    guarded_session,
)
from autonomos_pipelines.aam.http.rate_limit import limiter_for
from autonomos_pipelines.api.common.scrape import build_scrape
from autonomos_pipelines.core.database import admin_session
from autonomos_pipelines.core.metrics import multiprocess
from autonomos_pipelines.core.metrics.definitions import RECORDS_LOADED
from autonomos_pipelines.core.metrics.exposition import render, scrape_registry
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.usage import UsageMeter
from autonomos_pipelines.dcl.llm.ledger import PgUsageLedger
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


def scrape(url: str, deadline: float = 120.0) -> str:
    # the deadline covers the CLI's start (Dagster imports: ~5 s idle, 30 s+ on a busy machine)
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
        [
            sys.executable,
            "-m",
            "autonomos_pipelines.cli",
            "metrics",
            "serve",
            "--port",
            str(port),
            "--registry-gauges",
        ],  # fmt: skip
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # started with SIGTERM ignored, as a CI harness once left it: it must still stop
        preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN),
    )
    try:
        scrape(f"http://127.0.0.1:{port}/metrics")  # waits for the command to start
        started = time.monotonic()
        found = samples(scrape(f"http://127.0.0.1:{port}/metrics"))
        took = time.monotonic() - started
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0].decode()  # a busy machine is slow to exit too
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
    assert "acme_mail" not in answer.text  # field names are never labels
    # the machine's counts are `metrics serve`'s alone: served here too, they would be twice
    assert not any(name.startswith("autonomos_api_") for name, _labels in found)
    machine = dataclasses.replace(api.settings, metrics_dir=multiprocess.active_directory())
    counts = samples(render(build_scrape(machine, counts=True, registry_gauges=False)).decode())
    route = "/v1/tenants/{tenant}/lookup"
    assert value(
        counts, "autonomos_api_requests_total", route=route, method="GET", code_class="4xx"
    )
    assert value(counts, "autonomos_api_lookup_seconds_count", route=route)
    assert not any(name == "autonomos_collector_up" for name, _labels in counts)


def test_registry_gauges_count_enabled_connectors_and_the_llm_ledger(api):
    seed(api)  # globex: a proposal on hubspot, stripe's breaker open
    engine = api.client.app.state.services.engine
    with admin_session(engine) as db:
        db.execute(
            sa.text("UPDATE tenant_connectors SET status = 'disabled' WHERE tenant_id = 'globex'")
        )
    ledger = PgUsageLedger(engine, monthly_quota=10)
    for _ in range(3):
        assert ledger.reserve("acme")
    UsageMeter(engine).add(
        TenantId("acme"), {"llm_calls": 50}
    )  # the asset's count, not the quota's
    found = samples(api.client.get("/metrics", headers=api.headers("admin")).text)
    quota = "autonomos_quota_used"
    assert value(found, quota, tenant="acme", quota="llm_calls_per_month") == 3
    assert value(found, quota, tenant="acme", quota="max_active_connectors") == 2
    assert value(found, quota, tenant="globex", quota="max_active_connectors") == 0
    assert value(found, "autonomos_review_queue_depth", tenant="globex") == 0
    assert value(found, "autonomos_review_queue_depth", tenant="acme") == 1
    open_breaker = "autonomos_connector_breaker_open"
    assert value(found, open_breaker, tenant="globex", connector="stripe") is None
    assert value(found, open_breaker, tenant="acme", connector="stripe") == 1


def ended_process_file(directory: Path, retries: float) -> Path:
    """A counter file of a process that has ended (as a Dagster step leaves behind)."""
    finished = subprocess.Popen(["true"])  # noqa: S607 - its pid is free once it has ended
    finished.wait()
    path = directory / f"counter_{finished.pid}.db"
    written = MmapedDict(str(path))
    name = "autonomos_http_retries"
    key = mmap_key(name, f"{name}_total", ["connector"], ["fold_lock"], "retries")
    written.write_value(key, retries, 0.0)
    written.close()
    return path


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    return thread, result


def retries_scraped(directory: Path) -> float | None:
    found = samples(render(scrape_registry(directory)).decode())
    return value(found, "autonomos_http_retries_total", connector="fold_lock")


def test_compaction_waits_for_a_scrape_and_a_scrape_for_compaction(tmp_path):
    ended = ended_process_file(tmp_path, 5)
    with multiprocess.folding_lock(tmp_path, exclusive=False):  # a scrape reading the files
        compaction, folded = in_thread(lambda: multiprocess.compact(tmp_path))
        compaction.join(0.3)
        assert compaction.is_alive() and ended.exists()  # nothing unlinked under the scrape
    compaction.join(10)
    assert folded == [1] and not ended.exists()
    ended_process_file(tmp_path, 2)
    with multiprocess.folding_lock(tmp_path, exclusive=True):  # a compaction under way
        scrape, scraped = in_thread(lambda: retries_scraped(tmp_path))
        scrape.join(0.3)
        assert scrape.is_alive()  # it waits to list and read the folder
    scrape.join(10)
    assert scraped == [7]  # the archive's 5 and the ended process's 2, each once
