"""Drift repairs of computed mappings. A computed mapping is repaired through the columns its
expression reads (its own name need not be a column at all):

* renamed: the expression is rewritten to read the new column and gets a new version, applied
  when the rename is sure enough (the same confidence as moving a plain mapping), proposed
  otherwise;
* removed: a reviewer decides, on a proposal to stop computing the field (rejecting it keeps
  the expression, whose rows from now on read NULL where the column was) - nothing is guessed;
* retyped: the expression is type-checked against the new types; one that no longer fits its
  canonical field goes to review the same way, with the checker's reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.drift.events import DriftInput, Repair
from autonomos_pipelines.dcl.expressions.check import check_expression, read_columns
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.rename import rename_column
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.dcl.registry.workflow import FieldRef, Workflow

ACTOR = "system:drift"
REVIEW_CONFIDENCE = 0.5


@dataclass(frozen=True)
class ExpressionDrift:
    """One change of an event's table, the table's columns now, and (for a rename) how sure
    the DCL is of it."""

    workflow: Workflow
    tenant_id: TenantId
    event: DriftInput
    change: dict
    columns: dict[str, str]  # {column: warehouse type}
    rename_confidence: float = 0.0
    rename_applied: bool = False


def readers(index: dict, connector: str, table: str, column: str) -> list[Mapping]:
    """The table's active computed mappings whose expression reads ``column``."""
    found = []
    for (each_connector, each_table, _), mapping in index.items():
        if (each_connector, each_table) != (connector, table.lower()) or not mapping.expression:
            continue
        try:
            reads = read_columns(mapping.expression)
        except ExpressionError:  # validated when stored; unreadable now reads nothing
            continue
        if column in reads and mapping.canonical_field:
            found.append(mapping)
    return sorted(found, key=lambda m: m.source_field)


def repair_reader(drift: ExpressionDrift, mapping: Mapping) -> Repair | None:
    """The repair of one computed mapping that reads the changed column; None when it still
    holds and nothing needs writing."""
    kind, column = drift.change["kind"], drift.change["column"]
    if kind == "renamed_suspected":
        return _follow_rename(drift, mapping, drift.change["renamed_to"])
    if kind == "removed":
        return _to_review(drift, mapping, f"it reads {column}, which the source no longer sends")
    canonical = canonical_model()[mapping.canonical_entity or ""]
    canonical_type = canonical.field(mapping.canonical_field or "").type
    try:
        check_expression(mapping.expression or "", canonical_type, drift.columns, _target(mapping))
    except ExpressionError as error:
        return _to_review(drift, mapping, f"{column} changed type; {error}")
    return None


def _target(mapping: Mapping) -> str:
    return f"{mapping.canonical_entity}.{mapping.canonical_field}"


def _ref(drift: ExpressionDrift, mapping: Mapping) -> FieldRef:
    event = drift.event
    return FieldRef(drift.tenant_id, event.connector, event.source_table, mapping.source_field)


def _follow_rename(drift: ExpressionDrift, mapping: Mapping, new: str) -> Repair:
    old = drift.change["column"]
    rewritten = rename_column(mapping.expression or "", old, new)
    drift.workflow.propose(
        _ref(drift, mapping),
        _target(mapping),
        drift.rename_confidence,
        "registry",
        ACTOR,
        activate=drift.rename_applied,
        transform=mapping.transform,
        evidence={"renamed_from": old, "renamed_to": new, "expression_was": mapping.expression},
        reason=f"drift event {drift.event.id}: {old} renamed to {new}; the expression follows",
        expression=rewritten,
    )
    return Repair(
        drift.event.id,
        "rewritten" if drift.rename_applied else "proposed",
        mapping.source_field,
        _target(mapping),
        drift.rename_confidence,
        drift.rename_applied,
        f"{old} -> {new} in {rewritten}",
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
