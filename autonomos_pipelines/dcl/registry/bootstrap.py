"""Open the registry: the migrated database, the cache, the baseline corpus and value mappings
(once per process)."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from autonomos_pipelines.core.cache import open_cache
from autonomos_pipelines.core.database import migrated_engine
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.registry.baseline import load_baseline
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.value_baseline import load_baseline_values

_ready: dict[str, Registry] = {}
_lock = threading.Lock()


def open_registry(settings: Settings) -> Registry:
    return registry_on(migrated_engine(settings), settings.redis_url, Quotas.defaults_of(settings))


def registry_on(engine: Engine, redis_url: str | None, quota_defaults: dict[str, int]) -> Registry:
    """The registry on a migrated database, its baseline loaded (one per URL per process)."""
    key = f"{engine.url}|{redis_url}|{sorted(quota_defaults.items())}"
    with _lock:
        if key not in _ready:
            registry = Registry(engine, open_cache(redis_url), Quotas(engine, quota_defaults))
            load_baseline(registry)
            load_baseline_values(registry)
            _ready[key] = registry
        return _ready[key]
