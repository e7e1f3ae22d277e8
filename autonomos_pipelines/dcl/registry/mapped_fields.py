"""The fields of a table already mapped, which new fields of the table are weighed against."""

from __future__ import annotations

from collections.abc import Mapping as Index

from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.store import Mapping


def mapped_fields(
    index: Index[tuple[str, str, str], Mapping],
    observed: list[SourceField],
    new: list[SourceField],
) -> dict[tuple[str, str], list[SourceField]]:
    """Per table of the ``new`` fields: its ``observed`` fields mapped to a canonical field in
    ``index`` ((connector, table lowercased, field) -> active mapping), the new ones aside.
    The matcher weighs each new field against them (column_margin), as it would if the whole
    table were ranked at once."""
    tables = {(f.source_system, f.source_entity.lower()): (f.source_system, f.source_entity)
              for f in new}  # fmt: skip
    fresh = {_key(f) for f in new}
    found: dict[tuple[str, str], list[SourceField]] = {}
    for f in observed:
        table = tables.get((f.source_system, f.source_entity.lower()))
        mapping = index.get(_key(f))
        if table and _key(f) not in fresh and mapping is not None and mapping.canonical_field:
            found.setdefault(table, []).append(f)
    return found


def _key(source: SourceField) -> tuple[str, str, str]:
    return (source.source_system, source.source_entity.lower(), source.field)
