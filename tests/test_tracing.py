"""Traces: off at no cost without an endpoint, OTLP over HTTP with one, and one tenant run as
one connected trace (in-memory exporter) with no secret in any attribute."""

from __future__ import annotations

import gzip
import threading
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
