"""Drift events as data, for the CLI (`autonomos drift ...`) and the HTTP API alike: one
event with its schema fingerprints and repairs, and pages of events."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from autonomos_pipelines.aam.drift.store import DriftEvent, SchemaStore
from autonomos_pipelines.core.errors import NotFound
from autonomos_pipelines.core.tenant_id import TenantId


def find_event(store: SchemaStore, event_id: int, tenant_id: TenantId | None) -> DriftEvent:
    """The event seen from `tenant_id` (None: the operator); another tenant's id is not
    found exactly as an id nobody has."""
    try:
        return store.event(event_id, tenant_id)
    except sa.exc.NoResultFound:
        raise NotFound(f"no drift event {event_id}") from None


def change_summary(changes: list[dict]) -> str:
    return ", ".join(
        f"{c['kind']} {c['column']}" + (f"->{c['renamed_to']}" if c.get("renamed_to") else "")
        for c in changes
    )


def event_summary(event: DriftEvent) -> dict[str, Any]:
    """The event's own columns, with how quickly it was detected and repaired."""
    return {
        "id": event.id,
        "tenant_id": event.tenant_id,
        "connector": event.connector,
        "source_table": event.source_table,
        "status": event.status,
        "changes": event.changes,
        "detected_at": event.detected_at,
        "resolved_at": event.resolved_at,
        "detection_window_seconds": event.detection_window_seconds,
        "repair_seconds": event.repair_seconds,
        "unresolved": event.unresolved,
    }


def event_detail(store: SchemaStore, event: DriftEvent) -> dict[str, Any]:
    """The summary plus the schema fingerprints before and after, and the repairs made."""
    old = store.snapshot(event.old_snapshot_id, event.tenant_id)
    new = store.snapshot(event.new_snapshot_id, event.tenant_id)
    return {
        **event_summary(event),
        "unchanged_at": event.unchanged_at,
        "old_fingerprint": old.fingerprint,
        "new_fingerprint": new.fingerprint,
        "repairs": json.loads(event.detail or "[]"),
    }


def events_page(
    store: SchemaStore,
    tenant_id: TenantId,
    limit: int,
    after_id: int = 0,
    status: str | None = None,
    connector: str | None = None,
) -> tuple[list[DriftEvent], int | None]:
    """Up to `limit` events after `after_id`, oldest first, and the id to continue after
    (None: no more)."""
    events = store.events(tenant_id, status, after_id, connector)
    page = events[:limit]
    return page, page[-1].id if len(events) > limit else None
