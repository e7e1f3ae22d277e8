"""Whether Redis answers: it holds the rate-limit buckets connectors share and the hot mapping
cache. Losing it costs speed and shared limits, never data, so it is a warning, not a failure."""

from __future__ import annotations

import redis

from autonomos_pipelines.core.errors import redact_url

PROBE_SECONDS = 2


def redis_problem(redis_url: str | None) -> str | None:
    """None when Redis answers (or none is configured), else one line saying what it costs."""
    if not redis_url:
        return None
    try:
        client = redis.Redis.from_url(
            redis_url, socket_connect_timeout=PROBE_SECONDS, socket_timeout=PROBE_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError) as error:
        return (
            f"Redis unreachable (REDIS_URL={redact_url(redis_url)}: {type(error).__name__}): "
            "rate limits are kept per process and the mapping cache is off"
        )
    return None
