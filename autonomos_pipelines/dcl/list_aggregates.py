"""A nested list's field proposed where it can land: as an aggregate on its parent table.

dlt loads a list inside a source's records as a table of its own (a Zendesk ticket's tags
as `tickets__tags`), whose fields the matcher holds for a person (matching/nested_tables.py):
mapped as they are, a canonical table would get one row per list item. What a person writes
instead is a computed mapping on the parent table that reads the list (dcl/expressions/
lists.py), so the mapping pass proposes that, for review and never approved by itself:
`tickets.tags -> ticket.tags = list(tags.value)`, in place of the nested field's own proposal.

It is proposed only where it is likely what a person wants: the field's first target is a
field of the entity its parent table is taken for; no field of the parent feeds that target
(approved, waiting, or proposed in the same pass) and no other list field of the parent
scores higher for it; the parent has no mapping of that name, nor a column; a person has
not rejected it; and it is valid over the parent as observed (cast to the target's type
when the column's type does not fit). Otherwise the nested field keeps its held proposal,
whose note says what to write. What the parent tables are is in list_parents.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.functions import CASTS
from autonomos_pipelines.dcl.expressions.lists import SEPARATOR
from autonomos_pipelines.dcl.expressions.tokens import spelled
from autonomos_pipelines.dcl.expressions.types import column_type
from autonomos_pipelines.dcl.list_parents import Key, Observed, claimed_targets, parent_entities
from autonomos_pipelines.dcl.matching.field_text import split_words
from autonomos_pipelines.dcl.matching.nested_tables import aggregate_for, parent_of
from autonomos_pipelines.dcl.matching.resolver import Resolution
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.model.canonical_model import target_type
from autonomos_pipelines.dcl.registry.expression_checks import check_for_target
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.store import Mapping as Active
from autonomos_pipelines.dcl.registry.store import ObservedField
from autonomos_pipelines.dcl.registry.workflow import Workflow

_CAST_TO = {result: name for name, result in CASTS.items()}
# a list item's flag saying it is the one to take (Pipedrive's, HubSpot's `primary`)
PRIMARY_FLAGS = {("primary",), ("is", "primary"), ("default",), ("is", "default")}


@dataclass(frozen=True)
class ListAggregate:
    """A nested list field's proposal as a computed mapping on its parent table."""

    nested: Key  # the list field's registry key
    ref: FieldRef  # the parent's computed field
    target: str
    expression: str
    resolution: Resolution  # the list field's, whose candidates are the evidence

    @property
    def reason(self) -> str:
        source = self.resolution.field
        return (
            f"{source.source_entity}.{source.field} is a list nested in "
            f"{self.ref.source_table}'s records, several items each: read on the record as "
            f"{self.expression}, its best match being {self.target} "
            f"({self.resolution.candidates[0].confidence:.2f}); a person decides"
        )


def list_aggregates(  # noqa: PLR0913
    workflow: Workflow,
    tenant_id: TenantId,
    resolutions: Mapping[Key, Resolution],
    registered: tuple[Mapping[Key, Active], Mapping[Key, dict]],
    rejected: Mapping[Key, set[str]],
    fields: Sequence[SourceField],
) -> tuple[list[ListAggregate], set[Key]]:
    """The pass's nested list fields best proposed as aggregates on their parent, and the
    list fields not to propose as they are: those, and those whose aggregate a person
    rejected (mapped as they are, they would be wronger still); ``registered``: the tenant's
    mapping index and pending proposals; ``fields``: every field the pass observed, among
    whose tables a list's parent is sought and against which each aggregate is checked."""
    index, pending = registered
    observed = Observed(fields)
    entities = parent_entities(resolutions, index, pending, observed)
    claimed = claimed_targets(resolutions, index, pending)
    best: dict[Key, ListAggregate] = {}
    declined: set[Key] = set()
    for key, resolution in resolutions.items():
        found = _candidate(tenant_id, key, resolution, observed)
        if found is None:
            continue
        parent, target = (found.ref.connector, found.ref.source_table.lower()), found.target
        named = (*parent, found.ref.source_field)
        if target in rejected.get(named, set()):
            declined.add(key)
            continue
        if target.partition(".")[0] != entities.get(parent) or (*parent, target) in claimed:
            continue
        if named in index or named in pending:
            continue
        rival = best.get((*parent, target))
        if rival is None or rival.resolution.confidence < resolution.confidence:
            best[(*parent, target)] = found
    proposed = [valid for each in best.values() if (valid := _validated(each, observed))]
    _record_types(workflow, tenant_id, proposed, observed)
    return proposed, declined | {each.nested for each in proposed}


def _candidate(
    tenant_id: TenantId, key: Key, resolution: Resolution, observed: Observed
) -> ListAggregate | None:
    """The aggregate a nested list's field would be on its parent table, if it may be one:
    a list's field, not left unmapped, directly nested in a table that is not itself a list,
    whose name on the parent no column of the parent has."""
    table, target, source = resolution.table, resolution.mapping, resolution.field
    if table is None or not table.nested or target is None or not resolution.candidates:
        return None
    connector = source.source_system
    parent = table.parent or parent_of((connector, source.source_entity), observed.names)
    if parent is None or resolution.status == "unmapped" or observed.is_nested(connector, parent):
        return None
    if len(source.source_entity) <= len(parent) + len(SEPARATOR):
        return None  # `<parent>__` names no list
    name, expression = aggregate_for(source.source_entity, parent, source.field, target)
    if name in observed.columns(connector, parent):
        return None
    path = source.source_entity[len(parent) + len(SEPARATOR) :]
    items = observed.columns(connector, source.source_entity)
    expression = _preferring_primary(expression, path, source.field, items)
    ref = FieldRef(tenant_id, connector, parent, name)
    return ListAggregate(key, ref, target, expression, resolution)


def _preferring_primary(expression: str, path: str, column: str, items: dict[str, str]) -> str:
    """first() of a list whose items say which one is the primary (a person's e-mail
    addresses, a company's phone numbers): the primary item's, else the first's."""
    flag = next((c for c in items if tuple(split_words(c)) in PRIMARY_FLAGS), None)
    if flag is None or flag == column or not expression.startswith("first("):
        return expression
    condition = f"{spelled(path)}.{spelled(flag)}"
    if column_type(items[flag]) != "boolean":
        condition = f"to_boolean({condition})"
    return f"coalesce(first({expression[len('first(') : -1]}, {condition}), {expression})"


def _validated(found: ListAggregate, observed: Observed) -> ListAggregate | None:
    """``found`` if its expression is valid over the parent as this pass observed it, or once
    cast to the target's type; None when neither is."""
    connector, parent = found.ref.connector, found.ref.source_table
    columns, lists = observed.columns(connector, parent), observed.lists(connector, parent)
    for expression in _spellings(found.expression, target_type(found.target)):
        try:
            check_for_target(expression, found.target, columns or None, lists=lists)
        except ExpressionError:
            continue
        return ListAggregate(found.nested, found.ref, found.target, expression, found.resolution)
    return None


def _record_types(
    workflow: Workflow, tenant_id: TenantId, proposed: list[ListAggregate], observed: Observed
) -> None:
    """The warehouse types of the parents and their lists, as this pass observed them, where
    the registry checks each proposal's expression before it is written (source_fields): the
    mapping step records its fields after the pass."""
    tables = {(a.ref.connector, a.ref.source_table.lower()) for a in proposed}
    rows = [
        ObservedField(connector, name, column, kind, None)
        for (connector, lowered), (name, columns) in observed.tables.items()
        if any(connector == c and (lowered == t or lowered.startswith(t + SEPARATOR))
               for c, t in tables)
        for column, kind in columns.items()
    ]  # fmt: skip
    if rows:
        workflow.registry.record_field_types(tenant_id, rows)


def _spellings(expression: str, target_type: str) -> Sequence[str]:
    cast = _CAST_TO.get(target_type)
    return (expression, f"{cast}({expression})") if cast else (expression,)
