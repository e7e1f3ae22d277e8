"""Validate computed mappings before they are stored: an invalid expression never reaches the
registry.

The mapping's source field names the computed value: a column it replaces, or a name of its
own (e.g. `is_won`) that need not be a column. An expression is checked against the canonical
field's type and, when the tenant's table has been observed (source_fields), against its
columns and their warehouse types."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.database import session
from autonomos_pipelines.core.limits import refuse
from autonomos_pipelines.dcl.expressions.check import Checked, check_expression
from autonomos_pipelines.dcl.expressions.compiler import Dialect
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.lists import NestedList, nested_lists
from autonomos_pipelines.dcl.model.canonical_model import has_field, target_type
from autonomos_pipelines.dcl.registry.refs import FieldRef

# a table's columns and its nested lists, as observed (None: unknown)
Observed = tuple[dict[str, str] | None, dict[str, NestedList] | None]

if TYPE_CHECKING:
    from autonomos_pipelines.dcl.registry.proposals import Proposal
    from autonomos_pipelines.dcl.registry.workflow import Workflow


def observed_table(connection: Connection, ref: FieldRef) -> Observed:
    """The tenant's table as last observed: its columns and the lists nested in its records
    (dcl/expressions/lists.py); None for either when unknown (the global baseline, or a table
    not loaded yet: its lists are then unknown too)."""
    if ref.tenant_id is None:
        return None, None
    rows = connection.execute(
        sa.text("""SELECT source_table, source_field, data_type FROM source_fields
                   WHERE tenant_id = :t AND connector = :c
                     AND (lower(source_table) = lower(:tbl)
                          OR left(lower(source_table), length(CAST(:tbl AS text)) + 2)
                             = lower(CAST(:tbl AS text)) || '__')"""),
        {"t": ref.tenant_id, "c": ref.connector, "tbl": ref.source_table},
    )
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type or ""
    own = {}  # every case variant of the table's name, as the mapping index reads it
    for table, columns in tables.items():
        if table.lower() == ref.source_table.lower():
            own.update(columns)
    return own or None, nested_lists(ref.source_table, tables) if own else None


def observed_table_of(workflow: Workflow, ref: FieldRef) -> Observed:
    """`observed_table` in the tenant's own session (row-level security applies)."""
    with session(workflow.engine, ref.tenant_id) as connection:
        return observed_table(connection, ref)


def validate_expression(
    connection: Connection | None, ref: FieldRef, target: str | None, expression: str
) -> None:
    """Raise ExpressionError unless ``expression`` may feed ``target`` from ``ref``'s table."""
    if not (target or "").partition(".")[2]:
        raise ExpressionError(f"{ref.key}: an expression needs a canonical target")
    columns, lists = observed_table(connection, ref) if connection is not None else (None, None)
    try:
        check_for_target(expression, target, columns, lists=lists)
    except ExpressionError as error:
        raise ExpressionError(f"{ref.key} -> {target}: {error}") from None


def validate_proposals(connection: Connection, proposals: Sequence[Proposal]) -> None:
    """Every proposal's expression, before anything of the batch is written."""
    for proposal in proposals:
        if proposal.expression is not None:
            validate_expression(connection, proposal.ref, proposal.target, proposal.expression)


def check_for_target(
    expression: str,
    target: str | None,
    columns: dict[str, str] | None,
    dialects: Sequence[Dialect] = (),
    *,
    lists: dict[str, NestedList] | None = None,
    table: str | None = None,
) -> Checked:
    """Check ``expression`` without storing it: against ``target``'s type (entity.field)
    when given, and the table's ``columns`` and nested ``lists`` when known (None: every
    column is text, and a nested list's columns fit anywhere)."""
    canonical_type = None
    if target:
        entity, _, field = target.partition(".")
        if not has_field(entity, field):
            refuse("target", f"{target!r} is not a field of the canonical model (entity.field)")
        canonical_type = target_type(target)
    return check_expression(
        expression, canonical_type, columns, target or "", dialects, lists, table
    )
