"""What a load did to a tenant's table schemas: each loaded table's snapshot recorded (origin
"load"), with the changes since the previous load, and the drift events a table's check shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from autonomos_pipelines.aam.drift.fingerprint import Change, diff, tables_of
from autonomos_pipelines.aam.drift.store import DriftEvent, SchemaStore
from autonomos_pipelines.core.tenant_id import TenantId


@dataclass(frozen=True)
class LoadedSchema:
    fingerprint: str
    previous_fingerprint: str | None
    changes: list[Change] = field(default_factory=list)


def record_load_schemas(
    store: SchemaStore, tenant_id: TenantId, connector: str, dlt_schema: Any
) -> dict[str, LoadedSchema]:
    """Snapshot dlt's schema of every loaded table and say what changed since the last load."""
    previous = store.latest_schemas(tenant_id, connector, "load")
    tables = tables_of(dlt_schema)
    store.record(tenant_id, connector, tables, "load", detect=False)
    loaded = {}
    for name, schema in tables.items():
        before = previous.get(name)
        changed = before is not None and before.fingerprint != schema.fingerprint
        loaded[name] = LoadedSchema(
            schema.fingerprint,
            before.fingerprint if before else None,
            diff(before, schema) if changed and before else [],
        )
    return loaded


def relevant_events(
    store: SchemaStore, tenant_id: TenantId, connector: str, table: str, since: datetime
) -> list[DriftEvent]:
    return [
        event
        for event in store.events(tenant_id=tenant_id, connector=connector, source_table=table)
        if event.detected_at > since or event.unresolved
    ]
