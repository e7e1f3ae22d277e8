"""Canonical fields that lost a source to drift: a mapped field the source stopped sending,
whose mapping the DCL deprecated, and that nothing of the same table has fed since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.drift.events import SettledRepair
from autonomos_pipelines.dcl.registry.store import Registry


@dataclass(frozen=True)
class LostField:
    canonical_field: str
    connector: str
    source_table: str
    source_field: str
    event_id: int
    detected_at: datetime


def lost_fields(
    registry: Registry, tenant_id: TenantId, entity: str, settled: list[SettledRepair]
) -> list[LostField]:
    """``settled``: the repairs recorded on the tenant's drift events, oldest first."""
    fed = {
        (m.connector, m.source_table.lower(), f"{m.canonical_entity}.{m.canonical_field}")
        for m in registry.active_mappings(tenant_id)
        if m.canonical_field
    }
    lost: dict[tuple[str, str, str], LostField] = {}
    for item in settled:
        target = item.repair.get("target") or ""
        if item.repair.get("action") != "deprecated" or not target.startswith(f"{entity}."):
            continue
        if (item.connector, item.source_table.lower(), target) not in fed:
            lost[(item.connector, item.source_table, target)] = LostField(
                target.split(".", 1)[1],
                item.connector,
                item.source_table,
                item.repair["field"],
                item.event_id,
                item.detected_at,
            )
    return list(lost.values())
