"""Spans from libraries: one per HTTP request (requests) and per registry query (SQLAlchemy).

HTTP spans carry the URL without its query string or credentials (API keys travel in queries,
e.g. Pipedrive's ``api_token``); request headers are never recorded unless the operator opts
in through the instrumentation's own OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_* variables.
"""

from __future__ import annotations

import weakref
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from opentelemetry.sdk.trace import TracerProvider

URL_ATTRIBUTES = ("http.url", "url.full")
_engines: weakref.WeakSet[Any] = weakref.WeakSet()  # engines already traced


def without_query(url: str) -> str:
    """scheme://host[:port]/path: no user, password, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _redact_request(span: Any, request: Any) -> None:
    if not span.is_recording():
        return
    shown = without_query(str(getattr(request, "url", "")))
    for key in URL_ATTRIBUTES:
        if key in (getattr(span, "attributes", None) or {}):
            span.set_attribute(key, shown)


def instrument_requests(provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    instrumentor = RequestsInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
    instrumentor.instrument(tracer_provider=provider, request_hook=_redact_request)


def uninstrument_requests() -> None:
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    instrumentor = RequestsInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()


def instrument_engine(engine: Any) -> None:
    """A span per statement on ``engine`` (its SQL text, never its bound values)."""
    from autonomos_pipelines.core.tracing import active_tracer

    tracer = active_tracer()
    if tracer is None or engine in _engines:
        return
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpUpDownCounter

    EngineTracer(tracer, engine, NoOpUpDownCounter("db.client.connections.usage"))
    _engines.add(engine)
