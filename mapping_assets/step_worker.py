"""Which worker executed a step, recorded in its materialisation's metadata: with Celery the
steps of one run spread over machines, and the asset's page says where each one ran."""

from __future__ import annotations

import os
import socket

from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.core.tracing_runs import trace_ids


def worker_metadata() -> dict[str, str]:
    """``worker``: the `autonomos worker` name (or this host when run locally) and the pid of
    the process that ran the step; ``trace_id`` of the step's trace when tracing is on."""
    name = get_settings().worker_name or socket.gethostname()
    trace_id = trace_ids().get("trace_id")
    return {"worker": f"{name}:{os.getpid()}", **({"trace_id": trace_id} if trace_id else {})}
