"""Per-load HTTP runtime of a tenant's connector: one guarded session and its counters."""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from autonomos_pipelines.aam.http_client import RequestStats, RetryPolicy, Throttle, guarded_session
from autonomos_pipelines.aam.rate_limit import bucket_key, limiter_for
from autonomos_pipelines.aam.spec_model import AnySpec


@dataclass
class HttpRuntime:
    session: requests.Session
    stats: RequestStats = field(default_factory=RequestStats)


def http_runtime(
    spec: AnySpec,
    tenant_id: str,
    redis_url: str | None = None,
    policy: RetryPolicy | None = None,
) -> HttpRuntime:
    """Session limited by the spec's rate_limit on the tenant's own bucket."""
    rate = spec.rate_limit
    throttle = Throttle(
        limiter=limiter_for(redis_url),
        key=bucket_key(tenant_id, spec.name),
        rate=rate.requests_per_second if rate else 0.0,
        burst=rate.burst if rate else 1,
    )
    stats = RequestStats()
    return HttpRuntime(guarded_session(throttle, policy or RetryPolicy(), stats), stats)
