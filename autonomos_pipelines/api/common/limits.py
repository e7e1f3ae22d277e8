"""Requests per token: a token bucket per principal, refused with 429 and Retry-After.

The bucket is AAM's (aam.http.rate_limit): one atomic Lua call on Redis when REDIS_URL is set,
so every API worker shares it; this process's own otherwise. It holds
AUTONOMOS_API_RATE_BURST requests (default: a minute's worth) and refills at
AUTONOMOS_API_RATE_PER_MINUTE.

With Redis, a round trip per request cost ~0.4 ms of server CPU per hot lookup (a third of
it, bench/api_load.py), so a worker takes requests from the shared bucket in leases: a tenth
of a second's allowance at once (at least 1, at most MAX_LEASE), spent locally within
LEASE_SECONDS. A limit of a few requests a second still costs a round trip each (leases of
1, exact); at the default 2,000/s one round trip serves up to 100 requests, and all workers
together can overshoot a minute's limit by at most one lease each."""

from __future__ import annotations

import math
import threading
import time

from fastapi import HTTPException

from autonomos_pipelines.aam.http.rate_limit import limiter_for
from autonomos_pipelines.core.settings import Settings

MAX_LEASE = 100
LEASE_SECONDS = 1.0


class RateLimited(HTTPException):
    def __init__(self, who: str, per_minute: int, wait_seconds: float) -> None:
        retry_after = max(1, math.ceil(wait_seconds))
        super().__init__(
            429,
            f"{who} is over its limit of {per_minute:,} requests per minute "
            f"(AUTONOMOS_API_RATE_PER_MINUTE); retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


class Leases:
    """Requests this process took from shared buckets and has not spent yet."""

    def __init__(self) -> None:
        self._left: dict[str, tuple[int, float]] = {}  # key -> (requests, until)
        self._lock = threading.Lock()

    def take(self, key: str) -> bool:
        """Spend one leased request of `key`, if one is left and fresh (no I/O)."""
        with self._lock:
            left, until = self._left.get(key, (0, 0.0))
            if left <= 0 or until <= time.monotonic():
                return False
            self._left[key] = (left - 1, until)
            return True

    def grant(self, key: str, requests: int) -> None:
        with self._lock:
            now = time.monotonic()
            if len(self._left) > 10_000:  # forget the tokens that went quiet
                self._left = {k: v for k, v in self._left.items() if v[1] > now}
            left, until = self._left.get(key, (0, 0.0))
            # two misses at once each took a lease from the shared bucket: keep both
            self._left[key] = (requests + (left if until > now else 0), now + LEASE_SECONDS)


_leases = Leases()


def bucket_key(limit_key: str) -> str:
    return f"autonomos:api-ratelimit:{limit_key}"


def lease_size(per_minute: int) -> int:
    return max(1, min(MAX_LEASE, per_minute // 600))


def take_leased(limit_key: str) -> bool:
    """One request from this process's lease for `limit_key`; False: ask take_request."""
    return _leases.take(limit_key)


def take_request(limit_key: str, who: str, settings: Settings) -> None:
    """Take one request from `limit_key`'s bucket (a lease of them, with Redis), or raise
    RateLimited (429). With Redis this is a network round trip: not on the event loop."""
    per_minute = settings.api_rate_per_minute
    rate, burst = per_minute / 60, settings.api_rate_burst or per_minute
    limiter, key = limiter_for(settings.redis_url), bucket_key(limit_key)
    size = lease_size(per_minute) if settings.redis_url else 1
    if size > 1 and limiter.wait_time(key, rate, burst, size) == 0:
        _leases.grant(limit_key, size - 1)
        return
    wait_seconds = limiter.wait_time(key, rate, burst)
    if wait_seconds > 0:
        raise RateLimited(who, per_minute, wait_seconds)
