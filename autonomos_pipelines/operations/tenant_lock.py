"""This machine's per-tenant file lock for CLI runs. A command that finds it held says who
holds it (the tenant's run in progress, else the process) and since when, again every
NOTICE_SECONDS, instead of hanging silently."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import fasteners

from autonomos_pipelines.core.tenant_id import TenantId
from mapping_assets.run_guard import (
    NOTICE_SECONDS,
    older_runs_in_progress,
    run_started_at,
    waiting_line,
)


def holder_line(holder_file: Path, tenant: TenantId, instance: Any) -> str:
    runs = older_runs_in_progress(instance, None, tenant) if instance is not None else []
    if runs:
        return waiting_line(f"run {runs[0]}", tenant, run_started_at(instance, runs[0]))
    try:
        holder = json.loads(holder_file.read_text())
    except (OSError, ValueError):  # between its lock and its note, or a foreign holder
        return waiting_line("another autonomos command", tenant, None)
    return waiting_line(f"autonomos process {holder['pid']}", tenant, holder["since"])


@contextmanager
def tenant_lock(
    locks_dir: Path,
    tenant: TenantId,
    instance: Any,
    log: Any,
    notice_seconds: float = NOTICE_SECONDS,
) -> Iterator[None]:
    """Hold the tenant's lock for the block; while another process holds it, ``log.info``
    who and since when, at once and every ``notice_seconds``."""
    locks_dir.mkdir(parents=True, exist_ok=True)
    lock = fasteners.InterProcessLock(str(locks_dir / f"{tenant}.lock"))
    holder_file = locks_dir / f"{tenant}.holder"
    timeout = 0.2  # a held lock is reported at once, then every notice_seconds
    while not lock.acquire(timeout=timeout):
        log.info(holder_line(holder_file, tenant, instance))
        timeout = notice_seconds
    try:
        holder_file.write_text(json.dumps({"pid": os.getpid(), "since": time.time()}))
        yield
    finally:
        holder_file.unlink(missing_ok=True)
        lock.release()
