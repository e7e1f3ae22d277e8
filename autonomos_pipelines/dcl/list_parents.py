"""The tenant's tables as a mapping pass sees them, against which a nested list's aggregate
is weighed (dcl/list_aggregates.py): each table's columns and lists as the pass observed them,
the entity each table is taken for, and the targets its own fields feed or may feed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cached_property

from autonomos_pipelines.dcl.expressions.lists import PARENT_KEY, NestedList, nested_lists
from autonomos_pipelines.dcl.matching.resolver import Resolution
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.store import Mapping as Active

Key = tuple[str, str, str]  # (connector, table lowercased, field or target)


class Observed:
    """The pass's tables: per (connector, table lowercased), its name and {column: type}."""

    def __init__(self, fields: Sequence[SourceField]) -> None:
        self.tables: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
        for f in fields:
            name, columns = self.tables.setdefault(
                (f.source_system, f.source_entity.lower()), (f.source_entity, {})
            )
            columns[f.field] = f.type or ""

    @cached_property
    def names(self) -> list[tuple[str, str]]:
        """(connector, table) of every table, as named."""
        return [(connector, name) for (connector, _), (name, _) in self.tables.items()]

    def columns(self, connector: str, table: str) -> dict[str, str]:
        return self.tables.get((connector, table.lower()), ("", {}))[1]

    def is_nested(self, connector: str, table: str) -> bool:
        return PARENT_KEY in self.columns(connector, table)

    def lists(self, connector: str, table: str) -> dict[str, NestedList]:
        """The lists nested directly in ``table``'s records (lists.nested_lists)."""
        schema = {name: cols for (c, _), (name, cols) in self.tables.items() if c == connector}
        return nested_lists(table, schema)


def parent_entities(
    resolutions: Mapping[Key, Resolution],
    index: Mapping[Key, Active],
    pending: Mapping[Key, dict],
    observed: Observed,
) -> dict[tuple[str, str], str]:
    """Per table that is not a list, the entity it is taken for: decided in this pass, else
    the one most of its mappings, approved or waiting, name (a later pass ranks only its new
    fields)."""
    named = Counter(
        (connector, table, entity)
        for (connector, table, _), entity in [
            *((key, m.canonical_entity) for key, m in index.items()),
            *((key, row["canonical_entity"]) for key, row in pending.items()),
        ]
        if entity and not observed.is_nested(connector, table)
    )
    entities: dict[tuple[str, str], str] = {}
    for (connector, table, entity), _ in reversed(named.most_common()):
        entities[connector, table] = entity  # the most common last: it stays
    for (connector, table, _), resolution in resolutions.items():
        if resolution.table is not None and not resolution.table.nested:
            entities[connector, table] = resolution.table.entity
    return entities


def claimed_targets(
    resolutions: Mapping[Key, Resolution], index: Mapping[Key, Active], pending: Mapping[Key, dict]
) -> set[Key]:
    """(connector, table, target) for every target a table's own fields feed or may feed."""
    claimed = {
        (m.connector, m.source_table.lower(), f"{m.canonical_entity}.{m.canonical_field}")
        for m in index.values()
        if m.canonical_field
    }
    claimed |= {
        (connector, table, f"{row['canonical_entity']}.{row['canonical_field']}")
        for (connector, table, _), row in pending.items()
        if row["canonical_field"]
    }
    claimed |= {
        (connector, table, r.mapping)
        for (connector, table, _), r in resolutions.items()
        if r.mapping and r.status != "unmapped" and not (r.table and r.table.nested)
    }
    return claimed
