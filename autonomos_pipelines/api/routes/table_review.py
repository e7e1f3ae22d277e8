"""Review a source table's proposals together (`autonomos review tables` and `approve-table`
over HTTP): its key first, then its other fields, most confident first; what a person must
still weigh is left with why. Listing needs scope `read`; deciding scope `review` (and the
user's reviewer or admin role, which the workflow checks and audits); only the tenant's own
proposals, never the baseline's."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.api.routes.mapping_models import MappingRow
from autonomos_pipelines.dcl import review, table_review
from autonomos_pipelines.dcl.matching.thresholds import REVIEW

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["review"])


class PendingTableOut(BaseModel):
    connector: str
    table: str
    pending: int = Field(description="Fields with a proposal waiting")
    key: MappingRow | None = Field(description="The key's proposal (decides what it feeds)")


@router.get("/review/tables")
def pending_tables(
    access: Access = Depends(tenant_access("read")), found: Services = Depends(services)
) -> list[PendingTableOut]:
    """The tenant's source tables with proposals waiting, each with its key's proposal."""
    return [
        PendingTableOut(
            connector=t.connector,
            table=t.table,
            pending=len(t.rows),
            key=MappingRow(**review.mapping_view(t.key)) if t.key else None,
        )
        for t in table_review.pending_tables(found.workflow, access.tenant_id)
    ]


class TableApprovalIn(BaseModel):
    min_confidence: float = Field(REVIEW, ge=0.0, le=1.0, description="Leave any below this")
    dry_run: bool = Field(False, description="Say what would be approved and left; decide nothing")


class LeftRow(BaseModel):
    mapping: MappingRow
    why: str = Field(description="Why a person must still weigh it")


class TableApprovalOut(BaseModel):
    entity: str | None = Field(description="What the table feeds: its key's entity, else most")
    approved: list[MappingRow] = Field(description="Approved (with dry_run: would be), in order")
    left: list[LeftRow] = Field(description="Left for a person, with why")
    note: str | None = Field(
        default=None, description="What the table still needs before a canonical row gets them"
    )


@router.post("/review/tables/{connector}/{table}/approve")
def approve_table(
    body: TableApprovalIn,
    connector: str = Path(min_length=1, max_length=200),
    table: str = Path(min_length=1, max_length=1024),
    access: Access = Depends(tenant_access("review")),
    found: Services = Depends(services),
) -> TableApprovalOut:
    """Approve a source table's new mappings together, its key first; what a person must weigh
    apart (below `min_confidence`, flagged, no counterpart, a replacement, another entity's
    target, a target another field feeds, older versions) is left with why."""
    flow = found.workflow
    done = table_review.approve_table(
        flow, access.tenant_id, connector, table, access.actor, body.min_confidence,
        drift=found.schemas, dry_run=body.dry_run,
    )  # fmt: skip
    decided = done.approved and not body.dry_run
    return TableApprovalOut(
        entity=done.entity,
        approved=[MappingRow(**review.mapping_view(row)) for row in done.approved],
        left=[LeftRow(mapping=MappingRow(**review.mapping_view(r)), why=w) for r, w in done.left],
        note=review.feeding_hint(flow, done.approved[0]) if decided else None,
    )
