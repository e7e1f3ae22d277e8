"""What tracing costs when it is off: a call through ``@traced`` and a ``span()`` block with no
OTEL_EXPORTER_OTLP_ENDPOINT, against the bare call. Run:
``python -m bench.tracing_overhead`` (numbers go to bench/results.md by hand)."""

from __future__ import annotations

import timeit

from autonomos_pipelines.core import tracing

CALLS = 1_000_000


def bare(tenant_id: str) -> int:
    return len(tenant_id)


traced_call = tracing.traced("bench")(bare)


def in_span(tenant_id: str) -> int:
    with tracing.span("bench", tenant=tenant_id):
        return len(tenant_id)


def main() -> None:
    tracing.uninstall()
    assert not tracing.enabled(), "unset OTEL_EXPORTER_OTLP_ENDPOINT to measure the off path"
    for name, function in (("bare call", bare), ("@traced", traced_call), ("span()", in_span)):
        seconds = min(timeit.repeat(lambda f=function: f("acme"), number=CALLS, repeat=5))
        print(f"{name:10} {seconds / CALLS * 1e9:7.1f} ns per call")


if __name__ == "__main__":
    main()
