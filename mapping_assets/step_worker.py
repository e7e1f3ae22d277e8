"""Which worker executed a step, recorded in its materialisation's metadata: with Celery the
steps of one run spread over machines, and the asset's page says where each one ran."""

from __future__ import annotations

import os
import socket

from autonomos_pipelines.core.settings import get_settings


def worker_metadata() -> dict[str, str]:
    """``worker``: the `autonomos worker` name (or this host when run locally) and the pid of
    the process that ran the step."""
    name = get_settings().worker_name or socket.gethostname()
    return {"worker": f"{name}:{os.getpid()}"}
