"""The active mapping of one source field, or of a batch of them, straight from PostgreSQL.

One statement per call, answered by the partial index ix_field_mappings_active_field
(connector, lower(source_table), source_field, tenant_id) WHERE is_active: a cold lookup probes
the index instead of reading the tenant's whole mapping set (Registry.mapping_index, which the
pipeline wants). The tenant's own active version overrides the global baseline's. Both run in
the tenant's row-level-security session, so another tenant's rows are invisible whatever the
WHERE clause says.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.store import Mapping

FieldName = tuple[str, str, str]  # (connector, source table, source field) as asked

# EXPLAIN (tenant session, table analyzed): Limit -> Sort -> Index Scan using
# ix_field_mappings_active_field, Index Cond on connector and source_field. lower(source_table)
# stays a filter on the few rows found: lower() is not leakproof, so under row-level security
# PostgreSQL will not evaluate it inside the index before the policy. tests/test_api_lookups.py
# checks the plan.
ONE_SQL = sa.text("""
    SELECT m.id, m.tenant_id, m.connector, m.source_table, m.source_field,
           m.canonical_entity, m.canonical_field, m.transform, m.confidence, m.method,
           m.status, m.version, m.expression
      FROM field_mappings m
     WHERE m.is_active AND m.connector = :connector
       AND lower(m.source_table) = lower(:source_table) AND m.source_field = :source_field
       AND (m.tenant_id = :tenant_id OR m.tenant_id IS NULL)
     ORDER BY m.tenant_id NULLS LAST
     LIMIT 1
""")

# one index probe per asked field (nested loop over the unnested arrays)
MANY_SQL = sa.text("""
    SELECT DISTINCT ON (asked.position) asked.position,
           m.id, m.tenant_id, m.connector, m.source_table, m.source_field,
           m.canonical_entity, m.canonical_field, m.transform, m.confidence, m.method,
           m.status, m.version, m.expression
      FROM unnest(CAST(:connectors AS text[]), CAST(:tables AS text[]),
                  CAST(:fields AS text[])) WITH ORDINALITY
           AS asked (connector, source_table, source_field, position)
      JOIN field_mappings m
        ON m.is_active AND m.connector = asked.connector
       AND lower(m.source_table) = lower(asked.source_table)
       AND m.source_field = asked.source_field
       AND (m.tenant_id = :tenant_id OR m.tenant_id IS NULL)
     ORDER BY asked.position, m.tenant_id NULLS LAST
""")


def find_active(engine: Engine, tenant_id: TenantId, name: FieldName) -> Mapping | None:
    """The field's active mapping for the tenant (its own, else the baseline's), or None."""
    connector, table, field = name
    with tenant_session(engine, tenant_id) as connection:
        row = (
            connection.execute(
                ONE_SQL,
                {
                    "connector": connector,
                    "source_table": table,
                    "source_field": field,
                    "tenant_id": tenant_id,
                },
            )
            .mappings()
            .first()
        )
    return None if row is None else Mapping(**row)


def find_active_many(
    engine: Engine, tenant_id: TenantId, names: Sequence[FieldName]
) -> list[Mapping | None]:
    """`find_active` for each of `names` in one statement, answers in the same order."""
    if not names:
        return []
    found: list[Mapping | None] = [None] * len(names)
    with tenant_session(engine, tenant_id) as connection:
        rows = connection.execute(
            MANY_SQL,
            {
                "connectors": [name[0] for name in names],
                "tables": [name[1] for name in names],
                "fields": [name[2] for name in names],
                "tenant_id": tenant_id,
            },
        ).mappings()
        for row in rows:
            values = dict(row)
            position = values.pop("position")
            found[position - 1] = Mapping(**values)
    return found
