"""One mapping row's reads and writes inside a caller's transaction: the row by id or the
field's active version (both locked for the decision), a version deprecated, and the other
field of a table that already feeds a target."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.dcl.registry.refs import (
    ROW_COLUMNS,
    FieldRef,
    UnknownMapping,
    row_key,
    row_value,
)


def active_row(connection: Connection, ref: FieldRef) -> Any:
    return (
        connection.execute(
            sa.text(f"""SELECT {ROW_COLUMNS} FROM field_mappings
                    WHERE is_active AND COALESCE(tenant_id, '') = COALESCE(CAST(:t AS text), '')
                      AND connector = :c AND lower(source_table) = lower(:tbl)
                      AND source_field = :f FOR UPDATE"""),  # noqa: S608
            {
                "t": ref.tenant_id,
                "c": ref.connector,
                "tbl": ref.source_table,
                "f": ref.source_field,
            },
        )
        .mappings()
        .first()
    )


def fetch_row(connection: Connection, mapping_id: int, lock: bool = True) -> Any:
    row = (
        connection.execute(
            sa.text(
                f"SELECT {ROW_COLUMNS} FROM field_mappings WHERE id = :id"  # noqa: S608
                + (" FOR UPDATE" if lock else "")
            ),
            {"id": mapping_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownMapping(f"no mapping with id {mapping_id}")
    return row


def deprecate(
    connection: Connection,
    row: Any,
    actor: str,
    reason: str | None = None,
    action: str = "mapping.deprecate",
) -> None:
    """``row`` no longer in effect nor waiting; ``reason``, when given, replaces the row's
    (a proposal superseded: what superseded it) and is audited with it."""
    connection.execute(
        sa.text("""UPDATE field_mappings SET is_active = false, status = 'deprecated',
                       reason = COALESCE(CAST(:r AS text), reason), updated_at = now()
                   WHERE id = :id"""),
        {"r": None if reason is None else reason[:500], "id": row["id"]},
    )
    new = {**row_value(row), "status": "deprecated"}
    if reason is not None:
        new["reason"] = reason
    audit(connection, actor, action, row["tenant_id"], "field_mapping", row_key(row),
          row_value(row), new)  # fmt: skip


def target_claimed_elsewhere(connection: Connection, row: Any) -> str | None:
    """Another source field of the same table that actively feeds the same canonical field."""
    if row["canonical_field"] is None:
        return None
    return connection.execute(
        sa.text("""SELECT source_field FROM field_mappings
                   WHERE is_active AND (tenant_id = :t OR tenant_id IS NULL)
                     AND connector = :c AND lower(source_table) = lower(:tbl)
                     AND source_field <> :f AND canonical_entity = :e AND canonical_field = :cf
                   LIMIT 1"""),
        {
            "t": row["tenant_id"],
            "c": row["connector"],
            "tbl": row["source_table"],
            "f": row["source_field"],
            "e": row["canonical_entity"],
            "cf": row["canonical_field"],
        },
    ).scalar()
