"""A reference to a table that is nothing canonical: held for a person, however sure the trees.

A reference points at what the table it references was decided to be (foreign_keys), and
the trees trust that: on every labelled source, a referenced table is a real entity. But
every table is decided to be some entity, and a lookup table that is none (``taxes``: id,
name, rate) leans to the account, whose name its ``name`` fits: ``invoices.tax_id`` beside
it was auto-approved as ``invoice.account_id`` at 0.91 (0.10 without the ``taxes`` table).
Something in the referenced table must found its decision: its own key read as the entity's
id at review or above (0.6 or more for every table referenced on the labelled sources), or
WITNESSES of its fields mapped to the entity, as for settled keys (a ``customers`` table's
name, phone and creation time, whose bare ``id`` the trees put at 0.26).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from autonomos_pipelines.dcl.matching.candidate import Candidate, held
from autonomos_pipelines.dcl.matching.settled_keys import WITNESSES, witnesses
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import Table, TableEntity
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, REVIEW


def hold_unfounded(
    ranked: list[list[Candidate]],
    found: Sequence[tuple[int, int]],
    fields: Sequence[SourceField],
    tables: Mapping[Table, Sequence[int]],
    decided: Mapping[Table, TableEntity],
    key_rows: Sequence[int | None],
    pointed: Mapping[str, str | None],
    identities: Mapping[str, str],
) -> list[list[Candidate]]:
    """The candidates, a reference's approved key to what its table was decided to be held
    at the ceiling where nothing in that table founds the decision: neither its own key,
    read as that entity's id at review or above, nor WITNESSES of its other fields
    (``found``: (referenced table, row), tables numbered in ``tables`` order; ``key_rows``:
    each table's key row, None when it is not ranked here, which then holds nothing;
    ``pointed``: per target, the entity it is a key to; ``identities``: each entity's id)."""
    listed = list(tables)
    for table, row in found:
        first = ranked[row][0] if ranked[row] else None
        entity, key_row = decided[listed[table]].entity, key_rows[table]
        if (
            first is None
            or first.confidence < AUTO_APPROVE
            or pointed.get(first.target) != entity
            or key_row is None
            or entity not in identities
        ):
            continue
        identity = identities[entity]
        key = ranked[key_row][0] if ranked[key_row] else None
        if key is not None and key.target == identity and key.confidence >= REVIEW:
            continue
        others = [ranked[r] for r in tables[listed[table]] if r != key_row]
        count = witnesses(identity, others)
        if count >= WITNESSES:
            continue
        said = (
            f"{key.confidence:.2f}" if key is not None and key.target == identity else "not at all"
        )
        note = (
            f"references {listed[table][1]}, decided {entity} on little: its own key "
            f"{fields[key_row].field!r} reads as {identity} {said}, and {count} of its fields "
            f"map to {entity} (fewer than {WITNESSES}); what {first.target} points at, a "
            "person confirms"
        )
        ranked[row] = [replace(held(first), note=note, settled=""), *ranked[row][1:]]
    return ranked
