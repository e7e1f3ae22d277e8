"""A reference its source's structure settles: approved without a person, however unsure the
trees are of its words.

A field that references another table of its source (`table_references.references`: declared,
or named ``customer_id`` beside a ``customers`` table) points at what that table is. The
target is settled by structure alone when both tables' fields and own keys agree on what
each table is (`TableEntity.key_agrees`), the field is its table's only reference to the
other, and its entity has one foreign key to the other's: ``subscriptions.customer_id``,
both tables decided by their fields and keys (a subscription, an account), is
``subscription.account_id``. The trees, which see one field at a time, put such fields at
0.6-0.85 (by its words, a billing system's ``customer_id`` is a contact's as often as an
account's). Where the referencing table was decided wrongly, so is its field: ReMatch held
out put a DRG code's ``SUBJECT_ID`` on ``cost.person_id``; MIMIC's ``ROW_ID`` keys read as
no entity, which keeps such tables out. Measured in bench/results.md (stop 51).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.table_entity import TableEntity
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, REVIEW

SETTLED = 0.9  # above AUTO_APPROVE; what a settled reference's first candidate claims


def sole_keys(pointed: Mapping[str, str | None]) -> frozenset[str]:
    """The foreign keys that are their entity's only key to the entity they point at
    (``subscription.account_id``; not ``opportunity.owner_id`` beside a ``created_by_id``)."""
    keys = Counter((target.partition(".")[0], entity) for target, entity in pointed.items())
    return frozenset(
        target
        for target, entity in pointed.items()
        if entity is not None and keys[target.partition(".")[0], entity] == 1
    )


def settle_references(
    ranked: list[list[Candidate]],
    found: Sequence[tuple[int, int]],
    decided: Sequence[TableEntity],
    table_of_row: Sequence[int],
    pointed: Mapping[str, str | None],
    sole: frozenset[str],
) -> list[list[Candidate]]:
    """The candidates, each settled reference's first raised to SETTLED (``found``:
    (referenced table, row) pairs; ``decided``: what each table was decided to be, in the
    same numbering as ``table_of_row``, each row's own table; ``sole``: `sole_keys`)."""
    references = Counter((table_of_row[row], table) for table, row in found)
    for table, row in found:
        first = ranked[row][0] if ranked[row] else None
        own, target = table_of_row[row], decided[table]
        if (
            first is None
            or first.held  # its table gave it to another field, or it is off the entity
            or not REVIEW <= first.confidence < AUTO_APPROVE  # the trees find it plausible
            or first.target not in sole
            or pointed.get(first.target) != target.entity
            or not (target.key_agrees and decided[own].key_agrees)
            or references[own, table] > 1  # which of two is the owner? a person knows
        ):
            continue
        said = f"both tables' fields and keys agree on what they are, and {first.target} is "
        said += f"{decided[own].entity}'s only key to {target.entity}"
        note = f"{first.note}; {said}" if first.note else said
        ranked[row] = [replace(first, confidence=SETTLED, note=note), *ranked[row][1:]]
    return ranked
