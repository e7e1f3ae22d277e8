"""One trace per run, whichever processes (or machines) its steps execute in.

A Dagster run id is a UUID, i.e. 128 bits: it *is* the trace id. The run's root span gets a
span id derived from the run id too, so every step process can build the root's context by
itself and start its step span as that root's child, with no message between processes. The
root span itself is recorded once, by the process that orchestrates the run (the executor),
with exactly those ids: the id generator below hands them out when asked to. A tracing
backend (Jaeger, Tempo) then shows the run as one tree: run -> steps -> loads, HTTP pages,
mapping passes, SQL. A run started under a span of ours (the CLI's tenant run) names that span
in a tag instead (W3C ``traceparent``), and its steps join that trace.
"""

from __future__ import annotations

import contextvars
import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

TRACEPARENT_TAG = "autonomos/traceparent"
TRACEPARENT_RUN_TAG = "autonomos/traceparent_run"  # the run the traceparent was written for
_forced: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar(
    "autonomos_forced_ids", default=None
)


class RunIds(RandomIdGenerator):
    """Random ids, except for a run's root span, whose ids come from its run id."""

    def generate_span_id(self) -> int:
        forced = _forced.get()
        return forced[1] if forced else super().generate_span_id()

    def generate_trace_id(self) -> int:
        forced = _forced.get()
        return forced[0] if forced else super().generate_trace_id()


@contextmanager
def forced_ids(trace_id: int, span_id: int) -> Iterator[None]:
    token = _forced.set((trace_id, span_id))
    try:
        yield
    finally:
        _forced.reset(token)


def run_trace_id(run_id: str) -> int:
    try:
        return uuid.UUID(run_id).int or 1
    except ValueError:  # not a UUID (some tests): 128 bits of its hash
        return int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:16], "big") or 1


def run_root_span_id(run_id: str) -> int:
    digest = hashlib.sha256(f"run-root:{run_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") or 1


def run_root(run_id: str, sampled: bool = True) -> SpanContext:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    return SpanContext(run_trace_id(run_id), run_root_span_id(run_id), True, flags)


def as_traceparent(context: SpanContext) -> str:
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def from_traceparent(text: str) -> SpanContext | None:
    parts = text.split("-")
    try:
        if len(parts) != 4 or len(parts[1]) != 32 or len(parts[2]) != 16:
            return None
        trace_id, span_id, flags = int(parts[1], 16), int(parts[2], 16), int(parts[3], 16)
    except ValueError:
        return None
    if not trace_id or not span_id:
        return None
    return SpanContext(trace_id, span_id, True, TraceFlags(flags & TraceFlags.SAMPLED))


def parent_context(parent: SpanContext) -> Context:
    return trace.set_span_in_context(NonRecordingSpan(parent), Context())
