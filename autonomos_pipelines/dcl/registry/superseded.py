"""A nested list's column waiting for a person, made moot by a computed mapping on the list's
parent that reads it (dcl/list_aggregates.py: `tickets.tags = list(tags.value)`).

Approved as it is, the column's own proposal would map the list's items as rows of their own,
and while it waits it holds the review gate shut. So once a computed mapping that reads the
column is in effect (approved, set by a person, rolled back to), the column's proposal leaves
the queue: deprecated, its reason naming the mapping that replaced it, and audited as
`mapping.supersede`. A list column's active mapping is left as it is: ending what feeds a
canonical table is a person's decision.

It happens where the computed mapping is written (`supersede_read_columns`), and again in each
tenant's mapping pass (`supersede_proposals`), which finds every proposal an approved mapping
reads whatever the order they came in: a baseline mapping that reads a tenant's list, a list
column proposed after its reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.lists import SEPARATOR
from autonomos_pipelines.dcl.expressions.rename import list_reads
from autonomos_pipelines.dcl.registry.mapping_rows import deprecate
from autonomos_pipelines.dcl.registry.refs import ROW_COLUMNS, FieldRef

_WAITING = f"""SELECT {ROW_COLUMNS} FROM field_mappings
                WHERE COALESCE(tenant_id, '') = COALESCE(CAST(:t AS text), '')
                  AND connector = :c AND lower(source_table) = :tbl AND source_field = :f
                  AND status = 'proposed'
                  FOR UPDATE"""  # noqa: S608


def supersede_read_columns(
    connection: Connection, ref: FieldRef, expression: str | None, actor: str
) -> int:
    """Withdraw the proposals of the list columns ``expression``, now in effect for the
    parent field ``ref``, reads; how many were withdrawn."""
    if not expression:
        return 0
    try:
        reads = list_reads(expression)
    except ExpressionError:  # validated when stored: unreadable now reads no list
        return 0
    withdrawn = 0
    for path, column in sorted(reads):
        table = f"{ref.source_table}{SEPARATOR}{path}".lower()
        rows = connection.execute(
            sa.text(_WAITING),
            {"t": ref.tenant_id, "c": ref.connector, "tbl": table, "f": column},
        ).mappings()
        for row in list(rows):
            _withdraw(connection, row, f"superseded by {ref.key} = {expression}", actor)
            withdrawn += 1
    return withdrawn


def supersede_proposals(
    engine: sa.Engine, tenant_id: TenantId, moot: Mapping[int, str], actor: str
) -> int:
    """Withdraw the tenant's proposals ``moot`` (mapping id -> the computed mapping that reads
    its column, "connector.table.field = expression") still waiting; how many were."""
    withdrawn = 0
    with tenant_session(engine, tenant_id) as connection:
        for mapping_id, by in sorted(moot.items()):
            row = (
                connection.execute(
                    sa.text(f"""SELECT {ROW_COLUMNS} FROM field_mappings
                                WHERE id = :id AND status = 'proposed' FOR UPDATE"""),  # noqa: S608
                    {"id": mapping_id},
                )
                .mappings()
                .first()
            )
            if row is not None:
                _withdraw(connection, row, f"superseded by {by}", actor)
                withdrawn += 1
    return withdrawn


def _withdraw(connection: Connection, row: Any, reason: str, actor: str) -> None:
    deprecate(connection, row, actor, reason, action="mapping.supersede")
