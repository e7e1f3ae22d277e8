"""Hot cache: in-process by default, Redis (real server) when REDIS_URL is set."""

from __future__ import annotations

import pytest

from autonomos_pipelines.core.cache import LocalCache, RedisCache, cache_key
from autonomos_pipelines.core.errors import ServiceUnavailable
from autonomos_pipelines.dcl.registry.bootstrap import open_registry


def exercise(cache) -> None:
    key_a, key_b = cache_key("acme", "active_mappings"), cache_key("beta", "active_mappings")
    cache.set(key_a, [{"x": 1}])
    cache.set(key_b, [{"x": 2}])
    assert cache.get(key_a) == [{"x": 1}]
    assert cache.delete_prefix(cache_key("acme", "")) == 1
    assert cache.get(key_a) is None and cache.get(key_b) == [{"x": 2}]


def test_local_cache():
    exercise(LocalCache())


@pytest.mark.redis
def test_redis_cache(redis_url):
    cache = RedisCache(redis_url)
    cache.delete_prefix("autonomos:")
    exercise(cache)


@pytest.mark.redis
def test_registry_reads_through_redis_and_invalidates(env, redis_url, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_url)
    from autonomos_pipelines.core.settings import Settings

    registry = open_registry(Settings.from_env())
    assert isinstance(registry.cache, RedisCache)
    registry.add_tenant("acme", {"stripe": {}}, actor="test")
    first = registry.active_mappings("acme")
    assert registry.cache.get(cache_key("acme", "active_mappings")) is not None
    registry.invalidate("acme")
    assert registry.cache.get(cache_key("acme", "active_mappings")) is None
    assert registry.active_mappings("acme") == first


def test_unreachable_redis_names_the_variable():
    with pytest.raises(ServiceUnavailable, match=r"^cannot use REDIS_URL=redis://127.0.0.1:1/0"):
        RedisCache("redis://127.0.0.1:1/0")
