"""Hot cache: Redis when REDIS_URL is set, in-process otherwise.

Redis holds nothing that cannot be rebuilt from PostgreSQL: losing it costs speed, never data.
Every key is prefixed ``autonomos:<tenant or _global>:``.

An unreachable REDIS_URL when the cache opens is one error naming the variable. Redis lost
later, mid-run, is one warning: the process then reads through to PostgreSQL (no cache at
all, rather than an in-process one that other processes could no longer invalidate).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from autonomos_pipelines.core.errors import ServiceUnavailable
from autonomos_pipelines.core.tenant_id import TenantId

# every cached value lives under this prefix; rate-limit buckets (autonomos:<tenant>:ratelimit:…,
# autonomos:api-ratelimit:…) do not, so dropping cached values never refills a bucket
PREFIX = "autonomos:cache"
INVALIDATION_CHANNEL = "autonomos:invalidate"

_log = logging.getLogger(__name__)


def cache_key(tenant_id: TenantId | None, *parts: str) -> str:
    return ":".join((PREFIX, tenant_id or "_global", *parts))


class Cache(Protocol):
    def get(self, key: str) -> Any | None: ...
    def set(self, key: str, value: Any, ttl_seconds: int = 300) -> None: ...
    def delete_prefix(self, prefix: str) -> int: ...


class LocalCache:
    """In-process cache with expiry (one per process)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] < time.monotonic():
                self._items.pop(key, None)
                return None
            return item[1]

    def set(self, key: str, value: Any, ttl_seconds: int = 300) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + ttl_seconds, value)

    def delete_prefix(self, prefix: str) -> int:
        with self._lock:
            doomed = [key for key in self._items if key.startswith(prefix)]
            for key in doomed:
                del self._items[key]
            return len(doomed)


class RedisCache:
    """JSON values in Redis, shared by every process that uses the same REDIS_URL."""

    def __init__(self, url: str) -> None:
        import redis

        self._url = url
        self._lost = False
        self._listeners: list[Any] = []  # pub/sub threads, one per subscribed channel
        self._client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            self._client.ping()
        except redis.RedisError as error:
            raise ServiceUnavailable("REDIS_URL", url, f"cannot connect: {error}") from None

    @property
    def lost(self) -> bool:
        """Whether Redis went away: this process no longer caches (it reads PostgreSQL)."""
        return self._lost

    def _give_up(self, error: BaseException) -> None:
        if not self._lost:
            self._lost = True
            where = ServiceUnavailable("REDIS_URL", self._url, f"lost: {error}")
            _log.warning("%s; this process reads through to PostgreSQL from now on", where)

    def _guarded(self, call: Callable[[], Any], fallback: Any) -> Any:
        import redis

        if self._lost:
            return fallback
        try:
            return call()
        except redis.RedisError as error:
            self._give_up(error)
            return fallback

    def get(self, key: str) -> Any | None:
        raw = self._guarded(lambda: self._client.get(key), None)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl_seconds: int = 300) -> None:
        self._guarded(lambda: self._client.set(key, json.dumps(value), ex=ttl_seconds), None)

    def delete_prefix(self, prefix: str) -> int:
        def delete() -> int:
            keys = list(self._client.scan_iter(match=_escape_glob(prefix) + "*", count=500))
            return int(self._client.delete(*keys)) if keys else 0

        return int(self._guarded(delete, 0))

    def publish_invalidation(self, tenant_id: TenantId | None) -> None:
        self.publish(INVALIDATION_CHANNEL, tenant_id or "")

    def subscribe_invalidations(self, callback: Callable[[str | None], None]) -> None:
        """Call `callback(tenant_id or None)` for every invalidation any process publishes."""
        self.subscribe(INVALIDATION_CHANNEL, callback)

    def publish(self, channel: str, message: str) -> None:
        self._guarded(lambda: self._client.publish(channel, message), None)

    def subscribe(self, channel: str, callback: Callable[[str | None], None]) -> None:
        """Call `callback(message or None)` for every message any process publishes on
        `channel`, from a listener thread; `callback(None)` once if Redis is lost."""
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)

        def handle(message: dict) -> None:
            data = message["data"].decode() if isinstance(message["data"], bytes) else ""
            callback(data or None)

        def stop_on_error(error: BaseException, _pubsub: object, thread) -> None:  # type: ignore[no-untyped-def]
            # Other processes' writes can no longer reach us: stop caching here, and drop
            # whatever the subscriber holds hot, instead of an unhandled-thread traceback.
            self._give_up(error)
            callback(None)
            thread.stop()

        pubsub.subscribe(**{channel: handle})
        self._listeners.append(
            pubsub.run_in_thread(sleep_time=0.5, daemon=True, exception_handler=stop_on_error)
        )


def _escape_glob(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


_local = LocalCache()


def open_cache(redis_url: str | None) -> Cache:
    return RedisCache(redis_url) if redis_url else _local
