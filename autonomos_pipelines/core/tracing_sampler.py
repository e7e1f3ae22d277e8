"""The sampler: OTEL_TRACES_SAMPLER's (read by the SDK), minus stray client calls.

Instrumenting requests patches every session in the process, so libraries' own background
requests (usage pings and the like) would each become a one-span trace of their own; so
would every registry query outside a run (scrapes, API requests, sensor ticks). Only HTTP
requests and SQL statements made inside one of our spans are kept: a span of kind CLIENT
without a parent is dropped. (SQLAlchemy's spans carry ``db.system`` only once started, so
the kind is what a sampler can tell them by; our own spans, roots included, are INTERNAL.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import sampling
from opentelemetry.trace import SpanKind

_DROP = sampling.SamplingResult(sampling.Decision.DROP)


class OursOnly(sampling.Sampler):
    def __init__(self, configured: sampling.Sampler | None = None) -> None:
        # the SDK's reading of OTEL_TRACES_SAMPLER / _ARG (its default: parentbased_always_on)
        self._configured = configured or sampling._get_from_env_or_default()

    def should_sample(  # noqa: PLR0913 - the SDK's signature
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Any = None,
        links: Sequence[Any] | None = None,
        trace_state: Any = None,
    ) -> sampling.SamplingResult:
        stray = not trace.get_current_span(parent_context).get_span_context().is_valid
        if stray and kind == SpanKind.CLIENT:
            return _DROP
        return self._configured.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"OursOnly{{{self._configured.get_description()}}}"
