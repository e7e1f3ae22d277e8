"""The run's Dagster log (with every traceback) goes to a file, not to the terminal."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from dagster import LoggerDefinition

from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.tracing_logs import TRACE_FORMAT, TraceIds


def run_log_path(settings: Settings, tenant_id: TenantId) -> Path:
    """$AUTONOMOS_HOME/logs/<tenant>-<UTC time>.log, one file per `materialize`."""
    stamp = datetime.now().astimezone().strftime("%Y%m%dT%H%M%S%f")
    return settings.home / "logs" / f"{tenant_id}-{stamp}.log"


@contextmanager
def file_logger(path: Path) -> Iterator[LoggerDefinition]:
    """A Dagster logger writing every event (DEBUG and up) to ``path``; closed on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(TRACE_FORMAT))
    handler.addFilter(TraceIds())  # " trace_id=… span_id=…" on the lines of traced steps
    logger = logging.Logger(f"autonomos.run.{path.stem}", logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield LoggerDefinition(lambda _init: logger, description=f"the run log {path}")
    finally:
        handler.close()
