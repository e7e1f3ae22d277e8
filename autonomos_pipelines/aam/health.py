"""Circuit breaker per tenant and connector, kept in Postgres so every process sees it.

After ``threshold`` consecutive failed loads a connector is *degraded*: its loads are skipped
(with that status in Dagster) until a probe — one page of its first resource — succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.metrics.definitions import CONNECTOR_LOADS
from autonomos_pipelines.core.tenant_id import TenantId

DEFAULT_THRESHOLD = 3
HEALTHY, DEGRADED = "healthy", "degraded"


@dataclass(frozen=True)
class Health:
    tenant_id: TenantId
    connector: str
    status: str = HEALTHY
    consecutive_failures: int = 0
    last_error: str | None = None
    last_success_at: datetime | None = None
    degraded_since: datetime | None = None
    last_failure_at: datetime | None = None

    @property
    def degraded(self) -> bool:
        return self.status == DEGRADED


_COLUMNS = (
    "tenant_id, connector, status, consecutive_failures, last_error, last_success_at, "
    "degraded_since, last_failure_at"
)


class HealthStore:
    def __init__(self, engine: Engine, threshold: int = DEFAULT_THRESHOLD) -> None:
        self.engine, self.threshold = engine, threshold

    def get(self, tenant_id: TenantId, connector: str) -> Health:
        with tenant_session(self.engine, tenant_id) as db:
            row = db.execute(
                sa.text(
                    f"SELECT {_COLUMNS} FROM aam_connector_health "  # noqa: S608
                    "WHERE tenant_id = :t AND connector = :c"
                ),
                {"t": tenant_id, "c": connector},
            ).first()
        return Health(*row) if row else Health(tenant_id, connector)

    def for_tenant(self, tenant_id: TenantId) -> dict[str, Health]:
        with tenant_session(self.engine, tenant_id) as db:
            rows = db.execute(
                sa.text(f"SELECT {_COLUMNS} FROM aam_connector_health WHERE tenant_id = :t"),  # noqa: S608
                {"t": tenant_id},
            ).all()
        return {row.connector: Health(*row) for row in rows}

    def record_success(self, tenant_id: TenantId, connector: str) -> Health:
        CONNECTOR_LOADS.labels(tenant_id, connector, "success").inc()
        return self._write(
            tenant_id,
            connector,
            "status = 'healthy', consecutive_failures = 0, last_error = NULL, "
            "last_success_at = now(), degraded_since = NULL",
            None,
        )

    def record_failure(self, tenant_id: TenantId, connector: str, error: str) -> Health:
        CONNECTOR_LOADS.labels(tenant_id, connector, "failure").inc()
        return self._write(
            tenant_id,
            connector,
            "consecutive_failures = h.consecutive_failures + 1, last_error = :error, "
            "last_failure_at = now(), "
            "status = CASE WHEN h.consecutive_failures + 1 >= :threshold THEN 'degraded' "
            "ELSE h.status END, "
            "degraded_since = CASE WHEN h.consecutive_failures + 1 >= :threshold "
            "THEN coalesce(h.degraded_since, now()) ELSE h.degraded_since END",
            error[:2000],
        )

    def _write(
        self, tenant_id: TenantId, connector: str, assignments: str, error: str | None
    ) -> Health:
        with tenant_session(self.engine, tenant_id) as db:
            db.execute(
                sa.text(
                    "INSERT INTO aam_connector_health (tenant_id, connector, status) "
                    "VALUES (:t, :c, 'healthy') ON CONFLICT DO NOTHING"
                ),
                {"t": tenant_id, "c": connector},
            )
            db.execute(
                sa.text(
                    f"UPDATE aam_connector_health h SET {assignments}, updated_at = now() "  # noqa: S608
                    "WHERE h.tenant_id = :t AND h.connector = :c"
                ),
                {"t": tenant_id, "c": connector, "error": error, "threshold": self.threshold},
            )
        return self.get(tenant_id, connector)
