"""Requests per token: a token bucket per principal, refused with 429 and Retry-After.

The bucket is AAM's (aam.http.rate_limit): one atomic Lua call on Redis when REDIS_URL is set,
so every API worker shares it at the cost of one round trip; this process's own otherwise.
It holds AUTONOMOS_API_RATE_BURST requests (default: a minute's worth) and refills at
AUTONOMOS_API_RATE_PER_MINUTE."""

from __future__ import annotations

import math

from fastapi import HTTPException

from autonomos_pipelines.aam.http.rate_limit import limiter_for
from autonomos_pipelines.core.settings import Settings


class RateLimited(HTTPException):
    def __init__(self, who: str, per_minute: int, wait_seconds: float) -> None:
        retry_after = max(1, math.ceil(wait_seconds))
        super().__init__(
            429,
            f"{who} is over its limit of {per_minute:,} requests per minute "
            f"(AUTONOMOS_API_RATE_PER_MINUTE); retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


def bucket_key(limit_key: str) -> str:
    return f"autonomos:api-ratelimit:{limit_key}"


def take_request(limit_key: str, who: str, settings: Settings) -> None:
    """Take one request from `limit_key`'s bucket, or raise RateLimited (429)."""
    per_minute = settings.api_rate_per_minute
    burst = settings.api_rate_burst or per_minute
    limiter = limiter_for(settings.redis_url)
    wait_seconds = limiter.wait_time(bucket_key(limit_key), per_minute / 60, burst)
    if wait_seconds > 0:
        raise RateLimited(who, per_minute, wait_seconds)
