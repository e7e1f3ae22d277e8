"""Canonical fields that lost a source to drift: a mapped field the source stopped sending,
whose mapping the DCL deprecated, and that nothing of the same table has fed since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.dcl.registry.store import Registry


@dataclass(frozen=True)
class LostField:
    canonical_field: str
    connector: str
    source_table: str
    source_field: str
    event_id: int
    detected_at: datetime


def lost_fields(registry: Registry, tenant_id: str, entity: str) -> list[LostField]:
    with tenant_session(registry.engine, tenant_id) as db:
        rows = db.execute(
            sa.text(
                """SELECT r->>'target', e.connector, e.source_table, r->>'field', e.id,
                          e.detected_at
                     FROM drift_events e, jsonb_array_elements(CAST(e.detail AS jsonb)) r
                    WHERE e.tenant_id = :t AND r->>'action' = 'deprecated'
                      AND r->>'target' LIKE :entity ORDER BY e.id"""
            ),
            {"t": tenant_id, "entity": f"{entity}.%"},
        ).all()
    fed = {
        (m.connector, m.source_table.lower(), f"{m.canonical_entity}.{m.canonical_field}")
        for m in registry.active_mappings(tenant_id)
        if m.canonical_field
    }
    lost: dict[tuple[str, str, str], LostField] = {}
    for target, connector, table, field, event_id, detected_at in rows:
        if (connector, table.lower(), target) not in fed:
            lost[(connector, table, target)] = LostField(
                target.split(".", 1)[1], connector, table, field, event_id, detected_at
            )
    return list(lost.values())
