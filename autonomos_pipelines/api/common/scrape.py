"""What a scrape serves, for `autonomos metrics serve` and the API's /metrics: the counts of
every process on this machine and the registry's gauges (breakers, drift, review queue,
quotas), each reader time-boxed. The engine is opened by the first reading, so a registry
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
from autonomos_pipelines.dcl.metrics_readers import active_connector_samples, review_queue_samples


def registry_readers(settings: Settings) -> dict[str, Callable[[], Samples]]:
    def engine() -> Engine:
        return get_engine(settings)

    defaults = Quotas.defaults_of(settings)
    return {
        "breakers": lambda: breaker_samples(engine()),
        "drift": lambda: drift_samples(engine()),
        "review_queue": lambda: review_queue_samples(engine()),
        "quotas": lambda: quota_samples(engine(), defaults) + active_connector_samples(engine()),
    }


def build_scrape(settings: Settings, timeout: float = 2.0) -> CollectorRegistry:
    return scrape_registry(
        settings.metrics_path, [TimeboxedCollector(registry_readers(settings), timeout)]
    )
