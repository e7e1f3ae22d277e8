"""Open the registry: connect, migrate to head, load the baseline corpus (once per process)."""

from __future__ import annotations

import threading

from autonomos_pipelines.cache import open_cache
from autonomos_pipelines.database import get_engine
from autonomos_pipelines.dcl import migrate
from autonomos_pipelines.dcl.baseline import load_baseline
from autonomos_pipelines.dcl.registry import Registry
from autonomos_pipelines.settings import Settings

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
