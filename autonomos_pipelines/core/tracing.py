"""The process's tracer: installed once, only when an OTLP endpoint is configured.

The SDK reads every OTEL_* variable itself (endpoint, headers, service name, sampler); we only
ask settings whether an endpoint is set, so that a process without one pays nothing. Our own
provider is kept here rather than only as the global one, which the API lets be set once per
process: tests install an in-memory exporter through :func:`install`. Without an endpoint
nothing is installed and every helper returns at once (bench/tracing_overhead.py).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

from autonomos_pipelines.core.settings import otlp_endpoint_configured
from autonomos_pipelines.core.tracing_errors import WithoutExceptionText, failed
from autonomos_pipelines.core.tracing_ids import RunIds
from autonomos_pipelines.core.tracing_sampler import OursOnly

SERVICE_NAME = "autonomos-pipelines"
SCOPE = "autonomos_pipelines"
FLUSH_TIMEOUT_MS = 1000  # the longest a step waits for its spans to leave (see flush)
_lock = threading.RLock()  # install() inside _configure_from_environment() takes it again
_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None
_decided = False  # whether this process looked at its settings yet


def active_tracer() -> trace.Tracer | None:
    """Our tracer when tracing is on, else None (decided once per process)."""
    if not _decided:
        with _lock:  # threads' first spans: one of them installs
            if not _decided:
                _configure_from_environment()
    return _tracer


def enabled() -> bool:
    return active_tracer() is not None


def provider() -> TracerProvider | None:
    active_tracer()
    return _provider


def install(processor: SpanProcessor, *, set_global: bool = False) -> TracerProvider:
    """Trace through ``processor`` from now on (replacing any earlier provider of ours)."""
    global _provider, _tracer, _decided
    from autonomos_pipelines.core.tracing_instrument import instrument_requests

    with _lock:
        resource = Resource.create({"service.name": SERVICE_NAME})  # OTEL_SERVICE_NAME wins
        _provider = TracerProvider(resource=resource, id_generator=RunIds(), sampler=OursOnly())
        _provider.add_span_processor(WithoutExceptionText(processor, SCOPE))
        _tracer = _provider.get_tracer(SCOPE)
        _decided = True
    instrument_requests(_provider)
    if set_global:  # third-party instrumentation that reads the global provider finds ours
        trace.set_tracer_provider(_provider)
    return _provider


def uninstall() -> None:
    """Back to no tracing (tests); the next :func:`active_tracer` decides again."""
    global _provider, _tracer, _decided
    from autonomos_pipelines.core.tracing_instrument import uninstrument_requests

    uninstrument_requests()
    with _lock:
        if _provider is not None:
            _provider.shutdown()
        _provider, _tracer, _decided = None, None, False


def flush() -> None:
    """Export what this process recorded, waiting FLUSH_TIMEOUT_MS at most. Each step
    flushes: a forked step process ends without atexit hooks. The SDK's batch flush ignores
    its timeout and blocks for the exporter's (10 s, each step, when the collector is
    unreachable), so it runs in a thread of its own; what it has not sent when a forked
    process ends is lost, as it would be anyway with such a collector."""
    if _provider is not None:
        exporting = threading.Thread(target=_provider.force_flush, name="span-flush", daemon=True)
        exporting.start()
        exporting.join(FLUSH_TIMEOUT_MS / 1000)


def _configure_from_environment() -> None:
    global _decided
    if otlp_endpoint_configured():
        install(_otlp_processor(), set_global=True)
    _decided = True


def _otlp_processor() -> SpanProcessor:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    return BatchSpanProcessor(OTLPSpanExporter())


def attributes_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values OpenTelemetry accepts: None dropped, anything but str/bool/int/float as text."""
    kept = {}
    for key, value in values.items():
        if value is not None:
            kept[key] = value if isinstance(value, str | bool | int | float) else str(value)
    return kept


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[trace.Span]:
    """A child span of whatever is current; the no-op span when tracing is off."""
    tracer = active_tracer()
    if tracer is None:
        yield trace.INVALID_SPAN
        return
    with safe_span(tracer, name, attributes) as current:
        yield current


@contextmanager
def safe_span(
    tracer: trace.Tracer, name: str, attributes: Mapping[str, Any], **options: Any
) -> Iterator[trace.Span]:
    """A current span that records a failure by the exception's type only: its message may
    hold a secret (see tracing_errors). ``options`` go to start_as_current_span."""
    with tracer.start_as_current_span(
        name,
        attributes=attributes_of(attributes),
        record_exception=False,
        set_status_on_exception=False,
        **options,
    ) as current:
        try:
            yield current
        except BaseException as error:
            failed(current, error)
            raise


def annotate(**attributes: Any) -> None:
    """Add attributes to the current span (nothing when tracing is off)."""
    if _tracer is not None:
        trace.get_current_span().set_attributes(attributes_of(attributes))


def traced(
    name: str,
    attributes: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
    result: Callable[[Any], Mapping[str, Any]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A span around each call: ``attributes(arguments by name)`` when it starts,
    ``result(value)`` when it returns, the exception's type when it raises; a ``tenant_id`` argument
    becomes ``tenant``. Tracing off: a plain call."""
    import functools
    import inspect

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            tracer = active_tracer()
            if tracer is None:
                return function(*args, **kwargs)
            given = signature.bind_partial(*args, **kwargs).arguments
            start = {"tenant": given.get("tenant_id"), **(attributes(given) if attributes else {})}
            with safe_span(tracer, name, start) as current:
                value = function(*args, **kwargs)
                if result is not None:
                    current.set_attributes(attributes_of(result(value)))
                return value

        return wrapper

    return decorate


def tally(prefix: str, values: Iterable[str]) -> dict[str, int]:
    """["mapped", "mapped"] -> {"<prefix>.mapped": 2}."""
    return counts(prefix, Counter(values))


def counts(prefix: str, values: Mapping[str, int]) -> dict[str, int]:
    """{"mapped": 3} -> {"<prefix>.mapped": 3}: counts by status as flat attributes."""
    return {f"{prefix}.{key}": int(count) for key, count in values.items()}
