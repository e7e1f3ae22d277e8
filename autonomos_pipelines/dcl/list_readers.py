"""The nested lists' columns that computed mappings read: mapped, or in review, through them.

A column of a list nested in a table's records (dlt's `<table>__<path>`) is never mapped as it
is; an expression on the parent table reads it in an aggregate (dcl/expressions/lists.py).
The mapping pass counts such a column by the computed mapping that reads it, and does not rank
it again (dcl/mapping_run.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.lists import SEPARATOR
from autonomos_pipelines.dcl.expressions.rename import list_reads
from autonomos_pipelines.dcl.list_parents import Key
from autonomos_pipelines.dcl.registry.store import Mapping as Active


@dataclass(frozen=True)
class ListReader:
    """The computed mapping on a parent table that reads a column of one of its lists."""

    status: str  # mapped | pending_review
    method: str
    confidence: float | None
    target: str
    mapping_id: int
    by: str = ""  # the computed mapping: "connector.table.field = expression"


def list_readers(index: Mapping[Key, Active], pending: Mapping[Key, dict]) -> dict[Key, ListReader]:
    """Per column of a nested list (its registry key), the computed mapping that reads it on
    the list's parent table: the approved one, else one waiting for a person. Such a column
    is mapped, or in review, through it: it is never proposed on its own again."""
    found: dict[Key, ListReader] = {}
    waiting = [
        (key, "pending_review", row["method"], row["confidence"],
         f"{row['canonical_entity']}.{row['canonical_field']}", row["id"], row["expression"])
        for key, row in pending.items() if row.get("expression") and row["canonical_field"]
    ]  # fmt: skip
    approved = [
        (key, "mapped", m.method, m.confidence,
         f"{m.canonical_entity}.{m.canonical_field}", m.id, m.expression)
        for key, m in index.items() if m.expression and m.canonical_field
    ]  # fmt: skip
    for key, status, method, confidence, target, mapping_id, expression in waiting + approved:
        try:  # approved last: it wins
            read = list_reads(expression)
        except ExpressionError:  # validated when stored; unreadable now reads nothing
            continue
        connector, table, field = key
        by = f"{connector}.{table}.{field} = {expression}"
        reader = ListReader(status, method, confidence, target, mapping_id, by)
        for path, column in read:
            found[connector, f"{table}{SEPARATOR}{path}".lower(), column] = reader
    return found
