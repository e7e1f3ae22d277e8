"""Per-load HTTP runtime of a tenant's connector: one guarded session and its counters."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import requests

from autonomos_pipelines.aam.http.http_client import (
    RequestStats,
    RetryPolicy,
    Throttle,
    guarded_session,
)
from autonomos_pipelines.aam.http.rate_limit import bucket_key, limiter_for, tenant_bucket_key
from autonomos_pipelines.aam.specs.spec_model import AnySpec
from autonomos_pipelines.core.redaction import Redactor
from autonomos_pipelines.core.tenant_id import TenantId


@dataclass
class HttpRuntime:
    session: requests.Session
    stats: RequestStats = field(default_factory=RequestStats)
    # the secrets of the connection using this session (added when its source is built)
    redactor: Redactor = field(default_factory=Redactor)


def http_runtime(
    spec: AnySpec,
    tenant_id: TenantId,
    redis_url: str | None = None,
    policy: RetryPolicy | None = None,
    tenant_calls_per_minute: int = 0,
    max_response_bytes: int | None = None,
) -> HttpRuntime:
    """Session limited by the spec's rate_limit on the tenant's own bucket, and by the
    tenant's api_calls_per_minute quota on a bucket all its connectors share (0: none);
    ``max_response_bytes`` overrides the policy's limit on a response body."""
    rate = spec.rate_limit
    limiter = limiter_for(redis_url)
    throttle = Throttle(
        limiter=limiter,
        key=bucket_key(tenant_id, spec.name),
        rate=rate.requests_per_second if rate else 0.0,
        burst=rate.burst if rate else 1,
    )
    shared = None
    if tenant_calls_per_minute > 0:
        per_second = tenant_calls_per_minute / 60
        shared = Throttle(
            limiter, tenant_bucket_key(tenant_id), per_second, max(1, int(per_second))
        )
    policy = policy or RetryPolicy()
    if max_response_bytes is not None:
        policy = replace(policy, max_response_bytes=max_response_bytes)
    stats, redactor = RequestStats(connector=spec.name), Redactor()
    session = guarded_session(throttle, policy, stats, shared, redactor)
    return HttpRuntime(session, stats, redactor)
