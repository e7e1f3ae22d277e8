"""The review side of the workflow as the CLI and the HTTP API share it: the queue, one row
seen from a tenant, decisions confined to what that tenant can see, proposals by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autonomos_pipelines.core.audit import Actor
from autonomos_pipelines.core.limits import refuse
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.drift.events import WaitingEvents
from autonomos_pipelines.dcl.drift.settle import nested_in, settle_decided
from autonomos_pipelines.dcl.model.canonical_model import canonical_model, has_field, is_identity
from autonomos_pipelines.dcl.model.transforms import TRANSFORMS
from autonomos_pipelines.dcl.registry.refs import FieldRef, PermissionDenied, row_value
from autonomos_pipelines.dcl.registry.table_key import table_key
from autonomos_pipelines.dcl.registry.workflow import OnDecided, Workflow

VIEW_COLUMNS = (
    "id", "tenant_id", "connector", "source_table", "source_field", "transform", "confidence",
    "method", "status", "version", "is_active", "approved_by", "approved_at", "created_by",
    "created_at", "reason", "expression",
)  # fmt: skip


@dataclass(frozen=True)
class Conflict:
    tenant_id: TenantId
    text: str

    def line(self) -> str:
        """The same line whether one tenant's queue or everyone's is listed."""
        return f"conflict: {self.tenant_id}: {self.text}"


@dataclass(frozen=True)
class ReviewQueue:
    pending: list[dict]  # proposed and needs_review rows
    conflicts: list[Conflict]


def review_queue(workflow: Workflow, tenant_id: TenantId | None) -> ReviewQueue:
    """What waits for a reviewer: one tenant's pending rows and conflicts, or (None) every
    tenant's and the baseline's pending rows and every tenant's conflicts. Conflicts compare
    with what applies to one tenant, so they are found tenant by tenant either way."""
    pending = workflow.pending(tenant_id)
    tenants = [tenant_id] if tenant_id else workflow.registry.tenants()
    conflicts = [Conflict(t, text) for t in tenants for text in workflow.conflicts(t)]
    return ReviewQueue(pending, conflicts)


def mapping_view(row: Any) -> dict:
    """A mapping row as data: its columns, `target` as entity.field, and whether it is the
    tenant's own or the global baseline's."""
    view = {column: row[column] for column in VIEW_COLUMNS}
    view["target"] = row_value(row)["target"]
    view["scope"] = "global" if row["tenant_id"] is None else "tenant"
    view["candidates"] = [
        {"target": c["target"], "confidence": c["confidence"]}
        for c in (row.get("evidence") or {}).get("candidates", [])  # read without: none
    ]
    return view


def _decidable(
    workflow: Workflow, mapping_id: int, within: TenantId | None, global_allowed: bool
) -> None:
    """The row must be visible to `within` (None: the operator sees all); a baseline row,
    which every tenant inherits, only when `global_allowed`."""
    row = workflow.get(mapping_id, within)  # UnknownMapping when RLS hides it from `within`
    if row["tenant_id"] is None and not global_allowed:
        raise PermissionDenied(
            f"mapping {mapping_id} belongs to the global baseline every tenant inherits: "
            "deciding on it needs an all-tenant admin (scope 'admin' over HTTP)"
        )


def _settling(drift: WaitingEvents) -> OnDecided:
    """In the decision's transaction: the drift events of the decided row's table that
    waited for review are repaired once no proposal of that table is left."""

    def settle(db: Any, row: Any) -> None:
        if row["tenant_id"] is not None:  # drift repairs are always the tenant's own rows
            tenant = TenantId(row["tenant_id"])
            tables = nested_in(db, tenant, (row["connector"], row["source_table"]), drift)
            settle_decided(db, tenant, tables, drift)

    return settle


def approve(
    workflow: Workflow,
    mapping_id: int,
    actor: Actor | str,
    force: bool,
    within: TenantId | None,
    global_allowed: bool = True,
    *,
    drift: WaitingEvents,
) -> dict:
    """Approve a proposal that `within` (None: the operator, everything) can see; a drift
    event waiting on it follows in the same transaction (`drift`: AAM's events)."""
    _decidable(workflow, mapping_id, within, global_allowed)
    return workflow.approve(mapping_id, actor, force, on_decided=_settling(drift))


def feeding_hint(workflow: Workflow, row: dict) -> str | None:
    """What the table of an approved ``row`` still needs before the row reaches a canonical
    row: a table feeds an entity once its key is mapped to the entity's identity field
    (canonical/sql_builder.SourceTable.feeds), with the proposals waiting for that; None
    when it does, or the row maps nothing."""
    entity, field = row["canonical_entity"], row["canonical_field"]
    if not entity or not field or is_identity(f"{entity}.{field}"):
        return None
    identity = canonical_model()[entity].identity_field
    key = table_key(
        workflow.registry.engine, row["tenant_id"], row["connector"], row["source_table"],
        entity, identity,
    )  # fmt: skip
    if key.mapped:
        return None
    hint = (
        f"{row['connector']}.{row['source_table']} feeds no canonical {entity} row until a "
        f"field of it is mapped to {entity}.{identity}"
    )
    waiting = ", ".join(f"{mapping_id} ({name})" for mapping_id, name in key.waiting)
    return hint + (f"; waiting for review: {waiting}" if waiting else "")


def reject(
    workflow: Workflow,
    mapping_id: int,
    actor: Actor | str,
    reason: str,
    within: TenantId | None,
    global_allowed: bool = True,
    *,
    drift: WaitingEvents,
) -> dict:
    """Reject a proposal that `within` (None: the operator, everything) can see; a drift
    event waiting on it follows in the same transaction."""
    _decidable(workflow, mapping_id, within, global_allowed)
    return workflow.reject(mapping_id, actor, reason, on_decided=_settling(drift))


def propose_by_hand(  # noqa: PLR0913
    workflow: Workflow,
    ref: FieldRef,
    target: str | None,
    transform: str,
    reason: str,
    actor: str,
    expression: str | None = None,
) -> dict:
    """A person's proposal for a field: pending review like any other (method `manual`).
    The target, transform and expression are checked first, so a typo is named as such."""
    if target is not None and not has_field(*(target.split(".", 1) + [""])[:2]):
        refuse("target", f"{target!r} is not a field of the canonical model (entity.field)")
    if transform not in TRANSFORMS:
        refuse("transform", f"unknown transform {transform!r}; one of {', '.join(TRANSFORMS)}")
    why = reason or f"proposed by {actor}"
    mapping_id = workflow.propose(
        ref, target, 1.0, "manual", actor, transform=transform, reason=why, expression=expression
    )
    return workflow.get(mapping_id, ref.tenant_id)
