"""The state a drift repair leaves behind: the event's status and repairs, and the
connection's drift_status (healing -> active | review | failed)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.dcl.registry.store import Registry


def close_event(
    registry: Registry,
    tenant_id: str,
    event_id: int,
    status: str,
    repairs: list[Any],
    failure: str = "",
) -> None:
    detail = [vars(r) for r in repairs] + ([{"failure": failure[:500]}] if failure else [])
    with tenant_session(registry.engine, tenant_id) as db:
        db.execute(
            sa.text(
                "UPDATE drift_events SET status = :s, detail = :d, "
                "resolved_at = CASE WHEN :s = 'repaired' THEN now() END WHERE id = :id"
            ),
            {"s": status, "d": json.dumps(detail), "id": event_id},
        )


def settle_reviewed(registry: Registry, tenant_id: str) -> int:
    """needs_review events whose proposals a person has decided become repaired."""
    with tenant_session(registry.engine, tenant_id) as db:
        settled = (
            db.execute(
                sa.text(
                    """UPDATE drift_events e SET status = 'repaired', resolved_at = now()
                    WHERE e.tenant_id = :t AND e.status = 'needs_review'
                      AND NOT EXISTS (
                          SELECT 1 FROM field_mappings m
                           WHERE m.tenant_id = e.tenant_id AND m.connector = e.connector
                             AND lower(m.source_table) = lower(e.source_table)
                             AND m.status IN ('proposed', 'needs_review'))
                RETURNING e.connector"""
                ),
                {"t": tenant_id},
            )
            .scalars()
            .all()
        )
        for connector in set(settled):
            db.execute(
                sa.text(
                    "UPDATE tenant_connectors SET drift_status = 'active' "
                    "WHERE tenant_id = :t AND connector = :c AND drift_status = 'review'"
                ),
                {"t": tenant_id, "c": connector},
            )
    return len(settled)


def set_connection(registry: Registry, tenant_id: str, connector: str, status: str) -> None:
    with tenant_session(registry.engine, tenant_id) as db:
        db.execute(
            sa.text(
                "UPDATE tenant_connectors SET drift_status = :s "
                "WHERE tenant_id = :t AND connector = :c"
            ),
            {"s": status, "t": tenant_id, "c": connector},
        )
