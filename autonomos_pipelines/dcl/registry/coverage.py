"""How much of a tenant's source fields the registry covers: every field the mapping asset last
saw (`source_fields`), by outcome, with who approved the mapping of each mapped one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.tenant_id import TenantId

# the machine's own approvals: the DCL's auto-approvals and its drift repairs
AUTO_APPROVERS = ("system:dcl", "system:drift")


@dataclass(frozen=True)
class FieldCoverage:
    total: int = 0
    mapped: int = 0  # an active mapping covers it
    auto: int = 0  # ... approved by the machine (of mapped)
    review: int = 0  # a proposal waits for a person
    unmapped: int = 0  # kept in `extras`

    def share(self, count: int) -> float:
        return count / self.total if self.total else 0.0


def field_coverage(
    engine: Engine, tenant_id: TenantId, connectors: Collection[str]
) -> FieldCoverage:
    """The tenant's observed fields of `connectors` (its enabled ones) by status."""
    with tenant_session(engine, tenant_id) as db:
        row = db.execute(
            sa.text("""SELECT count(*),
                              count(*) FILTER (WHERE s.status = 'mapped'),
                              count(*) FILTER (WHERE s.status = 'mapped'
                                               AND m.approved_by = ANY(:auto)),
                              count(*) FILTER (WHERE s.status = 'pending_review'),
                              count(*) FILTER (WHERE s.status = 'unmapped')
                         FROM source_fields s LEFT JOIN field_mappings m ON m.id = s.mapping_id
                        WHERE s.tenant_id = :t AND s.connector = ANY(:c)"""),
            {"t": tenant_id, "c": list(connectors), "auto": list(AUTO_APPROVERS)},
        ).one()
    return FieldCoverage(*(int(value) for value in row))
