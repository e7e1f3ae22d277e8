"""Drift between the two halves: AAM's open drift events handed to the DCL, and the DCL's
decision on each recorded back on AAM's event. Neither half imports the other; this is where
they meet."""

from __future__ import annotations

from dagster import AssetExecutionContext

from autonomos_pipelines.aam.drift.store import DriftEvent, SchemaStore
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.drift.events import DriftInput, Repair
from autonomos_pipelines.dcl.drift.repair import repair_drift
from autonomos_pipelines.dcl.drift.settle import settle_reviewed
from autonomos_pipelines.dcl.matching.resolver import Resolver
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.service import build_resolver


def as_input(event: DriftEvent) -> DriftInput:
    return DriftInput(event.id, event.connector, event.source_table, event.changes)


def repair_open_events(
    context: AssetExecutionContext,
    schemas: SchemaStore,
    registry: Registry,
    tenant_id: TenantId,
    fields: list[SourceField],
) -> list[Repair]:
    """Settle the events a reviewer has decided (a decision through `review` settles them at
    once; this catches the rest), then let the DCL decide every open one."""
    settle_reviewed(registry, tenant_id, schemas)
    opened = schemas.events(tenant_id=tenant_id, status="open")
    repairs: list[Repair] = []

    def resolver() -> Resolver:
        return build_resolver(registry, tenant_id, persistent=True)

    for outcome in repair_drift(registry, tenant_id, fields, list(map(as_input, opened)), resolver):
        schemas.close_event(tenant_id, outcome.event_id, outcome.status, outcome.detail())
        repairs += outcome.repairs
        if outcome.failure:
            context.log.warning(f"drift event {outcome.event_id}: repair failed: {outcome.failure}")
    for repair in repairs:
        context.log.info(
            f"drift event {repair.event_id}: {repair.action} {repair.field} -> "
            f"{repair.target} (confidence {repair.confidence}, "
            f"{'applied' if repair.applied else 'to review'})"
        )
    return repairs
