"""The mapping registry's reads a reviewer and the workflow make: a row, the queue, a field's
versions, and the conflicts between what waits and what is approved."""

from __future__ import annotations

import sqlalchemy as sa

from autonomos_pipelines.core.database import admin_session, session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.mapping_rows import fetch_row, target_claimed_elsewhere
from autonomos_pipelines.dcl.registry.refs import (
    ROW_COLUMNS,
    ROW_FIELDS,
    FieldRef,
    row_key,
    row_value,
)
from autonomos_pipelines.dcl.registry.roles import Roles


class MappingReads(Roles):
    """What the workflow and a reviewer read of the registry's mapping rows."""

    def claimed_elsewhere(self, row: dict) -> str | None:
        """The other field of ``row``'s table that already feeds its target, which `approve`
        refuses without force (read only)."""
        with session(self.engine, row["tenant_id"]) as connection:
            return target_claimed_elsewhere(connection, row)

    def tenant_of(self, mapping_id: int) -> TenantId | None:
        """The tenant a mapping row belongs to (None: the global baseline); decisions on it
        then run in that tenant's session, so RLS keeps them inside it."""
        with admin_session(self.engine) as connection:
            owner = fetch_row(connection, mapping_id, lock=False)["tenant_id"]
        return None if owner is None else TenantId(owner)

    def get(self, mapping_id: int, tenant_id: TenantId | None = None) -> dict:
        """One mapping row; ``tenant_id`` when the caller already knows whose it is."""
        owner = tenant_id if tenant_id is not None else self.tenant_of(mapping_id)
        with session(self.engine, owner) as connection:
            return dict(fetch_row(connection, mapping_id, lock=False))

    def pending(self, tenant_id: TenantId | None, evidence: bool = True) -> list[dict]:
        """Proposals awaiting a person, oldest version first; ``evidence`` False leaves out
        each row's evidence (the candidates and their features: most of a row's size, read
        back for thousands of rows after an onboarding that only counts them)."""
        columns = ", ".join(c for c in ROW_FIELDS if evidence or c != "evidence")
        with session(self.engine, tenant_id) as connection:
            rows = connection.execute(
                sa.text(f"""SELECT {columns} FROM field_mappings
                            WHERE status IN ('proposed', 'needs_review')
                              AND (CAST(:t AS text) IS NULL OR tenant_id = :t)
                            ORDER BY tenant_id, connector, source_table, source_field, version"""),  # noqa: S608
                {"t": tenant_id},
            )
            # plain tuples zipped with the names: a RowMapping per row cost twice as much, on
            # the tens of thousands of proposals an onboarding reads back
            names = list(rows.keys())
            return [dict(zip(names, row, strict=True)) for row in rows.tuples()]

    def history(self, ref: FieldRef) -> list[dict]:
        """Every version of a field: the tenant's own and the global baseline's."""
        with session(self.engine, ref.tenant_id) as connection:
            rows = connection.execute(
                sa.text(f"""SELECT {ROW_COLUMNS} FROM field_mappings
                            WHERE (tenant_id = :t OR tenant_id IS NULL) AND connector = :c
                              AND lower(source_table) = lower(:tbl) AND source_field = :f
                            ORDER BY tenant_id NULLS FIRST, version"""),  # noqa: S608
                {
                    "t": ref.tenant_id,
                    "c": ref.connector,
                    "tbl": ref.source_table,
                    "f": ref.source_field,
                },
            ).mappings()
            return [dict(row) for row in rows]

    def conflicts(self, tenant_id: TenantId) -> list[str]:
        """Fields whose pending proposal disagrees with an approved target, and canonical
        fields claimed by two active source fields of the same table."""
        found = []
        active = {
            (m.connector, m.source_table.lower(), m.source_field): m
            for m in self.registry.active_mappings(tenant_id)
        }
        for row in self.pending(tenant_id):
            key = (row["connector"], row["source_table"].lower(), row["source_field"])
            current = active.get(key)
            target = row_value(row)["target"]
            if (
                current
                and current.canonical_field
                and target
                and target != (f"{current.canonical_entity}.{current.canonical_field}")
            ):
                found.append(
                    f"{row_key(row)} proposes {target} but "
                    f"{current.canonical_entity}.{current.canonical_field} is approved"
                )
        claimed: dict[tuple[str, str, str | None, str | None], list[str]] = {}
        for m in active.values():
            if m.canonical_field:
                claimed.setdefault(
                    (m.connector, m.source_table.lower(), m.canonical_entity, m.canonical_field),
                    [],
                ).append(m.source_field)
        for (connector, table, entity, field), sources in sorted(claimed.items()):
            if len(sources) > 1:
                found.append(
                    f"{connector}.{table}: {', '.join(sorted(sources))} all map to {entity}.{field}"
                )
        return found
