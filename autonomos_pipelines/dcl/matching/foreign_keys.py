"""What a target field is a key of: the entity a foreign key points at, and what a source
field that references another table says about its own targets.

A reference (``table_references.references``: a declared foreign key, or a field named for
another table of the source) is a key, never its own table's identity, and it points at what
the table it references was decided to be: ``LABEVENTS.HADM_ID``, declared a key of
``ADMISSIONS``, is a measurement's ``visit_occurrence_id`` when admissions are visits, not
its ``visit_detail_id`` or ``person_id``, however alike their words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.field_text import split_words
from autonomos_pipelines.dcl.matching.table_assignment import singular
from autonomos_pipelines.dcl.matching.targets import TargetSchema

KEY_WORDS = ("id", "key")


def pointed_at(schema: TargetSchema) -> np.ndarray:
    """Per target, the entity it is a foreign key to (-1: none): the entity its name names
    before ``id`` (``primary_contact_id``, ``visit_occurrence_id``), else the first other entity
    its description names, by name or by what the entity's description says it is before a
    colon ("the person who asked": contact, "A person: ..."). An entity's own identity field is
    no foreign key."""
    entities = schema.entities
    called = {w: e for e in entities for w in _called(schema.entity_descriptions.get(e, ""))}
    called.update({e: e for e in entities})
    found = np.full(len(schema.targets), -1, dtype=np.int64)
    identity = identity_targets(schema)
    for i, target in enumerate(schema.targets):
        words = split_words(target.name)
        if len(words) < 2 or words[-1] not in KEY_WORDS or identity[i]:
            continue
        described = [called.get(singular(w)) for w in split_words(target.description)]
        other = next((e for e in described if e is not None and e != target.entity), None)
        named = _entity_before_key(words, entities) or other
        if named is not None:
            found[i] = entities.index(named)
    return found


def _entity_before_key(words: Sequence[str], entities: Sequence[str]) -> str | None:
    """The entity whose name the words before the key word end with, the longest such name
    (``preceding_visit_occurrence_id``: visit_occurrence, not occurrence)."""
    before = list(words[:-1])
    named = [e for e in entities if before[-len(split_words(e)) :] == split_words(e)]
    return max(named, key=len, default=None)


def _called(description: str) -> list[str]:
    """What an entity's description says it is, before a colon: "An internal user: ..."."""
    head, colon, _ = description.partition(":")
    words = [singular(w) for w in split_words(head)] if colon else []
    return [w for w in words if w not in ("a", "an", "the")]


def identity_targets(schema: TargetSchema) -> np.ndarray:
    """Per target, whether it is an entity's identity field (the key of its own table)."""
    identities = {schema.identities.get(e, f"{e}.{e}_id") for e in schema.entities}
    return np.array([t.key in identities for t in schema.targets])


def reference_fit(
    found: list[tuple[int, int]],
    decided: np.ndarray,
    pointed: np.ndarray,
    identity: np.ndarray,
    rows: int,
) -> np.ndarray:
    """(rows x targets): for a row that references another table (``found``: (table, row)),
    +1 on the foreign keys that point at the entity that table was decided to be
    (``decided``, per table) and -1 on the identities (a reference is not its own table's
    key); 0 for every other row. Foreign keys to other entities keep their scores: when the
    referenced table was decided wrongly, the right key must not be pushed down as well."""
    fit = np.zeros((rows, len(pointed)), dtype=np.float32)
    for table, row in found:
        fit[row, identity] = -1.0
        fit[row, pointed == decided[table]] = 1.0
    return fit


def reference_notes(
    ranked: list[list[Candidate]],
    found: list[tuple[int, int]],
    tables: Sequence[str],
    entity_of: Sequence[str],
    pointed: Mapping[str, str | None],
) -> list[list[Candidate]]:
    """The candidates, a referencing row's first one saying why when it is a key to what
    the referenced table was decided to be (a reviewer sees the reason, `autonomos map` the
    row's `reason`); a first candidate with a note of its own keeps it."""
    for table, row in found:
        first = ranked[row][0] if ranked[row] else None
        if first is None or first.note or pointed.get(first.target) != entity_of[table]:
            continue
        entity = entity_of[table]
        note = f"references {tables[table]}, decided {entity}: {first.target} points at it"
        ranked[row] = [replace(first, note=note), *ranked[row][1:]]
    return ranked
