"""The run's full log goes to a file, not to the terminal: Dagster's events (DEBUG and up,
every traceback), dlt's and our own log lines, and Python warnings raised while it runs."""

from __future__ import annotations

import logging
import warnings
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


CHATTY = ("great_expectations",)


@contextmanager
def file_logger(path: Path, *watchers: logging.Handler) -> Iterator[LoggerDefinition]:
    """A Dagster logger writing every event (DEBUG and up) to ``path`` and handing each to
    ``watchers`` (the progress display); while it is open, the process's own log records
    (dlt, ours: INFO and up) and warnings go to the same file. Closed on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(TRACE_FORMAT))
    handler.addFilter(TraceIds())  # " trace_id=… span_id=…" on the lines of traced steps
    logger = logging.Logger(f"autonomos.run.{path.stem}", logging.DEBUG)
    for each in (handler, *watchers):
        logger.addHandler(each)
    try:
        with process_logs_to(handler):
            yield LoggerDefinition(lambda _init: logger, description=f"the run log {path}")
    finally:
        handler.close()


def below_warning_from_chatty_libraries(record: logging.LogRecord) -> bool:
    # great_expectations logs ~200 INFO lines ("Skipping registering function …") on import
    return record.levelno >= logging.WARNING or not record.name.startswith(CHATTY)


@contextmanager
def process_logs_to(handler: logging.Handler) -> Iterator[None]:
    handler.addFilter(below_warning_from_chatty_libraries)
    root, dlt_logger = logging.getLogger(), logging.getLogger("dlt")
    level = root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO))  # not DEBUG: urllib3 would log every request
    dlt_logger.addHandler(handler)  # dlt's logger may not propagate to the root
    # a library's warning lands in the file, not on screen. Our own hook, restored on exit:
    # logging.captureWarnings(True) is a no-op once a library (great_expectations, on
    # import) has turned it on, and captureWarnings(False) would turn theirs off.
    previous = warnings.showwarning
    warnings.showwarning = _warning_to_log
    try:
        yield
    finally:
        warnings.showwarning = previous
        dlt_logger.removeHandler(handler)
        root.removeHandler(handler)
        root.setLevel(level)


def _warning_to_log(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
    text = warnings.formatwarning(message, category, filename, lineno, line)
    logging.getLogger("py.warnings").warning("%s", text.rstrip())
