"""What a nested list's field would be as an aggregate on its parent table, before it is weighed
against the others (dcl/list_aggregates.py): the parent, the computed field's name, and the
expression, preferring the item a list flags as primary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.expressions.lists import SEPARATOR
from autonomos_pipelines.dcl.expressions.tokens import spelled
from autonomos_pipelines.dcl.expressions.types import column_type
from autonomos_pipelines.dcl.list_parents import Key, Observed
from autonomos_pipelines.dcl.matching.field_text import split_words
from autonomos_pipelines.dcl.matching.nested_tables import aggregate_for, parent_of
from autonomos_pipelines.dcl.matching.resolver import Resolution
from autonomos_pipelines.dcl.model.canonical_model import is_canonical
from autonomos_pipelines.dcl.registry.refs import FieldRef

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


def candidates(
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
