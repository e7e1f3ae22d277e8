"""A span per step, child of its run's root span (one trace per run, across processes).

The asset bodies carry ``@traced_step``: the step's span is current while the body runs, so
loads, HTTP pages, mapping passes and SQL nest under it; when tracing is on the step logs its
trace id first (the run's log in the UI leads to the trace) and its materialisations carry it
as ``trace_id`` (through `worker_metadata`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from autonomos_pipelines.core.tracing import enabled
from autonomos_pipelines.core.tracing_runs import run_traceparent, step_span, trace_ids


def _span_of(context: Any) -> AbstractContextManager[Any]:
    run = context.run
    keys = sorted("/".join(key.path) for key in context.selected_asset_keys)
    return step_span(
        run.run_id,
        run_traceparent(run.run_id, run.tags),
        f"step {context.op_def.name}",
        **{
            "dagster.run_id": run.run_id,
            "dagster.step": context.op_def.name,
            "dagster.asset_keys": ", ".join(keys),
            "dagster.job": run.job_name,
            "tenant": context.partition_key if context.has_partition_key else None,
        },
    )


def _announce(context: Any) -> None:
    ids = trace_ids()
    if ids:
        context.log.info(f"trace_id={ids['trace_id']} span_id={ids['span_id']}")


def traced_step(body: Callable[..., Any]) -> Callable[..., Any]:
    """Run the asset body (plain or generator) inside its step's span; its first argument is
    the asset's context."""
    if inspect.isgeneratorfunction(body):

        @functools.wraps(body)
        def steps(context: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            if not enabled():
                yield from body(context, *args, **kwargs)
                return
            with _span_of(context):
                _announce(context)
                yield from body(context, *args, **kwargs)

        return steps

    @functools.wraps(body)
    def step(context: Any, *args: Any, **kwargs: Any) -> Any:
        if not enabled():
            return body(context, *args, **kwargs)
        with _span_of(context):
            _announce(context)
            return body(context, *args, **kwargs)

    return step
