"""The scrape: every process's counts from the shared folder, plus scrape-time gauges.

Served by `autonomos metrics serve` (its own HTTP server) and by the API's GET /metrics;
both build the same registry here."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from autonomos_pipelines.core.metrics import multiprocess

CONTENT_TYPE = CONTENT_TYPE_LATEST


def scrape_registry(directory: Path, collectors: Iterable[Collector] = ()) -> CollectorRegistry:
    """A registry reading ``directory`` (the processes' counts) and ``collectors``."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    for collector in collectors:
        registry.register(collector)
    return registry


def prepare(directory: Path) -> int:
    """At a server's start: fold the counts of processes that have ended (see multiprocess)."""
    return multiprocess.compact(directory)


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
