"""Token buckets per tenant and connector: in-process, or shared through Redis (atomic Lua).

A bucket also carries a pause: when a server answers 429 with Retry-After, every worker that
shares the bucket waits that long before its next request, not just the one that was told.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cache
from typing import Protocol

import redis

from autonomos_pipelines.core.tenant_id import TenantId

_log = logging.getLogger(__name__)

# KEYS[1] bucket hash; ARGV: rate per second, burst, now (ms), tokens wanted. Returns ms to
# wait (0: granted).
_ACQUIRE = """
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'paused_until')
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cost = tonumber(ARGV[4]) or 1
local paused = tonumber(bucket[3]) or 0
if paused > now then return paused - now end
if rate <= 0 then return 0 end
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
if tokens >= cost then
  redis.call('HSET', KEYS[1], 'tokens', tokens - cost, 'at', now)
  redis.call('PEXPIRE', KEYS[1], 3600000)
  return 0
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
return math.ceil((cost - tokens) * 1000 / rate)
"""
_PAUSE = """
local until_ms = tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'paused_until')) or 0
if until_ms > current then redis.call('HSET', KEYS[1], 'paused_until', until_ms) end
redis.call('PEXPIRE', KEYS[1], 3600000)
return 1
"""


class Limiter(Protocol):
    def wait_time(self, key: str, rate: float, burst: int, cost: int = 1) -> float:
        """Seconds to wait before `cost` requests may go (0: that many tokens were taken)."""

    def pause(self, key: str, seconds: float) -> None:
        """Hold every request on this key for ``seconds`` (a server's Retry-After)."""


def bucket_key(tenant_id: TenantId, connector: str) -> str:
    return f"autonomos:{tenant_id}:ratelimit:{connector}"


def tenant_bucket_key(tenant_id: TenantId) -> str:
    """The bucket every connector of the tenant shares (its api_calls_per_minute quota);
    connector names are validated identifiers, so none can collide with this one."""
    return f"autonomos:{tenant_id}:ratelimit-tenant"


class InProcessLimiter:
    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._paused_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_time(self, key: str, rate: float, burst: int, cost: int = 1) -> float:
        now = time.monotonic()
        with self._lock:
            paused = self._paused_until.get(key, 0.0)
            if paused > now:
                return paused - now
            if rate <= 0:
                return 0.0
            tokens, at = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - at) * rate)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (cost - tokens) / rate

    def pause(self, key: str, seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds
            self._paused_until[key] = max(until, self._paused_until.get(key, 0.0))


class RedisLimiter:
    """Buckets shared through Redis. If Redis goes away mid-run, this process keeps every
    limit with its own buckets (one warning) rather than failing loads that lose no data."""

    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        self._acquire = self._client.register_script(_ACQUIRE)
        self._pause = self._client.register_script(_PAUSE)
        self._fallback: InProcessLimiter | None = None

    @staticmethod
    def _now_ms() -> int:
        return int(time.time() * 1000)

    def _lost(self, error: redis.RedisError) -> InProcessLimiter:
        if self._fallback is None:
            _log.warning("REDIS_URL lost (%s): rate limits are kept per process from now on", error)
            self._fallback = InProcessLimiter()
        return self._fallback

    def wait_time(self, key: str, rate: float, burst: int, cost: int = 1) -> float:
        if self._fallback is not None:
            return self._fallback.wait_time(key, rate, burst, cost)
        try:
            waited_ms = self._acquire(keys=[key], args=[rate, burst, self._now_ms(), cost])
        except redis.RedisError as error:
            return self._lost(error).wait_time(key, rate, burst, cost)
        return int(waited_ms) / 1000  # type: ignore[arg-type]

    def pause(self, key: str, seconds: float) -> None:
        if self._fallback is not None:
            return self._fallback.pause(key, seconds)
        try:
            self._pause(keys=[key], args=[self._now_ms() + int(seconds * 1000)])
        except redis.RedisError as error:
            self._lost(error).pause(key, seconds)


def acquire(limiter: Limiter, key: str, rate: float, burst: int) -> float:
    """Block until a request may go; returns the seconds spent waiting."""
    waited = 0.0
    while (delay := limiter.wait_time(key, rate, burst)) > 0:
        time.sleep(delay)
        waited += delay
    return waited


_in_process = InProcessLimiter()


@cache
def _redis_limiter(url: str) -> RedisLimiter:
    return RedisLimiter(url)


def limiter_for(redis_url: str | None) -> Limiter:
    """Redis when REDIS_URL is set (shared across processes), otherwise this process's own."""
    return _redis_limiter(redis_url) if redis_url else _in_process
