"""The audit log: one row per change (and per secret access), written in the caller's
transaction so the change and its record commit or roll back together."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.tenant_id import TenantId


def audit(
    connection: Connection,
    actor: str,
    action: str,
    tenant_id: TenantId | None,
    object_type: str,
    object_key: str,
    old: Any = None,
    new: Any = None,
) -> None:
    connection.execute(
        sa.text("""INSERT INTO audit_log (actor, action, tenant_id, object_type, object_key,
                                          old_value, new_value)
                   VALUES (:actor, :action, :tenant_id, :object_type, :object_key,
                           CAST(:old AS jsonb), CAST(:new AS jsonb))"""),
        {
            "actor": actor,
            "action": action,
            "tenant_id": tenant_id,
            "object_type": object_type,
            "object_key": object_key,
            "old": None if old is None else json.dumps(old, default=str),
            "new": None if new is None else json.dumps(new, default=str),
        },
    )
