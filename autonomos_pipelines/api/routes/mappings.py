"""Mappings: the active ones that apply to a tenant, a field's history, and rollback.

Reads need scope `read`; a rollback (a new active version) needs scope `review` and the
user's reviewer or admin role. A tenant rolls back its own versions only; the global
baseline's are changed by an operator (`autonomos mappings rollback` without --tenant)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.api.routes.mapping_models import MappingRow
from autonomos_pipelines.core.limits import PG_INTEGER_MAX, refuse
from autonomos_pipelines.dcl import review
from autonomos_pipelines.dcl.registry import listing
from autonomos_pipelines.dcl.registry.expression_checks import check_for_target, observed_table_of
from autonomos_pipelines.dcl.registry.refs import FieldRef

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["mappings"])


class ActiveMapping(BaseModel):
    id: int
    connector: str
    source_table: str
    source_field: str
    target: str | None = Field(description="entity.field; None: no canonical counterpart")
    transform: str
    expression: str | None = Field(
        default=None, description="a computed mapping's expression, else None"
    )
    confidence: float | None
    method: str
    version: int
    scope: str = Field(description="tenant (its own) or global (inherited from the baseline)")


class ActiveMappings(BaseModel):
    mappings: list[ActiveMapping]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; None: end")


class Rollback(BaseModel):
    connector: str = Field(min_length=1, max_length=200)
    table: str = Field(min_length=1, max_length=1024)
    field: str = Field(min_length=1, max_length=1024)
    version: int = Field(ge=1, le=PG_INTEGER_MAX, description="Version to restore")


class ExpressionCheck(BaseModel):
    expression: str = Field(min_length=1, max_length=2000)
    target: str | None = Field(None, description="entity.field it would feed (type must fit)")
    connector: str | None = Field(None, min_length=1, max_length=200)
    table: str | None = Field(
        None, min_length=1, max_length=1024, description="With connector: check the columns"
    )


class CheckedExpression(BaseModel):
    type: str = Field(description="The expression's type")
    columns: list[str] = Field(description="The columns it reads")
    table_observed: bool = Field(description="False: columns unknown, every one read as text")


@router.post("/mappings/check-expression")
def check_expression_route(
    body: ExpressionCheck,
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> CheckedExpression:
    """Parse and type-check an expression without storing anything: its type and the columns
    it reads, or a 422 problem naming the position and reason (`autonomos mappings
    check-expression` also prints the SQL it compiles to)."""
    columns, lists = None, None
    if (body.connector is None) != (body.table is None):
        refuse("table", "connector and table name a table together: give both or neither")
    if body.connector and body.table:
        ref = FieldRef(access.tenant_id, body.connector, body.table, "-")
        columns, lists = observed_table_of(found.workflow, ref)
    checked = check_for_target(body.expression, body.target, columns, lists=lists)
    return CheckedExpression(
        type=checked.type,
        columns=sorted(checked.columns),
        table_observed=columns is not None,
    )


@router.get("/mappings")
def active_mappings(
    limit: int = Query(100, ge=1, le=1000, description="Mappings per page"),
    cursor: str | None = Query(None, max_length=4096, description="next_cursor of a page"),
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> ActiveMappings:
    """The active mappings that apply to the tenant: its own, and the global baseline's for
    fields it has not overridden, ordered by connector, table and field."""
    page, next_cursor = listing.active_page(found.registry, access.tenant_id, limit, cursor)
    rows = [ActiveMapping(**listing.mapping_entry(m)) for m in page]
    return ActiveMappings(mappings=rows, next_cursor=next_cursor)


@router.get("/mappings/history")
def history(
    connector: str = Query(min_length=1, max_length=200),
    table: str = Query(min_length=1, max_length=1024),
    field: str = Query(min_length=1, max_length=1024),
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> list[MappingRow]:
    """Every version of a field's mapping, the baseline's first, then the tenant's, oldest
    first within each."""
    rows = found.workflow.history(FieldRef(access.tenant_id, connector, table, field))
    return [MappingRow(**review.mapping_view(row)) for row in rows]


@router.post("/mappings/rollback", status_code=201)
def rollback(
    body: Rollback,
    access: Access = Depends(tenant_access("review")),
    found: Services = Depends(services),
) -> MappingRow:
    """Restore one of the tenant's earlier versions of a field as a new active version."""
    ref = FieldRef(access.tenant_id, body.connector, body.table, body.field)
    new_id = found.workflow.rollback(ref, body.version, access.actor)
    return MappingRow(**review.mapping_view(found.workflow.get(new_id, access.tenant_id)))
