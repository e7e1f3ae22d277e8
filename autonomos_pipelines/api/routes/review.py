"""Review: the queue, one proposal, approve, reject, and proposals made by hand.

Reads need scope `read`; decisions scope `review` (and the user's reviewer or admin role,
which the workflow checks and audits). A decision on a global-baseline row changes what
every tenant inherits, so it needs scope `admin` on a principal of every tenant (a tenant's
own administrator, bound to it, may not change what other tenants inherit). A proposal needs
scope `map`: it changes nothing in effect until someone with `review` approves it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.api.routes.mapping_models import MappingRow, Rejection
from autonomos_pipelines.core.limits import PG_BIGINT_MAX, refuse
from autonomos_pipelines.dcl import review
from autonomos_pipelines.dcl.registry.refs import FieldRef


def decides_baseline(access: Access) -> bool:
    """Whether this caller may decide global-baseline rows: an admin of every tenant only."""
    return access.principal.tenant_id is None and "admin" in access.principal.scopes


router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["review"])

MappingId = Path(ge=1, le=PG_BIGINT_MAX, description="Mapping id (from the review queue)")


class ReviewQueue(BaseModel):
    pending: list[MappingRow] = Field(description="Proposed and needs_review mappings")
    conflicts: list[str] = Field(description="Proposals that disagree with what is approved")


class Approval(BaseModel):
    force: bool = Field(False, description="Approve even if another field feeds the target")


class ProposalIn(BaseModel):
    connector: str = Field(min_length=1, max_length=200)
    table: str = Field(min_length=1, max_length=1024)
    field: str = Field(min_length=1, max_length=1024)
    target: str | None = Field(description="entity.field; null: no canonical counterpart")
    transform: str = "none"
    expression: str | None = Field(
        None,
        max_length=2000,
        description="A computed mapping (e.g. `status = 'won'`), type-checked against the "
        "target and the table's observed columns before anything is stored",
    )
    reason: str = Field("", max_length=500)


@router.get("/review")
def review_queue(
    access: Access = Depends(tenant_access("read")), found: Services = Depends(services)
) -> ReviewQueue:
    """The tenant's mappings waiting for a reviewer, and the conflicts among them."""
    queue = review.review_queue(found.workflow, access.tenant_id)
    rows = [MappingRow(**review.mapping_view(row)) for row in queue.pending]
    return ReviewQueue(pending=rows, conflicts=[c.text for c in queue.conflicts])


@router.get("/review/{mapping_id}")
def show_proposal(
    mapping_id: int = MappingId,
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> MappingRow:
    """One mapping (the tenant's or the baseline's) with the evidence behind it."""
    return MappingRow(**review.mapping_view(found.workflow.get(mapping_id, access.tenant_id)))


@router.post("/review/{mapping_id}/approve")
def approve(
    body: Approval,
    mapping_id: int = MappingId,
    access: Access = Depends(tenant_access("review")),
    found: Services = Depends(services),
) -> MappingRow:
    """Approve and activate a proposal; the next canonical build uses it."""
    admin = decides_baseline(access)
    flow, actor = found.workflow, access.actor
    row = review.approve(
        flow, mapping_id, actor, body.force, access.tenant_id, admin, drift=found.schemas
    )
    return MappingRow(**review.mapping_view(row), note=review.feeding_hint(flow, row))


@router.post("/review/{mapping_id}/reject")
def reject(
    body: Rejection,
    mapping_id: int = MappingId,
    access: Access = Depends(tenant_access("review")),
    found: Services = Depends(services),
) -> MappingRow:
    """Reject a proposal; the same target is never proposed again for that field."""
    admin = decides_baseline(access)
    flow, actor = found.workflow, access.actor
    row = review.reject(
        flow, mapping_id, actor, body.reason, access.tenant_id, admin, drift=found.schemas
    )
    return MappingRow(**review.mapping_view(row))


@router.post("/mappings/proposals", status_code=201)
def propose(
    body: ProposalIn,
    access: Access = Depends(tenant_access("map")),
    found: Services = Depends(services),
) -> MappingRow:
    """Propose a target for one of the tenant's fields; it waits for review."""
    if body.connector not in found.registry.tenant_connectors(access.tenant_id):
        refuse("connector", f"{body.connector!r} is not enabled for tenant {access.tenant_id!r}")
    ref = FieldRef(access.tenant_id, body.connector, body.table, body.field)
    row = review.propose_by_hand(
        found.workflow, ref, body.target, body.transform, body.reason, access.actor,
        body.expression or None,
    )  # fmt: skip
    return MappingRow(**review.mapping_view(row))
