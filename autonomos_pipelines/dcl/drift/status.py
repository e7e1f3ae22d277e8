"""The connection's drift status in the registry (tenant_connectors.drift_status):
healing while the DCL repairs, then active, review (a proposal waits) or failed."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.store import Registry


def set_connection(
    registry: Registry, tenant_id: TenantId, connector: str, status: str, only_if: str | None = None
) -> None:
    """``only_if``: change it only from that status."""
    with tenant_session(registry.engine, tenant_id) as db:
        set_connection_in(db, tenant_id, connector, status, only_if)


def set_connection_in(
    db: Connection, tenant_id: TenantId, connector: str, status: str, only_if: str | None = None
) -> None:
    """The same within a transaction the caller holds (a reviewer's decision)."""
    db.execute(
        sa.text(
            "UPDATE tenant_connectors SET drift_status = :s WHERE tenant_id = :t "
            "AND connector = :c AND (CAST(:old AS text) IS NULL OR drift_status = :old)"
        ),
        {"s": status, "t": tenant_id, "c": connector, "old": only_if},
    )
