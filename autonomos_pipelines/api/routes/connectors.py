"""The tenant's connectors with their health (scope `read`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from autonomos_pipelines.aam.connector_status import connector_statuses
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.services import Services, services

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["connectors"])


class Connector(BaseModel):
    name: str
    domain: str
    entities: list[str]
    enabled: bool
    status: str = Field(description="disabled, enabled, not run, healthy or degraded")
    breaker: str = Field(description="closed: loads run; open: skipped until a probe succeeds")
    consecutive_failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    degraded_since: datetime | None


@router.get("/connectors")
def list_connectors(
    access: Access = Depends(tenant_access("read")), found: Services = Depends(services)
) -> list[Connector]:
    """Every catalogue connector: enabled for the tenant or not, and its circuit breaker.
    Error texts of failed loads are not returned (see the Dagster run logs)."""
    enabled = found.registry.tenant_connectors(access.tenant_id)
    health = HealthStore(found.engine)
    return [
        Connector(**asdict(status))
        for status in connector_statuses(health, access.tenant_id, enabled)
    ]
