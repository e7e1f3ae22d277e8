"""The scrape: every process's counts from the shared folder, and/or scrape-time gauges.

Served by `autonomos metrics serve` (its own HTTP server) and by the API's GET /metrics;
api/common/scrape.py decides which of the two each serves."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from autonomos_pipelines.core.metrics import multiprocess

CONTENT_TYPE = CONTENT_TYPE_LATEST


class FoldSafeCollector(MultiProcessCollector):
    """Reads the folder under compaction's shared lock: a compaction between listing the
    files and reading them would unlink one (FileNotFoundError) or count it twice."""

    def collect(self) -> Iterable[Metric]:
        with multiprocess.folding_lock(Path(self._path), exclusive=False):
            return list(super().collect())


def scrape_registry(
    directory: Path | None, collectors: Iterable[Collector] = ()
) -> CollectorRegistry:
    """A registry reading ``directory`` (the processes' counts; None: not them) and
    ``collectors``."""
    registry = CollectorRegistry()
    if directory is not None:
        FoldSafeCollector(registry, path=str(directory))
    for collector in collectors:
        registry.register(collector)
    return registry


def prepare(directory: Path) -> int:
    """At a server's start: fold the counts of processes that have ended (see multiprocess)."""
    return multiprocess.compact(directory)


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
