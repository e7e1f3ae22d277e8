"""What a scrape serves. One topology, so Prometheus never sees a series twice:

* the counts of every process of a machine (AUTONOMOS_METRICS_DIR): `autonomos metrics serve`,
  one per machine;
* the registry's gauges (breakers, drift, review queue, quotas), facts of the whole cluster:
  exactly one target — the API's /metrics, or `metrics serve --registry-gauges` on one machine
  where no API is scraped.

Each gauge reader is time-boxed; the engine is opened by the first reading, so a registry
that is down at start only reports `autonomos_collector_up` 0 until it is back."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry
from sqlalchemy.engine import Engine

from autonomos_pipelines.aam.metrics_readers import breaker_samples, drift_samples
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.core.metrics.exposition import scrape_registry
from autonomos_pipelines.core.metrics.quota_readers import quota_samples
from autonomos_pipelines.core.metrics.timeboxed import Samples, TimeboxedCollector
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.metrics_readers import (
    enabled_connectors,
    quota_use_samples,
    review_queue_samples,
)


def registry_readers(settings: Settings) -> dict[str, Callable[[], Samples]]:
    def engine() -> Engine:
        return get_engine(settings)

    defaults = Quotas.defaults_of(settings)
    return {
        "breakers": lambda: breaker_samples(engine(), enabled_connectors(engine())),
        "drift": lambda: drift_samples(engine()),
        "review_queue": lambda: review_queue_samples(engine()),
        "quotas": lambda: quota_samples(engine(), defaults) + quota_use_samples(engine()),
    }


def build_scrape(
    settings: Settings, *, counts: bool, registry_gauges: bool, timeout: float = 2.0
) -> CollectorRegistry:
    """A scrape of this machine's counts and/or the registry's gauges (see the module)."""
    gauges = [TimeboxedCollector(registry_readers(settings), timeout)] if registry_gauges else []
    return scrape_registry(settings.metrics_path if counts else None, gauges)
