"""Scrape-time quota gauges: each tenant's limits and what it used of the quota counted in
tenant_usage (canonical rows in the last 60 minutes). The tenants are those with usage in
the last 31 days or a quota of their own; an admin session, cut off after 1.5 s. The use of
max_active_connectors and llm_calls_per_month is the DCL's (dcl/metrics_readers.py: the
tables the quotas are enforced from)."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.metrics.timeboxed import Samples, scrape_rows
from autonomos_pipelines.core.quotas import QUOTAS

USED = sa.text(
    "SELECT tenant_id, "
    "sum(amount * CASE WHEN hour = date_trunc('hour', now()) THEN 1 ELSE "
    "greatest(0, 1 - extract(epoch FROM now() - date_trunc('hour', now())) / 3600) END) "
    "FILTER (WHERE metric = 'rows_produced' AND hour >= date_trunc('hour', now()) - "
    "interval '1 hour') "
    "FROM tenant_usage WHERE hour >= now() - interval '31 days' "
    "GROUP BY 1"
)
OVERRIDES = sa.text("SELECT tenant_id, quota, quota_limit FROM tenant_quotas")


def quota_samples(engine: Engine, defaults: Mapping[str, int]) -> Samples:
    used, overrides = scrape_rows(engine, USED, OVERRIDES)
    limits = {
        tenant: {name: defaults.get(name, spec.default) for name, spec in QUOTAS.items()}
        for tenant in {row[0] for row in used} | {row[0] for row in overrides}
    }
    for tenant, quota, limit in overrides:
        if quota in QUOTAS:
            limits[tenant][quota] = int(limit)
    samples: Samples = [
        ("autonomos_quota_limit", {"tenant": tenant, "quota": name}, float(limit))
        for tenant, by_name in sorted(limits.items())
        for name, limit in by_name.items()
    ]
    for tenant, rows in used:
        labels = {"tenant": tenant, "quota": "canonical_rows_per_hour"}
        samples.append(("autonomos_quota_used", labels, float(rows or 0)))
    return samples
