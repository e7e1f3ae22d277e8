"""A table that is nothing canonical: its fields, and the references to it, held for a person
however sure the trees.

Every table is decided to be some entity, and a lookup table that is none leans to whichever
its few fields fit: ``taxes`` (id, name, rate) and a help desk's ``departments`` (id, name,
description) to the account, a CRM's ``deal_stages`` (id, name, probability) to the
opportunity. The trees, which see one field at a time, auto-approved their ``name`` onto
``account.name`` at 0.95 and ``invoices.tax_id`` beside ``taxes`` onto ``invoice.account_id``
at 0.91 (0.10 without the ``taxes`` table). Something in the table must found its decision:
its own key approved as the entity's id, or WITNESSES of its fields mapped to the entity, as
for a settled key (a ``customers`` table's name, phone and creation time, whose bare ``id``
the trees doubt). A table whose approved mappings name its entity, or with fields not ranked
here, is founded by what came before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from autonomos_pipelines.dcl.matching.candidate import Candidate, held
from autonomos_pipelines.dcl.matching.settled_keys import WITNESSES, witnesses
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import Table, TableEntity
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE


def unfounded(
    ranked: Sequence[Sequence[Candidate]],
    fields: Sequence[SourceField],
    tables: Mapping[Table, Sequence[int]],
    decided: Mapping[Table, TableEntity],
    key_rows: Sequence[int | None],
    identities: Mapping[str, str],
    others: Mapping[Table, Sequence[SourceField]] | None = None,
) -> dict[Table, str]:
    """The tables nothing founds as what they were decided to be, each with why (``key_rows``:
    each table's key row in ``tables`` order; ``identities``: each entity's id field;
    ``others``: per table, its fields not ranked here)."""
    found = {}
    for (table, rows), key_row in zip(tables.items(), key_rows, strict=True):
        decision = decided[table]
        identity = identities.get(decision.entity)
        if identity is None or decision.anchored or (others or {}).get(table):
            continue
        key = ranked[key_row][0] if key_row is not None and ranked[key_row] else None
        if key is not None and key.target == identity and key.confidence >= AUTO_APPROVE:
            continue
        count = witnesses(identity, [ranked[r] for r in rows if r != key_row])
        if count >= WITNESSES:
            continue
        said = "no key"
        if key_row is not None:
            read = f"{key.confidence:.2f}" if key is not None and key.target == identity else "not"
            said = f"its key {fields[key_row].field!r} read as {identity} {read}"
        found[table] = (
            f"decided {decision.entity} on little ({said}; {count} of its fields map to "
            f"{decision.entity}, fewer than {WITNESSES})"
        )
    return found


def hold_unfounded(
    ranked: list[list[Candidate]],
    found: Sequence[tuple[int, int]],
    tables: Mapping[Table, Sequence[int]],
    decided: Mapping[Table, TableEntity],
    pointed: Mapping[str, str | None],
    why: Mapping[Table, str],
) -> list[list[Candidate]]:
    """The candidates, held at the ceiling where they would be approved: an unfounded table's
    fields (``why``: `unfounded`), and a reference's key to what such a table was decided
    to be (``found``: (referenced table, row), tables numbered in ``tables`` order;
    ``pointed``: per target, the entity it is a key to)."""
    listed = list(tables)
    for table, rows in tables.items():
        if table in why:
            for row in rows:
                ranked[row] = _held(ranked[row], f"the table is {why[table]}")
    for index, row in found:
        referenced = listed[index]
        first = ranked[row][0] if ranked[row] else None
        if referenced not in why or first is None:
            continue
        if pointed.get(first.target) == decided[referenced].entity:
            said = f"references {referenced[1]}, {why[referenced]}: what {first.target} points at"
            ranked[row] = _held(ranked[row], said, replaces=True)
    return ranked


def _held(candidates: list[Candidate], why: str, replaces: bool = False) -> list[Candidate]:
    """The first candidate held for a person where it would be approved, saying why."""
    first = candidates[0] if candidates else None
    if first is None or first.confidence < AUTO_APPROVE:
        return candidates
    note = f"{why}; a person confirms"
    if first.note and not replaces:
        note = f"{first.note}; {note}"
    return [replace(held(first), note=note, settled="", unfounded=True), *candidates[1:]]
