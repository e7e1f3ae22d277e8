"""Traces: off at no cost without an endpoint, OTLP over HTTP with one, and one tenant run as
one connected trace (in-memory exporter) with no secret in any attribute."""

from __future__ import annotations

import gzip
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.core import tracing
from autonomos_pipelines.core.tracing_ids import run_root_span_id, run_trace_id
from autonomos_pipelines.core.tracing_instrument import without_query

OTEL_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


@pytest.fixture
def no_tracing(monkeypatch) -> Iterator[None]:
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    tracing.uninstall()
    yield
    tracing.uninstall()


def test_without_an_endpoint_nothing_is_installed(no_tracing):
    assert tracing.active_tracer() is None
    assert tracing.provider() is None
    assert not RequestsInstrumentor().is_instrumented_by_opentelemetry
    with tracing.span("anything", tenant="acme") as current:
        assert not current.get_span_context().is_valid  # the API's no-op span


class Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_spans_reach_an_otlp_collector_over_http(no_tracing, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv(
            "OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}"
        )
        with tracing.span("mapping.pass", tenant="acme"):
            pass
        tracing.flush()
    finally:
        server.shutdown()
    path, content_type, body = Collector.received[-1]
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    request = ExportTraceServiceRequest.FromString(body)
    resource = request.resource_spans[0].resource
    assert {"service.name": "autonomos-pipelines"}.items() <= {
        a.key: a.value.string_value for a in resource.attributes
    }.items()
    names = [s.name for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
    assert names == ["mapping.pass"]


def test_http_urls_lose_query_and_credentials():
    shown = without_query("https://u:pw@api.example.com:8443/v1/deals?api_token=sec#x")
    assert shown == "https://api.example.com:8443/v1/deals"


@pytest.fixture
def memory_spans(no_tracing) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.install(SimpleSpanProcessor(exporter))
    yield exporter


@pytest.mark.e2e
@pytest.mark.postgres
def test_one_tenant_run_is_one_connected_trace_without_secrets(env, memory_spans):
    from dagster import instance_for_test

    from autonomos_pipelines.dcl.registry.bootstrap import open_registry
    from autonomos_pipelines.operations.onboarding import onboard_tenant
    from autonomos_pipelines.operations.runs import run_tenant
    from autonomos_pipelines.sandbox.definitions import sandbox_definitions

    connectors = ["stripe", "pipedrive"]
    with instance_for_test() as instance:
        onboard_tenant("acme", connectors, {}, open_registry(env), instance, "test")
        memory_spans.clear()  # onboarding is not the run
        summary = run_tenant(sandbox_definitions(), "acme", connectors, instance, env)
    assert summary.success
    spans = memory_spans.get_finished_spans()
    by_id = {span.context.span_id: span for span in spans}
    roots = [span for span in spans if span.parent is None]
    assert [root.name for root in roots] == ["tenant run"], [
        (r.name, (r.attributes or {}).get("http.url")) for r in roots
    ]
    assert {span.context.trace_id for span in spans} == {roots[0].context.trace_id}
    assert all(span.parent.span_id in by_id for span in spans if span.parent)
    print(span_tree(spans))  # the README's example (pytest -s)
    names = {span.name for span in spans}
    assert {"run", "step raw_stripe", "step raw_pipedrive", "connector.load", "GET"} <= names
    assert {"mapping.pass", "tenant run"} <= names
    assert any(name.startswith(("SELECT", "INSERT")) for name in names)  # registry SQL
    loads = [s for s in spans if s.name == "connector.load"]
    assert {s.attributes["connector"] for s in loads} == set(connectors)
    assert all(by_id[s.parent.span_id].name.startswith("step raw_") for s in loads)
    pages = [s for s in spans if s.name == "GET"]
    assert all({"connector.load", "drift.observe"} & set(ancestors(s, by_id)) for s in pages)
    passes = [s for s in spans if s.name == "mapping.pass"]
    assert [ancestors(s, by_id)[0].startswith("step ") for s in passes] == [True]
    assert sum(v for k, v in passes[0].attributes.items() if k.startswith("status.")) > 0
    secrets = [
        value
        for spec in default_specs().values()
        if spec.name in connectors and spec.sandbox is not None
        for value in dict(spec.sandbox.credentials).values()
    ]
    assert secrets
    shown = " ".join(f"{k}={v}" for span in spans for k, v in (span.attributes or {}).items())
    assert all(secret not in shown for secret in secrets)
    assert any("/pipedrive/v1/" in value for value in shown.split())  # pages were recorded


def ancestors(span, by_id) -> list[str]:
    names = []
    while span.parent is not None:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


def span_tree(spans) -> str:
    children: dict = {}
    for span in sorted(spans, key=lambda s: s.start_time):
        children.setdefault(span.parent.span_id if span.parent else None, []).append(span)
    lines: list[str] = []

    def walk(parent, depth: int) -> None:
        for span in children.get(parent, []):
            ms = (span.end_time - span.start_time) / 1e6
            lines.append(f"{'  ' * depth}{span.name}  {ms:.0f} ms  {dict(span.attributes or {})}")
            walk(span.context.span_id, depth + 1)

    walk(None, 0)
    return "\n".join(lines)


def test_run_ids_give_one_trace_id_and_one_root_in_every_process():
    run_id = "6f1c2b9e-3a4d-4e5f-8a7b-9c0d1e2f3a4b"
    assert run_trace_id(run_id) == int(run_id.replace("-", ""), 16)
    assert (
        run_root_span_id(run_id) == run_root_span_id(run_id) != run_root_span_id(run_id[:-1] + "c")
    )


def test_log_lines_carry_the_current_trace_and_span_ids(memory_spans):
    import io
    import logging

    from autonomos_pipelines.core.tracing_logs import TRACE_FORMAT, TraceIds

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(TRACE_FORMAT))
    handler.addFilter(TraceIds())
    logger = logging.Logger("trace-ids-test")
    logger.addHandler(handler)
    with tracing.span("step raw_stripe") as current:
        logger.warning("inside")
    logger.warning("outside")
    context = current.get_span_context()
    inside, outside = stream.getvalue().splitlines()
    assert inside.endswith(
        f"inside trace_id={context.trace_id:032x} span_id={context.span_id:016x}"
    )
    assert outside.endswith("outside")


FAKE_SECRET = f"canary{uuid.uuid4().hex}"  # made up per run; stands for an API key


def test_failed_spans_keep_the_exception_type_and_none_of_its_text(memory_spans):
    import socket

    import requests

    from autonomos_pipelines.core.tracing_runs import run_span, step_span

    @tracing.traced("registry.lookup")
    def lookup() -> None:
        raise requests.exceptions.InvalidHeader(f"Invalid header: 'Bearer {FAKE_SECRET}'")

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens: the request fails naming its URL, query and all
    run_id = "6f1c2b9e-3a4d-4e5f-8a7b-9c0d1e2f3a4b"
    with pytest.raises(requests.ConnectionError), run_span(run_id, "run"):
        with step_span(run_id, None, "step raw_stripe"), tracing.span("connector.load"):
            with pytest.raises(requests.exceptions.InvalidHeader):
                lookup()
            requests.get(f"http://127.0.0.1:{port}/v1/deals?api_token={FAKE_SECRET}", timeout=5)
    spans = memory_spans.get_finished_spans()
    assert {s.name for s in spans} == {
        "registry.lookup",
        "GET",
        "connector.load",
        "step raw_stripe",
        "run",
    }
    recorded = [
        *(f"{k}={v}" for s in spans for k, v in (s.attributes or {}).items()),
        *(f"{k}={v}" for s in spans for e in s.events for k, v in (e.attributes or {}).items()),
        *(s.status.description or "" for s in spans),
    ]
    assert all(FAKE_SECRET not in text for text in recorded)
    assert not any(FAKE_SECRET[:12] in text for text in recorded)
    statuses = {s.name: s.status.description for s in spans}
    assert statuses["registry.lookup"] == "InvalidHeader"
    assert statuses["connector.load"] == statuses["run"] == "ConnectionError"
    assert all(s.status.status_code.name == "ERROR" for s in spans)


def test_a_failing_step_span_shows_the_message_its_code_redacted(memory_spans):
    from autonomos_pipelines.core.tracing_errors import fail_current

    with pytest.raises(RuntimeError), tracing.span("step raw_stripe"):
        fail_current("stripe: invalid API key ***")
        raise RuntimeError(FAKE_SECRET)
    [step] = memory_spans.get_finished_spans()
    assert step.status.description == "stripe: invalid API key ***"


def test_a_runs_traceparent_is_not_taken_by_its_re_executions(memory_spans):
    from autonomos_pipelines.core.tracing_ids import TRACEPARENT_TAG
    from autonomos_pipelines.core.tracing_runs import run_traceparent, traceparent_tags

    with tracing.span("tenant run") as current:
        tags = traceparent_tags("run-1")
    written = tags[TRACEPARENT_TAG]
    assert written.split("-")[2] == f"{current.get_span_context().span_id:016x}"
    assert run_traceparent("run-1", tags) == written
    copied = {**tags, "dagster/parent_run_id": "run-1"}  # what a re-execution is tagged with
    assert run_traceparent("run-2", copied) is None
    assert run_traceparent("run-1", {TRACEPARENT_TAG: written}) is None  # names no run


def test_first_spans_of_many_threads_install_one_tracer(no_tracing, monkeypatch):
    import time

    exporter = InMemorySpanExporter()
    installs = []

    def processor() -> SimpleSpanProcessor:
        installs.append(threading.get_ident())
        time.sleep(0.05)  # a slow install: threads arriving meanwhile must wait for it
        return SimpleSpanProcessor(exporter)

    monkeypatch.setattr(tracing, "otlp_endpoint_configured", lambda: True)
    monkeypatch.setattr(tracing, "_otlp_processor", processor)
    start = threading.Barrier(12)

    def first_span() -> None:
        start.wait()
        with tracing.span("sensor tick"):
            pass

    threads = [threading.Thread(target=first_span) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(installs) == 1
    assert len(exporter.get_finished_spans()) == 12


def test_client_spans_without_a_parent_are_dropped(memory_spans):
    from opentelemetry.sdk.trace import sampling
    from opentelemetry.trace import SpanKind
    from sqlalchemy import create_engine, text

    from autonomos_pipelines.core.tracing_ids import parent_context, run_root
    from autonomos_pipelines.core.tracing_instrument import instrument_engine
    from autonomos_pipelines.core.tracing_sampler import OursOnly

    sampler = OursOnly(sampling.ALWAYS_ON)
    under_a_step = parent_context(run_root("run-1"))
    decisions = {
        "stray SQL": sampler.should_sample(None, 7, "SELECT", SpanKind.CLIENT),
        "SQL in a step": sampler.should_sample(under_a_step, 7, "SELECT", SpanKind.CLIENT),
        "our root": sampler.should_sample(None, 7, "tenant run", SpanKind.INTERNAL),
    }
    assert {k: v.decision.is_sampled() for k, v in decisions.items()} == {
        "stray SQL": False,
        "SQL in a step": True,
        "our root": True,
    }
    engine = create_engine("sqlite://")  # SQLAlchemy's spans know db.system only once started
    instrument_engine(engine)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # a scrape's query: no trace of its own
        with tracing.span("mapping.pass"):
            connection.execute(text("SELECT 2"))
    spans = memory_spans.get_finished_spans()
    assert [s.parent is None for s in spans] == [False, True]
    assert spans[0].attributes["db.system"] == "sqlite"


def test_a_step_waits_a_bounded_time_for_an_unreachable_collector(no_tracing, monkeypatch):
    import time

    from opentelemetry.sdk.trace import SpanProcessor

    released = threading.Event()

    class Unreachable(SpanProcessor):  # as the SDK's batch flush does: the timeout is ignored
        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return released.wait(30)

    tracing.install(Unreachable())
    monkeypatch.setattr(tracing, "FLUSH_TIMEOUT_MS", 100)
    started = time.monotonic()
    tracing.flush()
    waited = time.monotonic() - started
    released.set()
    assert 0.1 <= waited < 2
