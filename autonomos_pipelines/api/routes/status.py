"""The tenant's status view (scope `read`): the same seven panels as `autonomos status
--tenant T --json`, except failed runs, which live in the Dagster instance the API never opens
(that panel is `skipped`, names the CLI command and leaves the overall verdict alone). A panel
whose source cannot be read shows the error's class only: the detail (hosts, ports, users) is
in the service's log, not in the answer to a read token."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.status.gather import tenant_status

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["status"])


class StatusLine(BaseModel):
    text: str
    level: str = Field(
        description="ok, warn, fail, unknown (its source could not be read) or skipped (not "
        "read here: the failures panel; not counted in the overall verdict)"
    )
    command: str | None = Field(description="What to run about it (problems only)")


class StatusPanel(BaseModel):
    name: str
    title: str
    verdict: str = Field(description="The worst level of its lines (skipped ranks below ok)")
    summary: str
    figures: dict[str, float]
    lines: list[StatusLine]
    problems: list[StatusLine]


class Status(BaseModel):
    tenant: str
    generated_at: datetime
    verdict: str
    panels: list[StatusPanel]


@router.get("/status")
def status(
    access: Access = Depends(tenant_access("read")), found: Services = Depends(services)
) -> Status:
    """Connector health, sync freshness, mapping coverage and review queue, drift, quotas and
    usage, LLM cost, each with its verdict and, per problem, the command to run."""
    quotas, redis_url = found.registry.quotas, found.settings.redis_url
    view = tenant_status(found.engine, access.tenant_id, quotas, redis_url, None, detail=False)
    return Status.model_validate(view.as_dict())
