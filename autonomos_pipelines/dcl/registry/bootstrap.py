"""Open the registry: connect, migrate to head, load the baseline corpus (once per process)."""

from __future__ import annotations

import threading

from autonomos_pipelines.core import migrate
from autonomos_pipelines.core.cache import open_cache
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.registry.baseline import load_baseline
from autonomos_pipelines.dcl.registry.store import Registry

_ready: dict[str, Registry] = {}
_lock = threading.Lock()


def open_registry(settings: Settings) -> Registry:
    engine = get_engine(settings)
    key = f"{engine.url}|{settings.redis_url}"
    with _lock:
        if key not in _ready:
            migrate.upgrade(engine)
            registry = Registry(engine, open_cache(settings.redis_url))
            load_baseline(registry)
            _ready[key] = registry
        return _ready[key]
