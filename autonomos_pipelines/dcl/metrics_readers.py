"""Scrape-time gauges of the DCL's tables: the review queue per tenant, and active
connectors against the max_active_connectors quota (an admin session: every tenant)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.metrics.timeboxed import Samples, scrape_rows

REVIEW_QUEUE = sa.text(
    "SELECT t.tenant, count(m.id), coalesce(extract(epoch FROM now() - min(m.created_at)), 0) "
    "FROM (SELECT tenant_id AS tenant FROM tenants UNION SELECT NULL) t "
    "LEFT JOIN field_mappings m ON m.tenant_id IS NOT DISTINCT FROM t.tenant "
    "AND m.status IN ('proposed', 'needs_review') GROUP BY 1"
)
ACTIVE_CONNECTORS = sa.text("SELECT tenant_id, count(*) FROM tenant_connectors GROUP BY 1")


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


def active_connector_samples(engine: Engine) -> Samples:
    (rows,) = scrape_rows(engine, ACTIVE_CONNECTORS)
    return [
        ("autonomos_quota_used", {"tenant": t, "quota": "max_active_connectors"}, float(n))
        for t, n in rows
    ]
