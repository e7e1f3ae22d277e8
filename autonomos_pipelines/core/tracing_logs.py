"""Trace and span ids on log lines, so a failure in a log leads to its trace."""

from __future__ import annotations

import logging

from autonomos_pipelines.core.tracing_runs import trace_ids

# ``%(trace)s`` is empty without a current span, " trace_id=… span_id=…" with one
TRACE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s%(trace)s"


class TraceIds(logging.Filter):
    """Adds ``trace_id``, ``span_id`` and ``trace`` (both, ready to append) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = trace_ids()
        trace_id, span_id = ids.get("trace_id", ""), ids.get("span_id", "")
        record.__dict__.update(trace_id=trace_id, span_id=span_id)
        record.trace = f" trace_id={trace_id} span_id={span_id}" if ids else ""
        return True
