"""The tenant's usage and quotas (scope `read`)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.core.limits import MAX_USAGE_DAYS
from autonomos_pipelines.core.usage import UsageMeter
from autonomos_pipelines.dcl.registry.tenant_usage import quota_states, usage_totals

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["tenants"])


class Usage(BaseModel):
    days: int
    totals: dict[str, float] = Field(
        description="records_fetched, api_calls, rows_produced, llm_calls, llm_cost_usd"
    )


class Quota(BaseModel):
    name: str
    limit: int
    source: str = Field(description="tenant (an override) or default (the environment's)")
    used: float | None = Field(description="What the limit is checked against; None: a rate")
    meaning: str


@router.get("/usage")
def usage(
    days: int = Query(30, ge=1, le=MAX_USAGE_DAYS, description="Days back, today included"),
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> Usage:
    """What the tenant used over the last `days` days (UTC), per metric."""
    totals = usage_totals(UsageMeter(found.engine), access.tenant_id, days)
    return Usage(days=days, totals=totals[access.tenant_id])


@router.get("/quotas")
def quotas(
    access: Access = Depends(tenant_access("read")), found: Services = Depends(services)
) -> list[Quota]:
    """Every quota of the tenant: limit, where it comes from, and what it has used."""
    states = quota_states(found.registry, found.registry.quotas, access.tenant_id)
    return [Quota(**asdict(state)) for state in states]
