"""What a table already has, which its new fields are read against: the targets its fields
feed (the table decision holds them) and its other fields whatever their state (column_margin)."""

from __future__ import annotations

from collections.abc import Mapping as Index

from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.store import Mapping

MappingIndex = Index[tuple[str, str, str], Mapping]


def field_key(source: SourceField) -> tuple[str, str, str]:
    """A source field's key in the registry's mapping index: (connector, table lowercased,
    field)."""
    return (source.source_system, source.source_entity.lower(), source.field)


def approved_targets(
    index: MappingIndex, fields: list[SourceField]
) -> dict[tuple[str, str], set[str]]:
    """Per table of ``fields``: the targets its other fields are already mapped to (the table
    decision reads new fields in that context, and a new field competing for one of those
    targets goes to a person). Computed mappings count too, though no field is observed."""
    by_table: dict[tuple[str, str], set[str]] = {}
    for m in index.values():
        if m.canonical_field:
            target = f"{m.canonical_entity}.{m.canonical_field}"
            by_table.setdefault((m.connector, m.source_table.lower()), set()).add(target)
    return {
        (f.source_system, f.source_entity): by_table[(f.source_system, f.source_entity.lower())]
        for f in fields
        if (f.source_system, f.source_entity.lower()) in by_table
    }


def other_fields(
    observed: list[SourceField], new: list[SourceField]
) -> dict[tuple[str, str], list[SourceField]]:
    """Per table of the ``new`` fields: its other ``observed`` fields, whatever the registry
    holds for them (mapped, waiting for a person, decided unmapped). The table's key is sought
    among them too (table_assignment.key_rows), as if the whole table were ranked at once."""
    tables = {(f.source_system, f.source_entity.lower()): (f.source_system, f.source_entity)
              for f in new}  # fmt: skip
    fresh = {field_key(f) for f in new}
    found: dict[tuple[str, str], list[SourceField]] = {}
    for f in observed:
        table = tables.get((f.source_system, f.source_entity.lower()))
        if table and field_key(f) not in fresh:
            found.setdefault(table, []).append(f)
    return found
