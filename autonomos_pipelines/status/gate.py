"""What holds a tenant's canonical tables: the blocking `mapping_review_gate` check and the
status view both read it here, so they never disagree."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from autonomos_pipelines.aam.drift.store import DriftEvent, SchemaStore
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.workflow import Workflow

UNREPAIRED = ("open", "failed")  # the DCL has not repaired them (yet, or it failed)


@dataclass(frozen=True)
class GateBlockers:
    pending: list[dict]  # proposals and flagged mappings of the enabled connectors
    unrepaired: list[DriftEvent]

    @property
    def blocked(self) -> bool:
        return bool(self.pending or self.unrepaired)


def gate_blockers(
    workflow: Workflow, schemas: SchemaStore, tenant_id: TenantId, enabled: Collection[str]
) -> GateBlockers:
    pending = [r for r in workflow.pending(tenant_id) if r["connector"] in enabled]
    events = schemas.events(tenant_id=tenant_id)
    return GateBlockers(pending, [e for e in events if e.status in UNREPAIRED])
