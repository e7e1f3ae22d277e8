"""Scrape-time gauges of AAM's tables: circuit breakers and drift not yet repaired, across
tenants (an admin session: a scrape sees every tenant), each query cut off after 1.5 s."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import admin_session
from autonomos_pipelines.core.metrics.timeboxed import Samples

STATEMENT_TIMEOUT = sa.text("SET LOCAL statement_timeout = 1500")
UNREPAIRED = ("open", "healing", "needs_review", "failed")


def breaker_samples(engine: Engine) -> Samples:
    with admin_session(engine) as db:
        db.execute(STATEMENT_TIMEOUT)
        rows = db.execute(
            sa.text(
                "SELECT tenant_id, connector, status, consecutive_failures "
                "FROM aam_connector_health"
            )
        ).all()
    samples: Samples = []
    for tenant, connector, status, failures in rows:
        labels = {"tenant": tenant, "connector": connector}
        samples.append(("autonomos_connector_breaker_open", labels, float(status == "degraded")))
        samples.append(("autonomos_connector_consecutive_failures", labels, float(failures)))
    return samples


def drift_samples(engine: Engine) -> Samples:
    with admin_session(engine) as db:
        db.execute(STATEMENT_TIMEOUT)
        rows = db.execute(
            sa.text(
                "SELECT tenant_id, connector, count(*), "
                "extract(epoch FROM now() - min(detected_at)) FROM drift_events "
                "WHERE status = ANY(:open) GROUP BY 1, 2"
            ),
            {"open": list(UNREPAIRED)},
        ).all()
    samples: Samples = []
    for tenant, connector, count, oldest in rows:
        labels = {"tenant": tenant, "connector": connector}
        samples.append(("autonomos_drift_unrepaired", labels, float(count)))
        samples.append(("autonomos_drift_unrepaired_oldest_seconds", labels, float(oldest)))
    return samples
