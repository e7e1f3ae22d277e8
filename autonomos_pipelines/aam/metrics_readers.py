"""Scrape-time gauges of AAM's tables: circuit breakers and drift not yet repaired, across
tenants (an admin session: a scrape sees every tenant), each query cut off after 1.5 s."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.aam.drift.store import UNRESOLVED
from autonomos_pipelines.core.metrics.timeboxed import Samples, scrape_rows

BREAKERS = sa.text(
    "SELECT tenant_id, connector, status, consecutive_failures FROM aam_connector_health"
)
UNREPAIRED_DRIFT = sa.text(
    "SELECT tenant_id, connector, count(*), extract(epoch FROM now() - min(detected_at)) "
    "FROM drift_events WHERE status = ANY(:open) GROUP BY 1, 2"
)


def breaker_samples(engine: Engine, enabled: Collection[tuple[str, str]]) -> Samples:
    """The breakers of the enabled (tenant, connector) pairs (the registry's
    tenant_connectors; the caller reads them, AAM does not), as the status view shows them."""
    (rows,) = scrape_rows(engine, BREAKERS)
    samples: Samples = []
    for tenant, connector, status, failures in rows:
        if (tenant, connector) not in enabled:
            continue
        labels = {"tenant": tenant, "connector": connector}
        samples.append(("autonomos_connector_breaker_open", labels, float(status == "degraded")))
        samples.append(("autonomos_connector_consecutive_failures", labels, float(failures)))
    return samples


def drift_samples(engine: Engine) -> Samples:
    (rows,) = scrape_rows(engine, UNREPAIRED_DRIFT, open=list(UNRESOLVED))
    samples: Samples = []
    for tenant, connector, count, oldest in rows:
        labels = {"tenant": tenant, "connector": connector}
        samples.append(("autonomos_drift_unrepaired", labels, float(count)))
        samples.append(("autonomos_drift_unrepaired_oldest_seconds", labels, float(oldest)))
    return samples
