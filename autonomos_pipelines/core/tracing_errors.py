"""Failed spans without the failure's text: an exception's message may hold a secret.

A requests error names the URL with its query (``...?api_token=…``), an invalid header
quotes the header's value (``'Bearer <the key>'``), a database error quotes key values.
Our spans are started with ``record_exception=False, set_status_on_exception=False`` and
record only the exception's type (:func:`failed`), or a message redacted by our own code
(:func:`fail_current`). Spans of instrumented libraries record the message themselves, so
every processor of ours sits behind :class:`WithoutExceptionText`, which keeps an exception
event's type and drops its message and stack, and drops their status descriptions.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import Status, StatusCode

EXCEPTION_TEXT = ("exception.message", "exception.stacktrace")


def failed(span: trace.Span, error: BaseException) -> None:
    """ERROR with the exception's type name, unless a (redacted) description is set already
    (a generator closed early has not failed)."""
    if isinstance(error, GeneratorExit):
        return
    status = getattr(span, "status", None)
    if status is None or status.status_code is not StatusCode.ERROR:
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))


def fail_current(message: str) -> None:
    """Mark the current span failed with ``message``, which the caller has redacted."""
    trace.get_current_span().set_status(Status(StatusCode.ERROR, message))


class WithoutExceptionText(SpanProcessor):
    """Hands ``inner`` each finished span without exception messages, stacks and (for
    spans not of ``own_scope``) status descriptions."""

    def __init__(self, inner: SpanProcessor, own_scope: str) -> None:
        self._inner = inner
        self._own_scope = own_scope

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self._inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self._inner.on_end(self._scrubbed(span))

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)

    def _scrubbed(self, span: ReadableSpan) -> ReadableSpan:
        events = [_without_text(event) for event in span.events]
        status = span.status
        scope = span.instrumentation_scope
        if status.description and (scope is None or scope.name != self._own_scope):
            raised = [e.attributes.get("exception.type") for e in span.events if e.attributes]
            status = Status(status.status_code, next((str(t) for t in raised if t), None))
        return ReadableSpan(
            name=span.name,
            context=span.get_span_context(),
            parent=span.parent,
            resource=span.resource,
            attributes=span.attributes,
            events=events,
            links=span.links,
            kind=span.kind,
            status=status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=scope,
        )


def _without_text(event: Any) -> Any:
    attributes = event.attributes or {}
    if not any(key in attributes for key in EXCEPTION_TEXT):
        return event
    kept = {key: value for key, value in attributes.items() if key not in EXCEPTION_TEXT}
    return Event(event.name, kept, event.timestamp)
