"""Spans of runs and steps (see run_trace for how they make one trace across processes)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanContext

from autonomos_pipelines.core import tracing
from autonomos_pipelines.core.tracing_errors import failed
from autonomos_pipelines.core.tracing_ids import (
    TRACEPARENT_RUN_TAG,
    TRACEPARENT_TAG,
    as_traceparent,
    forced_ids,
    from_traceparent,
    parent_context,
    run_root,
    run_root_span_id,
    run_trace_id,
)


def _root_sampled(run_id: str) -> bool:
    """The sampler's verdict on the run's root, which every step process reaches alike."""
    provider = tracing.provider()
    if provider is None:
        return False
    verdict = provider.sampler.should_sample(None, run_trace_id(run_id), "run")
    return verdict.decision.is_sampled()


def run_traceparent(run_id: str, tags: Mapping[str, str]) -> str | None:
    """The traceparent tag of the run it was written for; Dagster copies a run's tags to its
    re-executions, whose steps belong in a trace of their own (their run's root)."""
    if tags.get(TRACEPARENT_RUN_TAG) != run_id:
        return None
    return tags.get(TRACEPARENT_TAG)


def step_parent(run_id: str, traceparent: str | None) -> SpanContext:
    """The span a step's span hangs under: the one its run's tag names, else the run root."""
    named = from_traceparent(traceparent) if traceparent else None
    return named or run_root(run_id, _root_sampled(run_id))


@contextmanager
def run_span(run_id: str, name: str, **attributes: Any) -> Iterator[None]:
    """Record the run's root span (ids from ``run_id``) around the orchestration of its steps.
    Not made current: the executor yields events between steps, and the steps name their
    parent themselves."""
    tracer = tracing.active_tracer()
    if tracer is None:
        yield
        return
    with forced_ids(run_trace_id(run_id), run_root_span_id(run_id)):
        root = tracer.start_span(
            name, context=Context(), attributes=tracing.attributes_of(attributes)
        )
    try:
        yield
    except BaseException as error:
        failed(root, error)  # its type only: the message may hold a secret
        raise
    finally:
        root.end()
        tracing.flush()


@contextmanager
def step_span(
    run_id: str, traceparent: str | None, name: str, **attributes: Any
) -> Iterator[trace.Span]:
    """A step's span, current while the step runs, child of its run's root."""
    tracer = tracing.active_tracer()
    if tracer is None:
        yield trace.INVALID_SPAN
        return
    parent = parent_context(step_parent(run_id, traceparent))
    started = time.time_ns()
    try:
        with tracing.safe_span(
            tracer, name, attributes, context=parent, start_time=started
        ) as current:
            yield current
    finally:
        tracing.flush()


def trace_ids() -> dict[str, str]:
    """trace_id / span_id of the current span, as hex; empty without one."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}


def traceparent_tags(run_id: str) -> dict[str, str]:
    """The tags that make run ``run_id``'s steps children of the current span (none without
    one); they name the run, so that its re-executions do not join this trace."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {TRACEPARENT_TAG: as_traceparent(context), TRACEPARENT_RUN_TAG: run_id}
