"""Scrape-time gauges of the DCL's tables (an admin session: every tenant): the review queue
per tenant, the use of the quotas the DCL counts (active connectors, LLM calls this month),
and which connectors are enabled — as the CLI, the status view and the review gate see them
(tenant_connectors.status 'active'; a disabled connector is neither counted nor shown)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.metrics.timeboxed import Samples, scrape_rows

# a tenant's proposals count when their connector is enabled (the review gate's rule); the
# global baseline's serve every tenant and always count
REVIEW_QUEUE = sa.text(
    "SELECT t.tenant, count(m.id), coalesce(extract(epoch FROM now() - min(m.created_at)), 0) "
    "FROM (SELECT tenant_id AS tenant FROM tenants UNION SELECT NULL) t "
    "LEFT JOIN field_mappings m ON m.tenant_id IS NOT DISTINCT FROM t.tenant "
    "AND m.status IN ('proposed', 'needs_review') AND (m.tenant_id IS NULL OR EXISTS ("
    "SELECT 1 FROM tenant_connectors c WHERE c.tenant_id = m.tenant_id "
    "AND c.connector = m.connector AND c.status = 'active')) GROUP BY 1"
)
ENABLED = sa.text("SELECT tenant_id, connector FROM tenant_connectors WHERE status = 'active'")
# every tenant with a connector, 0 once it disabled them all (a gauge that vanished would not)
ACTIVE_CONNECTORS = sa.text(
    "SELECT tenant_id, count(*) FILTER (WHERE status = 'active') FROM tenant_connectors GROUP BY 1"
)
# what PgUsageLedger.reserve counts against llm_calls_per_month
LLM_CALLS = sa.text(
    "SELECT tenant_id, calls FROM llm_usage WHERE month = date_trunc('month', now())::date"
)


def review_queue_samples(engine: Engine) -> Samples:
    """Proposals waiting per tenant (the global baseline's as tenant `_global`); every
    tenant appears, with 0 when nothing waits, so a queue that empties is seen to."""
    (rows,) = scrape_rows(engine, REVIEW_QUEUE)
    samples: Samples = []
    for tenant, depth, oldest in rows:
        labels = {"tenant": tenant or "_global"}
        samples.append(("autonomos_review_queue_depth", labels, float(depth)))
        samples.append(("autonomos_review_queue_oldest_seconds", labels, float(oldest)))
    return samples


def enabled_connectors(engine: Engine) -> set[tuple[str, str]]:
    (rows,) = scrape_rows(engine, ENABLED)
    return {(tenant, connector) for tenant, connector in rows}


def quota_use_samples(engine: Engine) -> Samples:
    connectors, llm_calls = scrape_rows(engine, ACTIVE_CONNECTORS, LLM_CALLS)
    return [
        ("autonomos_quota_used", {"tenant": tenant, "quota": quota}, float(used))
        for quota, rows in (
            ("max_active_connectors", connectors),
            ("llm_calls_per_month", llm_calls),
        )
        for tenant, used in rows
    ]
