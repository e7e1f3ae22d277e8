"""A reference its source's structure settles: approved without a person, however unsure the
trees are of its words.

A field that references another table of its source (`table_references.references`: declared,
or named ``customer_id`` beside a ``customers`` table) points at what that table is. The
target follows from the structure when each table's own key reads as what the table was
decided to be (`TableEntity.key_agrees`), the field names no role but the other table's
(``customer_id``, not ``referrer_customer_id``) and is its table's only reference to it, and
its entity has one foreign key to the other's: ``subscriptions.customer_id``, beside
``customers`` decided an account, is ``subscription.account_id``. The trees, which see one
field at a time, put such fields at 0.6-0.85 (by its words a billing system's
``customer_id`` is a contact's as often as an account's). A table decided wrongly takes its
references with it, hence both ends: ReMatch held out put a DRG code's ``SUBJECT_ID`` on
``cost.person_id``. Measured in bench/results.md (stop 51).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.field_text import split_words
from autonomos_pipelines.dcl.matching.nested_tables import is_dlt_column
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_assignment import singular
from autonomos_pipelines.dcl.matching.table_entity import Table, TableEntity
from autonomos_pipelines.dcl.matching.table_references import reference_word
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, REVIEW, SETTLED


@dataclass(frozen=True)
class ForeignKeys:
    """Per target, the entity it is a foreign key to (None: none), and the sole ones: their
    entity's only key to that entity (``subscription.account_id``; not ``opportunity.owner_id``
    beside a ``created_by_id``)."""

    pointed: Mapping[str, str | None]
    sole: frozenset[str]

    @classmethod
    def of(cls, pointed: Mapping[str, str | None]) -> ForeignKeys:
        keys = Counter((target.partition(".")[0], entity) for target, entity in pointed.items())
        sole = frozenset(
            target
            for target, entity in pointed.items()
            if entity is not None and keys[target.partition(".")[0], entity] == 1
        )
        return cls(pointed, sole)


def names_only(source: SourceField, table: str) -> bool:
    """Whether ``source``'s name says nothing but the table it references (``customer_id``,
    ``account__id``, ``Invoice__InvoiceID`` for ``invoices``; not ``referrer_company_id``,
    whose role a person reads, nor a declared ``payer_ref``)."""
    word, named = reference_word(source), split_words(table)
    if word is None or not named or singular(word) != singular(named[-1]):
        return False  # `company_id` is not `company_contacts`'
    return {singular(w) for w in split_words(source.field)[:-1]} <= {singular(w) for w in named}


def settle_references(
    ranked: list[list[Candidate]],
    found: Sequence[tuple[int, int]],
    fields: Sequence[SourceField],
    tables: Mapping[Table, Sequence[int]],
    decided: Mapping[Table, TableEntity],
    keys: ForeignKeys,
    others: Mapping[Table, Sequence[SourceField]] | None = None,
) -> list[list[Candidate]]:
    """The candidates, each settled reference's first raised to SETTLED (``found``:
    (referenced table, row), tables numbered in ``tables`` order; ``others``: per table, its
    fields not ranked here, whose references count too). A table nothing founds as what it
    was decided to be (`TableEntity.unfounded`) settles no reference either way."""
    listed = list(tables)
    own_of = {row: table for table, rows in tables.items() for row in rows}
    count = Counter((own_of[row], listed[table]) for table, row in found)
    for table, row in found:
        own, referenced = own_of[row], listed[table]
        first = ranked[row][0] if ranked[row] else None
        if (
            first is None
            or decided[own].unfounded  # unfounded_tables
            or decided[referenced].unfounded
            or first.held  # its table gave it to another field, off its entity, nested
            or first.score < max(c.score for c in ranked[row] if not c.held)  # trees moved it
            or not REVIEW <= first.confidence < AUTO_APPROVE  # plausible to the trees
            or first.target not in keys.sole
            or keys.pointed.get(first.target) != decided[referenced].entity
            or not (decided[referenced].key_agrees and decided[own].key_agrees)
            or not decided[own].leads_clearly  # TableEntity.CLEAR_LEAD
            or not names_only(fields[row], referenced[1])
            or count[own, referenced] + _seen(others, own, decided[own].key, referenced[1]) > 1
        ):
            continue
        entity, other = decided[own].entity, decided[referenced].entity
        said = "each table's key reads as what the table was decided to be, and "
        said += f"{first.target} is {entity}'s only key to {other}"
        said += f" (its own evidence alone: {first.confidence:.2f})"  # what an auditor weighs
        note = f"{first.note}; {said}" if first.note else said
        settled = replace(first, confidence=SETTLED, note=note, settled="reference")
        ranked[row] = [settled, *ranked[row][1:]]
    return ranked


def _seen(
    others: Mapping[Table, Sequence[SourceField]] | None, own: Table, key: str | None, name: str
) -> int:
    """References to table ``name`` among table ``own``'s fields not ranked here (a pending
    field of an earlier pass), read as `table_references.references` reads them: declared,
    else named for it; never the table's own ``key`` nor dlt's columns."""
    lower, word = name.strip().lower(), singular((split_words(name) or [""])[-1])
    found = 0
    for source in (others or {}).get(own, ()):
        if source.field == key or is_dlt_column(source.field):
            continue
        if source.declared_table is not None:
            found += source.declared_table.lower() == lower
            continue
        found += reference_word(source) == word
    return found
