"""Value mappings: a field's value map, the review queue, decisions, edits by hand, history
and rollback - what `autonomos mappings values|set-value|value-history|value-rollback` and
`autonomos review` (v-ids) do, over HTTP.

Reads need scope `read`; decisions, edits and rollbacks scope `review` and the user's
reviewer or admin role (checked and audited by the workflow). A decision on a global-baseline
row needs scope `admin` on a principal of every tenant, as for field mappings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.api.routes.mapping_models import Rejection
from autonomos_pipelines.api.routes.review import decides_baseline
from autonomos_pipelines.api.routes.value_models import (
    FieldValueMap,
    SeenValue,
    ValueQueue,
    ValueRollback,
    ValueRow,
    ValueSet,
)
from autonomos_pipelines.core.limits import PG_BIGINT_MAX
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.value_refs import MAX_VALUE_CHARS, ValueRef
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from autonomos_pipelines.dcl.value_review import decide_value, field_values

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["value mappings"])

ValueId = Path(ge=1, le=PG_BIGINT_MAX, description="Value-mapping id (v<id> in the CLI)")


def _flow(found: Services) -> ValueWorkflow:
    return ValueWorkflow(found.workflow)


def _value_ref(access: Access, body: ValueSet | ValueRollback) -> ValueRef:
    return ValueRef(FieldRef(access.tenant_id, body.connector, body.table, body.field),
                    body.source_value)  # fmt: skip


@router.get("/values")
def value_map(
    connector: str = Query(min_length=1, max_length=200),
    table: str = Query(min_length=1, max_length=1024),
    field: str = Query(min_length=1, max_length=1024),
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> FieldValueMap:
    """A field's value map: the enumeration it feeds, its active value mappings (own and
    inherited), the proposals waiting, and every value the last pass saw with its state."""
    ref = FieldRef(access.tenant_id, connector, table, field)
    flow = _flow(found)
    values, store = field_values(flow, ref), flow.store
    return FieldValueMap(
        target=values.target,
        canonical_values=list(values.canonical_values),
        # the full rows (who approved, when): an enumeration has a handful of values
        active=[ValueRow.of(store.get(m.id, access.tenant_id)) for m in values.active],
        pending=[ValueRow.of(row) for row in values.pending],
        seen=[SeenValue(value=v, rows=n, state=s) for v, n, s in values.seen],
    )


@router.get("/values/review")
def value_queue(
    access: Access = Depends(tenant_access("read")), found: Services = Depends(services)
) -> ValueQueue:
    """The tenant's value mappings waiting for a reviewer."""
    return ValueQueue(
        pending=[ValueRow.of(r) for r in _flow(found).store.pending(access.tenant_id)]
    )


@router.get("/values/review/{value_id}")
def show_value(
    value_id: int = ValueId,
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> ValueRow:
    """One value mapping (the tenant's or the baseline's) with the evidence behind it."""
    return ValueRow.of(_flow(found).store.get(value_id, access.tenant_id))


@router.post("/values/review/{value_id}/approve")
def approve_value(
    value_id: int = ValueId,
    access: Access = Depends(tenant_access("review")),
    found: Services = Depends(services),
) -> ValueRow:
    """Approve and activate a value-mapping proposal; the next canonical build applies it."""
    row = decide_value(_flow(found), value_id, access.actor, "approve", access.tenant_id,
                       decides_baseline(access))  # fmt: skip
    return ValueRow.of(row)


@router.post("/values/review/{value_id}/reject")
def reject_value(
    body: Rejection,
    value_id: int = ValueId,
    access: Access = Depends(tenant_access("review")),
    found: Services = Depends(services),
) -> ValueRow:
    """Reject a value-mapping proposal; that value is never proposed again for the field."""
    row = decide_value(_flow(found), value_id, access.actor, "reject", access.tenant_id,
                       decides_baseline(access), body.reason)  # fmt: skip
    return ValueRow.of(row)


@router.put("/values", status_code=201)
def set_value(
    body: ValueSet,
    access: Access = Depends(tenant_access("review")),
    found: Services = Depends(services),
) -> ValueRow:
    """Map one source value onto a value of the field's canonical set, by hand: a new active
    version for this tenant (refused, naming the set, for a value outside it)."""
    flow = _flow(found)
    new_id = flow.set(_value_ref(access, body), body.canonical_value, access.actor, body.reason)
    return ValueRow.of(flow.store.get(new_id, access.tenant_id))


@router.get("/values/history")
def value_history(
    connector: str = Query(min_length=1, max_length=200),
    table: str = Query(min_length=1, max_length=1024),
    field: str = Query(min_length=1, max_length=1024),
    value: str = Query(min_length=1, max_length=MAX_VALUE_CHARS),
    access: Access = Depends(tenant_access("read")),
    found: Services = Depends(services),
) -> list[ValueRow]:
    """Every version of one source value's mapping: the baseline's, then the tenant's."""
    ref = ValueRef(FieldRef(access.tenant_id, connector, table, field), value)
    return [ValueRow.of(row) for row in _flow(found).store.history(ref)]


@router.post("/values/rollback", status_code=201)
def rollback_value(
    body: ValueRollback,
    access: Access = Depends(tenant_access("review")),
    found: Services = Depends(services),
) -> ValueRow:
    """Restore one of the tenant's earlier versions of a value mapping as a new version."""
    flow = _flow(found)
    new_id = flow.rollback(_value_ref(access, body), body.version, access.actor)
    return ValueRow.of(flow.store.get(new_id, access.tenant_id))
