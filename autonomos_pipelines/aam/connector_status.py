"""Each connector of the catalogue with its state for one tenant: enabled or not, and the
circuit breaker's view (healthy / degraded, failures in a row, last success and failure).
Shared by `autonomos connectors list --tenant` and GET /v1/tenants/{t}/connectors."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from autonomos_pipelines.aam.health import Health, HealthStore
from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.core.tenant_id import TenantId


@dataclass(frozen=True)
class ConnectorStatus:
    name: str
    domain: str
    entities: list[str]
    enabled: bool
    status: str  # disabled | enabled, not run | healthy | degraded
    breaker: str  # closed (loads run) | open (loads skipped until a probe succeeds)
    consecutive_failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    degraded_since: datetime | None

    def label(self) -> str:
        """The one-word-or-so status the CLI prints."""
        if self.status == "degraded":
            return f"degraded ({self.consecutive_failures} failed runs)"
        return self.status


def _status(enabled: bool, health: Health | None) -> str:
    if not enabled:
        return "disabled"
    return "enabled, not run" if health is None else health.status


def connector_statuses(
    health: HealthStore, tenant_id: TenantId, enabled: Collection[str]
) -> list[ConnectorStatus]:
    """Every catalogue connector for the tenant, `enabled` naming its active ones (the
    registry's tenant_connectors; the caller reads them, AAM does not)."""
    healths = health.for_tenant(tenant_id)
    found = []
    for name, spec in default_specs().items():
        seen = healths.get(name)
        found.append(
            ConnectorStatus(
                name,
                spec.domain,
                list(spec.entities),
                name in enabled,
                _status(name in enabled, seen),
                "open" if seen is not None and seen.degraded else "closed",
                seen.consecutive_failures if seen else 0,
                seen.last_success_at if seen else None,
                seen.last_failure_at if seen else None,
                seen.degraded_since if seen else None,
            )
        )
    return found
