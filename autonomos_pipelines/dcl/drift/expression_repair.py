"""Drift repairs of computed mappings. A computed mapping is repaired through the columns its
expression reads (its own name need not be a column at all), with every change of the event
that touches it decided together:

* renamed: the expression is rewritten to read the new columns (all of the event's renames
  at once) and checked against the table as it is now; the new version is applied when every
  rename is sure enough (the same confidence as moving a plain mapping), proposed otherwise;
* removed: a reviewer decides, on a proposal to stop computing the field. Rejecting it keeps
  the expression: the raw table keeps the column (NULL from now on), so what the expression
  derives from it is NULL, and if the column ever leaves the table for good the canonical
  table's `computed_mappings` check names the expression;
* retyped: the expression is type-checked against the new types; one that no longer fits its
  canonical field goes to review the same way, with the checker's reason.

A change to a list nested in a table's records (dlt's `<table>__<path>`) reaches the table's
expressions that aggregate it (`path.column`): renamed, the aggregate follows; removed, a
person decides; retyped, it is type-checked the same way, over the table as observed with the
list's columns as they are now.
"""

from __future__ import annotations

from dataclasses import dataclass

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.drift.events import DriftInput, Repair
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.lists import SEPARATOR, NestedList
from autonomos_pipelines.dcl.expressions.rename import reads, rename_column
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE
from autonomos_pipelines.dcl.registry.expression_checks import check_for_target, observed_table_of
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.dcl.registry.workflow import FieldRef, Workflow

ACTOR = "system:drift"
REVIEW_CONFIDENCE = 0.5


@dataclass(frozen=True)
class ExpressionDrift:
    """One event, the table's columns now, and how sure the DCL is of each rename."""

    workflow: Workflow
    tenant_id: TenantId
    event: DriftInput
    columns: dict[str, str]  # {column: warehouse type}
    rename_confidence: dict[str, float]  # renamed column -> confidence


def list_path(mapping: Mapping, table: str) -> str | None:
    """``table`` as a list nested in the records of ``mapping``'s table (its path there), or
    None when it is that table itself."""
    own = mapping.source_table.lower()
    return None if table.lower() == own else table[len(own) + len(SEPARATOR) :]


def reads_of(mapping: Mapping, table: str) -> set[str]:
    """The columns of ``table`` that ``mapping``'s expression reads: its own table's, or
    those of a list nested in it (`list.column` in an aggregate)."""
    try:
        return reads(mapping.expression or "", list_path(mapping, table))
    except ExpressionError:  # validated when stored; unreadable now reads nothing
        return set()


def readers(index: dict, connector: str, table: str, changes: list[dict]) -> list[Mapping]:
    """The active computed mappings whose expression reads a changed column: of the table
    itself, or of a table it is a list nested in (dlt's `<parent>__<path>`)."""
    changed = {change["column"] for change in changes}
    found = []
    for (each_connector, each_table, _), mapping in index.items():
        if each_connector != connector or not mapping.expression or not mapping.canonical_field:
            continue
        if each_table != table.lower() and not table.lower().startswith(each_table + SEPARATOR):
            continue
        if reads_of(mapping, table) & changed:
            found.append(mapping)
    return sorted(found, key=lambda m: (m.source_table, m.source_field))


def repair_reader(drift: ExpressionDrift, mapping: Mapping) -> Repair | None:
    """The repair of one computed mapping that reads changed columns; None when it still
    holds and nothing needs writing."""
    path = list_path(mapping, drift.event.source_table)
    read = reads_of(mapping, drift.event.source_table)
    touching = [c for c in drift.event.changes if c["column"] in read]
    removed = [c["column"] for c in touching if c["kind"] == "removed"]
    if removed:
        why = f"it reads {', '.join(removed)}, which the source no longer sends"
        return _to_review(drift, mapping, why)
    renames = {c["column"]: c["renamed_to"] for c in touching if c["kind"] == "renamed_suspected"}
    if renames:
        return _follow_renames(drift, mapping, renames, path)
    if any(c["kind"] == "type_changed" for c in touching):
        try:
            _check(drift, mapping, mapping.expression or "", path)
        except ExpressionError as error:
            changed = ", ".join(c["column"] for c in touching if c["kind"] == "type_changed")
            return _to_review(drift, mapping, f"{changed} changed type; {error}")
    return None


def _check(drift: ExpressionDrift, mapping: Mapping, expression: str, path: str | None) -> None:
    """Type-check ``expression`` against the event's table as it is now: the mapping's own, or
    its list at ``path``, read with the mapping's table as last observed."""
    if path is None:
        check_for_target(expression, _target(mapping), drift.columns)
        return
    columns, lists = observed_table_of(drift.workflow, _ref(drift, mapping))
    if lists is None:  # the parent not observed: its lists are unknown, and fit anywhere
        return
    now = {**lists, path: NestedList(drift.event.source_table, drift.columns)}
    check_for_target(expression, _target(mapping), columns, lists=now)


def _target(mapping: Mapping) -> str:
    return f"{mapping.canonical_entity}.{mapping.canonical_field}"


def _ref(drift: ExpressionDrift, mapping: Mapping) -> FieldRef:
    # the mapping's own table: the event's, or the one the event's list is nested in
    return FieldRef(drift.tenant_id, mapping.connector, mapping.source_table, mapping.source_field)


def _follow_renames(
    drift: ExpressionDrift, mapping: Mapping, renames: dict[str, str], path: str | None
) -> Repair:
    rewritten = mapping.expression or ""
    for old, new in renames.items():
        rewritten = rename_column(rewritten, old, new, path)
    try:  # against the table as it is now (when observed): every column it reads is there
        if drift.columns:
            _check(drift, mapping, rewritten, path)
    except ExpressionError as error:
        return _to_review(drift, mapping, f"rewritten as {rewritten!r} it fails: {error}")
    confidence = min(drift.rename_confidence.get(old, 0.0) for old in renames)
    applied = confidence >= AUTO_APPROVE
    moves = ", ".join(f"{old} -> {new}" for old, new in renames.items())
    drift.workflow.propose(
        _ref(drift, mapping),
        _target(mapping),
        confidence,
        "registry",
        ACTOR,
        activate=applied,
        transform=mapping.transform,
        evidence={"renamed": renames, "expression_was": mapping.expression},
        reason=f"drift event {drift.event.id}: {moves}; the expression follows",
        expression=rewritten,
    )
    return Repair(
        drift.event.id,
        "rewritten" if applied else "proposed",
        mapping.source_field,
        _target(mapping),
        confidence,
        applied,
        f"{moves} in {rewritten}",
        rewritten,
    )


def _to_review(drift: ExpressionDrift, mapping: Mapping, why: str) -> Repair:
    """A proposal to stop computing the field, for a person: approve it, reject it (the
    expression stays), or set a new expression."""
    drift.workflow.propose(
        _ref(drift, mapping),
        None,
        REVIEW_CONFIDENCE,
        "none",
        ACTOR,
        activate=False,
        reason=f"drift event {drift.event.id}: the expression {mapping.expression!r} of "
        f"{_target(mapping)} needs a person: {why}. Approve to stop computing it, reject to "
        "keep it, or set a new one (autonomos mappings set --expression)",
    )
    return Repair(drift.event.id, "flagged", mapping.source_field, _target(mapping),
                  REVIEW_CONFIDENCE, False, why)  # fmt: skip
