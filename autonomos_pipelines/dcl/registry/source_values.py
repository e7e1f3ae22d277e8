"""The values a tenant's source fields were seen with: what the last mapping pass read from
the raw tables for each field mapped onto an enumeration, with row counts. A reviewer reads
it (`autonomos mappings values`) to see which values no mapping covers yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import FieldRef


@dataclass(frozen=True)
class ObservedValues:
    """One source field's distinct values (text, as the raw column holds them) and how many
    rows hold each, most frequent first."""

    connector: str
    source_table: str
    source_field: str
    counts: tuple[tuple[str, int], ...]


def record_values(engine: Engine, tenant_id: TenantId, observed: Sequence[ObservedValues]) -> None:
    """Replace each observed field's values: a value the source no longer sends leaves."""
    if not observed:
        return
    with tenant_session(engine, tenant_id) as connection:
        for field in observed:
            key = {"t": tenant_id, "c": field.connector, "tbl": field.source_table,
                   "f": field.source_field}  # fmt: skip
            connection.execute(
                sa.text("""DELETE FROM source_values WHERE tenant_id = :t AND connector = :c
                               AND source_table = :tbl AND source_field = :f
                               AND NOT (source_value = ANY(CAST(:vs AS text[])))"""),
                key | {"vs": [value for value, _ in field.counts]},
            )
            if field.counts:
                connection.execute(
                    sa.text("""INSERT INTO source_values (tenant_id, connector, source_table,
                                   source_field, source_value, row_count)
                               VALUES (:t, :c, :tbl, :f, :v, :n)
                               ON CONFLICT (tenant_id, connector, source_table, source_field,
                                            source_value)
                               DO UPDATE SET row_count = EXCLUDED.row_count,
                                             last_seen_at = now()"""),
                    [key | {"v": value, "n": rows} for value, rows in field.counts],
                )


def values_seen(engine: Engine, ref: FieldRef) -> list[tuple[str, int]]:
    """(value, rows) of one tenant's source field as the last pass saw them, most first."""
    if ref.tenant_id is None:
        return []  # values are a tenant's data; the baseline has none
    with tenant_session(engine, ref.tenant_id) as connection:
        rows = connection.execute(
            sa.text("""SELECT source_value, row_count FROM source_values
                        WHERE tenant_id = :t AND connector = :c
                          AND lower(source_table) = lower(:tbl) AND source_field = :f
                        ORDER BY row_count DESC, source_value"""),
            {"t": ref.tenant_id, "c": ref.connector, "tbl": ref.source_table,
             "f": ref.source_field},
        )  # fmt: skip
        return [(value, int(count)) for value, count in rows]
