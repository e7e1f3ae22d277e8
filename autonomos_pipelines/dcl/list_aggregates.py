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
whose note says what to write. Each candidate is formed in list_candidates.py, and the parent
tables it is weighed against are in list_parents.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.functions import CASTS
from autonomos_pipelines.dcl.expressions.lists import SEPARATOR, NestedList
from autonomos_pipelines.dcl.list_candidates import ListAggregate, candidates
from autonomos_pipelines.dcl.list_parents import Key, Observed, claimed_targets, parent_entities
from autonomos_pipelines.dcl.matching.resolver import Resolution
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.model.canonical_model import target_type
from autonomos_pipelines.dcl.registry.expression_checks import check_for_target, observed_table_of
from autonomos_pipelines.dcl.registry.store import Mapping as Active
from autonomos_pipelines.dcl.registry.store import ObservedField
from autonomos_pipelines.dcl.registry.workflow import Workflow

_CAST_TO = {result: name for name, result in CASTS.items()}


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
    if not _has_lists(resolutions):
        return [], set()
    index, pending = registered
    observed = Observed(fields)
    found = candidates(tenant_id, resolutions, observed)
    declined = {
        key for key, each in found if each.target in rejected.get(_named(each), set())
    }  # fmt: skip
    chosen = _chosen(found, resolutions, registered, observed, declined)
    known = set(index) | set(pending)
    valid = [each for each in chosen if _named(each) not in known]
    _record_types(workflow, tenant_id, valid, observed)
    # what the registry checks before writing: the tables it has recorded, stale ones too
    views: dict[tuple[str, str], View] = {}  # one read per parent table
    proposed = [
        checked for each in valid
        if (checked := _validated(each, _registered(workflow, each, views))) is not None
    ]  # fmt: skip
    return proposed, declined | {each.nested for each in proposed}


def batch_aggregates(
    resolutions: Mapping[Key, Resolution], fields: Sequence[SourceField]
) -> dict[Key, ListAggregate]:
    """What a mapping pass would propose for these fields alone, by list field (`autonomos
    map`: no registry, so nothing is known fed or rejected but what the fields say)."""
    if not _has_lists(resolutions):
        return {}
    observed = Observed(fields)
    found = candidates(None, resolutions, observed)
    return {each.nested: each for each in _chosen(found, resolutions, ({}, {}), observed, set())}


def _has_lists(resolutions: Mapping[Key, Resolution]) -> bool:
    """Whether a nested list's field is among those ranked (most passes: none)."""
    return any(r.table is not None and r.table.nested for r in resolutions.values())


def _chosen(
    found: list[tuple[Key, ListAggregate]],
    resolutions: Mapping[Key, Resolution],
    registered: tuple[Mapping[Key, Active], Mapping[Key, dict]],
    observed: Observed,
    declined: set[Key],
) -> list[ListAggregate]:
    """Of the candidates ``found``, per parent and target, the most confident list field's
    aggregate that is valid over the tables as this pass observed them, on a parent taken for
    the target's entity whose own fields do not feed the target."""
    index, pending = registered
    entities = parent_entities(resolutions, index, pending, observed)
    claimed = claimed_targets(resolutions, index, pending)
    best: dict[Key, ListAggregate] = {}
    for key, each in found:
        parent, target = (each.ref.connector, each.ref.source_table.lower()), each.target
        if key in declined or target.partition(".")[0] != entities.get(parent):
            continue
        if (*parent, target) in claimed:
            continue
        rival = best.get((*parent, target))
        if rival is None or rival.resolution.confidence < each.resolution.confidence:
            best[(*parent, target)] = each
    return [valid for each in best.values() if (valid := _validated(each, _seen(each, observed)))]


def _named(found: ListAggregate) -> Key:
    return (found.ref.connector, found.ref.source_table.lower(), found.ref.source_field)


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


def _registered(
    workflow: Workflow, found: ListAggregate, views: dict[tuple[str, str], View]
) -> View:
    parent = (found.ref.connector, found.ref.source_table.lower())
    if parent not in views:
        views[parent] = observed_table_of(workflow, found.ref)
    return views[parent]


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
