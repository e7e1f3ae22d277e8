"""dlt's nested tables: a list inside a source's records (a Stripe subscription's items, a
HubSpot deal's associations, a Xero contact's persons) is loaded as a table of its own,
each row carrying dlt's `_dlt_parent_id` (its parent row's `_dlt_id`) and `_dlt_list_idx`.

Its rows are several per parent record and have no key of the source's. Mapped onto the
parent entity's fields, one record would get several quantities or prices; onto another
entity's, canonical rows would have no identity of their own. Whether and how such a list
feeds a canonical table is a person's call (most often a computed mapping on the parent table
that aggregates the list: dcl/expressions/lists.py): its fields are held at CONTESTED_CEILING, the
first candidate saying why (the LLM is not asked: resolver.asks_llm). dlt's own columns are
never a source field's counterpart: Matcher.decide ranks and weighs a table without them
(`apart`), and they get no candidates, though they still say the table is nested."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from autonomos_pipelines.dcl.expressions.lists import PARENT_KEY, SCALAR_COLUMN, SEPARATOR
from autonomos_pipelines.dcl.expressions.tokens import spelled
from autonomos_pipelines.dcl.matching.candidate import Candidate, held
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.model.canonical_model import is_canonical, target_type

DLT_PREFIX = "_dlt_"


def is_dlt_column(name: str) -> bool:
    """dlt's bookkeeping (`_dlt_id`, `_dlt_parent_id`, `_dlt_list_idx`, ...), not the
    source's: a source column named so would collide with dlt's own (adapters rename it)."""
    return name.startswith(DLT_PREFIX)


def apart(
    fields: Sequence[SourceField],
    others: Mapping[tuple[str, str], Sequence[SourceField]] | None,
) -> tuple[list[int], dict[tuple[str, str], list[SourceField]]]:
    """The rows of ``fields`` that are the source's own, and ``others`` (per table, its
    fields not ranked) with each table's dlt columns among them."""
    own, seen = [], {table: list(known) for table, known in (others or {}).items()}
    for row, source in enumerate(fields):
        if is_dlt_column(source.field):
            seen.setdefault((source.source_system, source.source_entity), []).append(source)
        else:
            own.append(row)
    return own, seen


def nested_of(
    fields: Sequence[SourceField],
    others: Mapping[tuple[str, str], Sequence[SourceField]] | None = None,
) -> dict[tuple[str, str], str | None]:
    """The tables of ``fields`` that are nested lists, with their parent table when it is
    known here; ``others``: per table, its fields not ranked here (its dlt columns, which
    `apart` moved there, and a later pass's fields seen before)."""
    seen = others or {}
    tables = {(f.source_system, f.source_entity) for f in fields} | set(seen)
    return {
        table: parent_of(table, tables)
        for table in {(f.source_system, f.source_entity) for f in fields}
        if any(f.field == PARENT_KEY for f in seen.get(table, ()))
    }


def hold_nested(
    ranked: list[list[Candidate]],
    fields: Sequence[SourceField],
    nested: Mapping[tuple[str, str], str | None],
) -> list[list[Candidate]]:
    """The candidates, every field of a ``nested`` table (`nested_of`) held for a person."""
    return [
        _held(candidates, source, nested[source.source_system, source.source_entity])
        if (source.source_system, source.source_entity) in nested else candidates
        for source, candidates in zip(fields, ranked, strict=True)
    ]  # fmt: skip


def parent_of(table: tuple[str, str], tables: Collection[tuple[str, str]]) -> str | None:
    """The table whose records the list ``table`` is nested in, among ``tables``: the longest
    whose name and dlt's separator begin the list's (lists.nested_lists reads the warehouse
    the same way)."""
    system, name = table[0], table[1].lower()
    parents = [t for s, t in tables if s == system and name.startswith(t.lower() + SEPARATOR)]
    return max(parents, key=len) if parents else None


def aggregate_for(table: str, parent: str, column: str, target: str) -> tuple[str, str]:
    """What a person most likely writes on ``parent`` to put the nested list ``table``'s
    ``column`` on its records' ``target``: the computed field's name (the list's path, with
    the column unless it is dlt's `value` of a list of scalars) and the expression (`list()`
    for a json field, else the first item's)."""
    path = table[len(parent) + len(SEPARATOR) :]
    aggregate = "list" if is_canonical(target) and target_type(target) == "json" else "first"
    name = path if column == SCALAR_COLUMN else f"{path}{SEPARATOR}{column}"
    return name, f"{aggregate}({spelled(path)}.{spelled(column)})"


def _held(candidates: list[Candidate], source: SourceField, parent: str | None) -> list[Candidate]:
    capped = [held(c) for c in candidates]
    if capped:
        table, first = source.source_entity, capped[0]
        note = (
            f"{table!r} is a list nested in another table's records (dlt's {PARENT_KEY}): "
            "several rows each and no key of its own, so a person decides what it feeds"
        )
        if parent is not None and first.target:
            expression = aggregate_for(table, parent, source.field, first.target)[1]
            note += (
                f"; to put it on {parent}'s record, map {first.target} there with an "
                f"aggregate, e.g. {expression}"
            )
        capped[0] = replace(first, note=f"{note}; {first.note}" if first.note else note)
    return capped
