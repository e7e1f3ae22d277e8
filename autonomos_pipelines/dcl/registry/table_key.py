"""Whether one source table's key is mapped to an entity's identity field, and which proposals
of that wait: asked of that table alone (an approval's note), not read off the tenant's whole
mapping index and review queue, so approving a hundred rows costs a hundred small queries."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import session
from autonomos_pipelines.core.tenant_id import TenantId

# the table's active mappings as the mapping index reads them: per field, the tenant's own
# over the global baseline's (registry/store._ACTIVE_SQL)
_MAPPED_SQL = sa.text("""
    SELECT EXISTS (
      SELECT 1 FROM (
        SELECT DISTINCT ON (source_field) canonical_entity, canonical_field
          FROM field_mappings
         WHERE is_active AND (tenant_id = :t OR tenant_id IS NULL)
           AND connector = :c AND lower(source_table) = lower(:tbl)
         ORDER BY source_field, tenant_id NULLS LAST
      ) AS active
      WHERE canonical_entity = :e AND canonical_field = :f)
""")
_WAITING_SQL = sa.text("""
    SELECT id, source_field FROM field_mappings
     WHERE status IN ('proposed', 'needs_review') AND tenant_id IS NOT DISTINCT FROM :t
       AND connector = :c AND lower(source_table) = lower(:tbl)
       AND canonical_entity = :e AND canonical_field = :f
     ORDER BY source_table, source_field, version
""")


@dataclass(frozen=True)
class TableKey:
    mapped: bool  # a field of the table is actively mapped to the identity field
    waiting: list[tuple[int, str]]  # the scope's own proposals of it: (id, source field)


def table_key(  # noqa: PLR0913
    engine: Engine,
    tenant_id: TenantId | None,
    connector: str,
    table: str,
    entity: str,
    identity: str,
) -> TableKey:
    """``connector.table``'s key for ``tenant_id`` (None: the global baseline alone)."""
    params = {"t": tenant_id, "c": connector, "tbl": table, "e": entity, "f": identity}
    with session(engine, tenant_id) as connection:
        mapped = bool(connection.execute(_MAPPED_SQL, params).scalar())
        waiting = [] if mapped else connection.execute(_WAITING_SQL, params).all()
    return TableKey(mapped, [(int(row[0]), str(row[1])) for row in waiting])
