"""Reading value mappings: the active maps that apply to a tenant (its own rows override the
global baseline's, value by value), one row, a value's versions, what waits for review.

The active maps are cached with the field mappings (same keys, same invalidation): every
write through the registry or the value workflow drops them."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import sqlalchemy as sa

from autonomos_pipelines.core.cache import cache_key
from autonomos_pipelines.core.database import session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import UnknownMapping
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.value_refs import VALUE_COLUMNS, ValueMapping, ValueRef

FieldKey = tuple[str, str, str]  # (connector, lower(table), field), as the mapping index
_ACTIVE_COLUMNS = ", ".join(f.name for f in fields(ValueMapping))
_ACTIVE_SQL = sa.text(f"""
    SELECT DISTINCT ON (connector, lower(source_table), source_field, source_value)
           {_ACTIVE_COLUMNS}
      FROM value_mappings
     WHERE is_active AND (tenant_id = :t OR tenant_id IS NULL)
     ORDER BY connector, lower(source_table), source_field, source_value, tenant_id NULLS LAST
""")  # noqa: S608  (the columns are the dataclass's field names)


class ValueStore:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.engine = registry.engine

    def active(self, tenant_id: TenantId | None) -> list[ValueMapping]:
        """Every active value mapping that applies to the tenant (None: the baseline's)."""
        key = cache_key(tenant_id, "active_value_maps")
        cached = self.registry.cache.get(key)
        if cached is not None:
            return [ValueMapping(**row) for row in cached]
        with session(self.engine, tenant_id) as connection:
            rows = [
                dict(row) for row in connection.execute(_ACTIVE_SQL, {"t": tenant_id}).mappings()
            ]
        self.registry.cache.set(key, rows)  # the rows are the mappings' fields
        return [ValueMapping(**row) for row in rows]

    def applying(self, tenant_id: TenantId | None) -> dict[FieldKey, dict[str, ValueMapping]]:
        """Per source field, value -> active value mapping, keeping only those for the
        enumeration the field is mapped onto now (a field remapped elsewhere drops its old
        value maps without deleting them: mapping it back brings them back)."""
        index = self.registry.mapping_index(tenant_id)
        found: dict[FieldKey, dict[str, ValueMapping]] = {}
        for value_map in self.active(tenant_id):
            mapping = index.get(value_map.field_key)
            if mapping is None or (mapping.canonical_entity, mapping.canonical_field) != (
                value_map.canonical_entity,
                value_map.canonical_field,
            ):
                continue
            found.setdefault(value_map.field_key, {})[value_map.source_value] = value_map
        return found

    def tenant_of(self, value_id: int) -> TenantId | None:
        """The tenant a value-mapping row belongs to (None: the baseline), so a decision on
        it runs in that tenant's session and row-level security keeps it there."""
        with session(self.engine, None) as connection:
            owner = fetch_row(connection, value_id, lock=False)["tenant_id"]
        return None if owner is None else TenantId(owner)

    def get(self, value_id: int, tenant_id: TenantId | None = None) -> dict:
        """One row; ``tenant_id`` when the caller knows whose it is (RLS hides the rest)."""
        owner = tenant_id if tenant_id is not None else self.tenant_of(value_id)
        with session(self.engine, owner) as connection:
            return dict(fetch_row(connection, value_id, lock=False))

    def pending(self, tenant_id: TenantId | None) -> list[dict]:
        """Proposals waiting for a reviewer: one tenant's, or (None) everyone's."""
        with session(self.engine, tenant_id) as connection:
            rows = connection.execute(
                sa.text(f"""SELECT {VALUE_COLUMNS} FROM value_mappings
                            WHERE status IN ('proposed', 'needs_review')
                              AND (CAST(:t AS text) IS NULL OR tenant_id = :t)
                            ORDER BY tenant_id, connector, source_table, source_field,
                                     source_value, version"""),  # noqa: S608
                {"t": tenant_id},
            ).mappings()
            return [dict(row) for row in rows]

    def rejected(self, tenant_id: TenantId) -> dict[tuple[FieldKey, str], set[str]]:
        """(field, value) -> the canonical values a person rejected for it in this tenant:
        the mapping pass never proposes those again."""
        with session(self.engine, tenant_id) as connection:
            rows = connection.execute(
                sa.text("""SELECT connector, lower(source_table), source_field, source_value,
                                  canonical_value
                             FROM value_mappings WHERE tenant_id = :t AND status = 'rejected'"""),
                {"t": tenant_id},
            )
            found: dict[tuple[FieldKey, str], set[str]] = {}
            for connector, table, field, value, canonical in rows:
                found.setdefault(((connector, table, field), value), set()).add(canonical)
            return found

    def history(self, ref: ValueRef) -> list[dict]:
        """Every version of one value's mapping: the baseline's, then the tenant's."""
        field = ref.field
        with session(self.engine, ref.tenant_id) as connection:
            rows = connection.execute(
                sa.text(f"""SELECT {VALUE_COLUMNS} FROM value_mappings
                            WHERE (tenant_id = :t OR tenant_id IS NULL) AND connector = :c
                              AND lower(source_table) = lower(:tbl) AND source_field = :f
                              AND source_value = :v
                            ORDER BY tenant_id NULLS FIRST, version"""),  # noqa: S608
                {
                    "t": ref.tenant_id,
                    "c": field.connector,
                    "tbl": field.source_table,
                    "f": field.source_field,
                    "v": ref.source_value,
                },
            ).mappings()
            return [dict(row) for row in rows]


def fetch_row(connection: Any, value_id: int, lock: bool = True) -> Any:
    row = (
        connection.execute(
            sa.text(
                f"SELECT {VALUE_COLUMNS} FROM value_mappings WHERE id = :id"  # noqa: S608
                + (" FOR UPDATE" if lock else "")
            ),
            {"id": value_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownMapping(f"no value mapping with id v{value_id}")
    return row
