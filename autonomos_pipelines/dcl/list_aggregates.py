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
from dataclasses import dataclass, replace

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.functions import CASTS
from autonomos_pipelines.dcl.expressions.lists import SEPARATOR, NestedList
from autonomos_pipelines.dcl.expressions.tokens import spelled
from autonomos_pipelines.dcl.expressions.types import column_type
from autonomos_pipelines.dcl.list_parents import Key, Observed, claimed_targets, parent_entities
from autonomos_pipelines.dcl.matching.field_text import split_words
from autonomos_pipelines.dcl.matching.nested_tables import aggregate_for, parent_of
from autonomos_pipelines.dcl.matching.resolver import Resolution
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.model.canonical_model import is_canonical, target_type
from autonomos_pipelines.dcl.registry.expression_checks import check_for_target, observed_table_of
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
    plain: str | None = None  # the expression without preferring the primary item

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
    declined = {
        key for key, found in _candidates(tenant_id, resolutions, observed)
        if found.target in rejected.get(_named(found), set())
    }  # fmt: skip
    chosen = _chosen(tenant_id, resolutions, registered, observed, declined)
    known = set(index) | set(pending)
    valid = [each for each in chosen if _named(each) not in known]
    _record_types(workflow, tenant_id, valid, observed)
    # what the registry checks before writing: the tables it has recorded, stale ones too
    proposed = [found for each in valid if (found := _validated(each, _registered(workflow, each)))]
    return proposed, declined | {each.nested for each in proposed}


def batch_aggregates(
    resolutions: Mapping[Key, Resolution], fields: Sequence[SourceField]
) -> dict[Key, ListAggregate]:
    """What a mapping pass would propose for these fields alone, by list field (`autonomos
    map`: no registry, so nothing is known fed or rejected but what the fields say)."""
    observed = Observed(fields)
    return {each.nested: each for each in _chosen(None, resolutions, ({}, {}), observed, set())}


def _chosen(
    tenant_id: TenantId | None,
    resolutions: Mapping[Key, Resolution],
    registered: tuple[Mapping[Key, Active], Mapping[Key, dict]],
    observed: Observed,
    declined: set[Key],
) -> list[ListAggregate]:
    """Per parent and target, the most confident list field's aggregate that is valid over
    the tables as this pass observed them, on a parent taken for the target's entity whose
    own fields do not feed the target."""
    index, pending = registered
    entities = parent_entities(resolutions, index, pending, observed)
    claimed = claimed_targets(resolutions, index, pending)
    best: dict[Key, ListAggregate] = {}
    for key, found in _candidates(tenant_id, resolutions, observed):
        parent, target = (found.ref.connector, found.ref.source_table.lower()), found.target
        if key in declined or target.partition(".")[0] != entities.get(parent):
            continue
        if (*parent, target) in claimed:
            continue
        rival = best.get((*parent, target))
        if rival is None or rival.resolution.confidence < found.resolution.confidence:
            best[(*parent, target)] = found
    return [valid for each in best.values() if (valid := _validated(each, _seen(each, observed)))]


def _named(found: ListAggregate) -> Key:
    return (found.ref.connector, found.ref.source_table.lower(), found.ref.source_field)


def _candidates(
    tenant_id: TenantId | None, resolutions: Mapping[Key, Resolution], observed: Observed
) -> list[tuple[Key, ListAggregate]]:
    found = ((key, _candidate(tenant_id, key, r, observed)) for key, r in resolutions.items())
    return [(key, each) for key, each in found if each is not None]


def _candidate(
    tenant_id: TenantId | None, key: Key, resolution: Resolution, observed: Observed
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
    if not is_canonical(target):  # a target schema of the caller's (`autonomos map`)
        return None
    name, plain = aggregate_for(source.source_entity, parent, source.field, target)
    if name in observed.columns(connector, parent):
        return None
    path = source.source_entity[len(parent) + len(SEPARATOR) :]
    items = observed.columns(connector, source.source_entity)
    expression = _preferring_primary(plain, path, source.field, items)
    ref = FieldRef(tenant_id, connector, parent, name)
    return ListAggregate(key, ref, target, expression, resolution, plain)


def _preferring_primary(expression: str, path: str, column: str, items: dict[str, str]) -> str:
    """first() of a list whose items say which one is the primary (a person's e-mail
    addresses, a company's phone numbers): the primary item's, else the first's."""
    flag = next((c for c in items if tuple(split_words(c)) in PRIMARY_FLAGS), None)
    if flag is None or flag == column or not expression.startswith("first("):
        return expression
    kind = column_type(items[flag])
    if kind not in ("boolean", "string", "integer"):  # a default date is no flag
        return expression
    condition = f"{spelled(path)}.{spelled(flag)}"
    if kind != "boolean":
        condition = f"to_boolean({condition})"
    return f"coalesce(first({expression[len('first(') : -1]}, {condition}), {expression})"


View = tuple[dict[str, str] | None, dict[str, NestedList] | None]  # columns, lists


def _validated(found: ListAggregate, view: View) -> ListAggregate | None:
    """``found`` if its expression is valid over the parent's columns and lists in ``view``,
    or once cast to the target's type, else without preferring the primary item; None when
    none of these is."""
    columns, lists = view
    for base in dict.fromkeys((found.expression, found.plain or found.expression)):
        for expression in _spellings(base, target_type(found.target)):
            try:
                check_for_target(expression, found.target, columns, lists=lists)
            except ExpressionError:
                continue
            return replace(found, expression=expression)
    return None


def _seen(found: ListAggregate, observed: Observed) -> View:
    connector, parent = found.ref.connector, found.ref.source_table
    return observed.columns(connector, parent) or None, observed.lists(connector, parent)


def _registered(workflow: Workflow, found: ListAggregate) -> View:
    return observed_table_of(workflow, found.ref)


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
