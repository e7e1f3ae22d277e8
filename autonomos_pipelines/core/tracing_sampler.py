"""The sampler: OTEL_TRACES_SAMPLER's (read by the SDK), minus stray HTTP requests.

Instrumenting requests patches every session in the process, so libraries' own background
requests (usage pings and the like) would each become a one-span trace of their own. Only
requests made inside one of our spans (a connector's load or a drift observation) are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import sampling
from opentelemetry.trace import SpanKind

HTTP_METHOD_ATTRIBUTES = ("http.method", "http.request.method")
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
        if (
            stray
            and kind == SpanKind.CLIENT
            and any(a in (attributes or {}) for a in HTTP_METHOD_ATTRIBUTES)
        ):
            return _DROP
        return self._configured.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"OursOnly{{{self._configured.get_description()}}}"
