"""SQL for value mappings in a canonical SELECT: a mapped enumeration field's source values
become canonical values, and a value outside the value set is kept, never dropped.

The source value is compared as text (how the mapping pass read it, and how the registry
stores it), so a map from '1' applies to an integer column too. A value that is neither
mapped nor already canonical stays in the column as the source sent it and its raw text is
recorded in ``extras._unmapped_values`` (source field -> value), which the canonical asset
counts. Every literal goes through quote_literal.
"""

from __future__ import annotations

from collections.abc import Mapping

from autonomos_pipelines.core.naming import quote_literal
from autonomos_pipelines.dcl.model.canonical_model import CanonicalField
from autonomos_pipelines.warehouse.dialects import Dialect

UNMAPPED_VALUES_KEY = "_unmapped_values"


def mapped_values(
    raw: str, typed: str, value_map: Mapping[str, str], field: CanonicalField, dialect: Dialect
) -> str:
    """``typed`` (the field's converted expression) with each mapped source value replaced
    by its canonical value; ``raw`` is the source column. Without a map: ``typed``."""
    if not value_map:
        return typed
    sql_type = dialect.types[field.type]
    branches = " ".join(
        f"WHEN {quote_literal(source)} THEN CAST({quote_literal(canonical)} AS {sql_type})"
        for source, canonical in sorted(value_map.items())
    )
    return f"CASE {dialect.as_text(raw)} {branches} ELSE {typed} END"


def unmapped_value(raw: str, mapped: str, field: CanonicalField, dialect: Dialect) -> str:
    """The raw text of a value the mapping left outside ``field``'s value set, else NULL
    (a NULL, or a value whose conversion failed, is not an unknown value)."""
    allowed = ", ".join(quote_literal(value) for value in field.values)
    return f"CASE WHEN {dialect.as_text(mapped)} NOT IN ({allowed}) THEN {dialect.as_text(raw)} END"


def with_unmapped(extras: str, unknown: list[tuple[str, str]], dialect: Dialect) -> str:
    """``extras`` plus ``_unmapped_values`` when any of the (source field, expression) pairs
    holds a value on the row."""
    if not unknown:
        return extras
    found = dialect.json_object_without_nulls(unknown)
    any_found = " OR ".join(f"({expr}) IS NOT NULL" for _, expr in unknown)
    merged = dialect.json_merge(extras, dialect.json_wrap(UNMAPPED_VALUES_KEY, found))
    return f"CASE WHEN {any_found} THEN {merged} ELSE {extras} END"
