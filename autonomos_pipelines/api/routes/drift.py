"""Schema drift events of the tenant's sources (scope `read`): detected by the observer,
repaired or waiting for review by the DCL."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from autonomos_pipelines.aam.drift import report
from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.core.limits import PG_BIGINT_MAX

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["drift"])

EventStatus = Literal["open", "healing", "needs_review", "repaired", "failed", "dismissed"]


class DriftEvent(BaseModel):
    id: int
    tenant_id: str
    connector: str
    source_table: str
    status: str
    changes: list[dict[str, Any]] = Field(description="added / removed / type / rename")
    detected_at: datetime
    resolved_at: datetime | None
    detection_window_seconds: float | None = Field(
        description="At most this long passed between the change and its detection"
    )
    repair_seconds: float | None
    unresolved: bool = Field(description="Not settled yet (open, healing, needs_review, failed)")


class DriftEventDetail(DriftEvent):
    unchanged_at: datetime | None
    old_fingerprint: str
    new_fingerprint: str
    repairs: list[dict[str, Any]] = Field(description="What the DCL did or proposes")


class DriftEvents(BaseModel):
    events: list[DriftEvent]
    next_after: int | None = Field(description="Pass as `after` for the next page; None: end")


@router.get("/drift/events")
def list_events(
    status: EventStatus | None = Query(None),
    connector: str | None = Query(None, min_length=1, max_length=200),
    after: int = Query(0, ge=0, le=PG_BIGINT_MAX, description="Events with a larger id"),
    limit: int = Query(100, ge=1, le=1000),
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> DriftEvents:
    """The tenant's drift events, oldest first, filtered by status and connector."""
    store = found.schemas
    page, next_after = report.events_page(store, access.tenant_id, limit, after, status, connector)
    return DriftEvents(
        events=[DriftEvent(**report.event_summary(e)) for e in page], next_after=next_after
    )


@router.get("/drift/events/{event_id}")
def show_event(
    event_id: int = Path(ge=1, le=PG_BIGINT_MAX, description="Drift event id"),
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> DriftEventDetail:
    """One event: its changes, the schema fingerprints before and after, and the repairs."""
    store = found.schemas
    event = report.find_event(store, event_id, access.tenant_id)
    return DriftEventDetail(**report.event_detail(store, event))
