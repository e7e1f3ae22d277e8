"""Counts shared by every process of this machine: prometheus-client's multiprocess mode.

Each process (a Dagster run or step, an API worker, a CLI command) writes its counts to its
own memory-mapped files in AUTONOMOS_METRICS_DIR (`counter_<pid>.db`, `histogram_<pid>.db`);
a scrape sums the files of every process. The folder is "wiped" at each server start, but
only of the processes that have ended: their counts are folded into one archive file per
kind, so counters keep their totals and the folder does not grow with every run's process,
while a process still running keeps writing the file it has mapped (deleting it would lose
what it counts next). A scrape reads the folder under a shared lock that compaction takes
exclusively, so it never lists a file compaction then unlinks, nor reads both the new archive
and the files just folded into it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
from prometheus_client import values
from prometheus_client.mmap_dict import MmapedDict

from autonomos_pipelines.core.settings import metrics_dir_from_env, use_metrics_dir

log = logging.getLogger(__name__)
_PROCESS_FILE = re.compile(r"^(counter|histogram)_(\d+)\.db$")
ARCHIVE = "{kind}_archive.db"
LOCK = ".compact.lock"
_active: Path | None = None


def enable(directory: Path | None = None) -> Path | None:
    """Switch this process to multiprocess values in ``directory`` (default: from the
    environment); once per process. None: the folder cannot be written, counts stay in
    this process (one warning; nothing fails for want of metrics)."""
    global _active
    if _active is not None:
        return _active
    directory = directory or metrics_dir_from_env()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if not os.access(directory, os.W_OK):
            raise PermissionError(f"{directory} is not writable")
    except OSError as error:
        log.warning("metrics are kept in this process only: %s (AUTONOMOS_METRICS_DIR)", error)
        return None
    use_metrics_dir(directory)
    values.ValueClass = values.MultiProcessValue()  # metrics read it when a child is created
    _active = directory
    return directory


def active_directory() -> Path | None:
    return _active


@contextmanager
def folding_lock(directory: Path, *, exclusive: bool) -> Iterator[None]:
    """Compaction holds it exclusively, scrapes shared (they may read together)."""
    with open(directory / LOCK, "a") as lock:  # closing the file releases the lock
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield


def compact(directory: Path) -> int:
    """Fold the files of ended processes into the archive files; returns how many were
    folded. Waits for scrapes reading the folder and for a concurrent compaction."""
    directory.mkdir(parents=True, exist_ok=True)
    with folding_lock(directory, exclusive=True):
        folded = 0
        for kind in ("counter", "histogram"):
            ended = [path for path in _process_files(directory, kind) if not _alive(path)]
            if ended:
                _fold(directory / ARCHIVE.format(kind=kind), ended)
                for path in ended:
                    path.unlink(missing_ok=True)
                folded += len(ended)
        return folded


def _process_files(directory: Path, kind: str) -> list[Path]:
    return [
        path
        for path in directory.glob(f"{kind}_*.db")
        if (match := _PROCESS_FILE.match(path.name)) and match.group(1) == kind
    ]


def _alive(path: Path) -> bool:
    match = _PROCESS_FILE.match(path.name)
    return bool(match) and psutil.pid_exists(int(match.group(2)))  # type: ignore[union-attr]


def _fold(archive: Path, ended: list[Path]) -> None:
    totals: dict[str, float] = defaultdict(float)
    for path in ([archive] if archive.exists() else []) + ended:
        for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(str(path)):
            totals[key] += value
    staged = archive.with_suffix(".tmp")
    staged.unlink(missing_ok=True)
    merged = MmapedDict(str(staged))
    try:
        for key, value in totals.items():
            merged.write_value(key, value, 0.0)
    finally:
        merged.close()
    os.replace(staged, archive)
