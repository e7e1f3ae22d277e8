"""What a table's own references say it is: it holds a key to each table it references.

`table_references` reads what the *other* tables say a table is. Its own references say
something too: ``ICUSTAYS.SUBJECT_ID`` references ``PATIENTS``, a person, so an ICU stay is
something that has a foreign key to a person (a visit, a measurement), not a person itself,
however much its identifier and its times read like a patient's. A table's affinity for an
entity rises by POINTING_LEAD times the share of its references whose table (as its fields
decide it) that entity has a foreign key to. An entity with a key to itself (a parent
account) loses nothing on a reference to a table of its own kind.

And a table's reference to a table that clearly is an entity takes its table's key to that
entity: its references to other tables point elsewhere (`spoken_for`), unless those tables
clearly are that entity too. A caregiver referenced beside a patient is the measurement's
provider, not a second person."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import CLEAR_LEAD

# swept 0.25-1.0 on the labelled sets held out (bench/results.md, stop 60): 0.25 moved
# little, 0.5-1.0 put ReMatch's ICU stays and services on visits alike, 0.75 cost the
# unseen systems' precision and 1.0 the business set's auto-approvals
POINTING_LEAD = 0.5


def pointing_leads(
    affinity: np.ndarray,
    target_entity: np.ndarray,
    pointed: np.ndarray,
    table_of_row: np.ndarray,
    found: Sequence[tuple[int, int]],
) -> np.ndarray:
    """(tables x entities) to add to ``affinity`` (what each table's fields say): per table
    with references (``found``: (referenced table, referencing row)), POINTING_LEAD times the
    share of them whose referenced table's entity (its best in ``affinity``) each entity has
    a foreign key to (``pointed``: per target, the entity it points at, -1 for none)."""
    leads = np.zeros_like(affinity)
    if not found:
        return leads
    entities = affinity.shape[1]
    has_key_to = np.zeros((entities, entities), dtype=bool)  # [holder, pointed at]
    keyed = pointed >= 0
    has_key_to[target_entity[keyed], pointed[keyed]] = True
    decided = affinity.argmax(axis=1)
    votes = np.zeros_like(affinity)
    counted = np.zeros(len(affinity), dtype=affinity.dtype)
    for table, row in found:
        votes[table_of_row[row]] += has_key_to[:, decided[table]]
        counted[table_of_row[row]] += 1
    np.divide(POINTING_LEAD * votes, counted[:, None], out=leads, where=counted[:, None] > 0)
    return leads


def clearly(affinity: np.ndarray, anchors: Sequence[int | None]) -> np.ndarray:
    """Per table, whether it clearly is its best entity in ``affinity``: anchored by its
    approved mappings, or ahead of the runner-up by CLEAR_LEAD."""
    if affinity.shape[1] < 2:
        return np.ones(len(affinity), dtype=bool)
    best_two = np.sort(affinity, axis=1)[:, -2:]
    clear = best_two[:, 1] - best_two[:, 0] >= CLEAR_LEAD
    clear[[table for table, anchor in enumerate(anchors) if anchor is not None]] = True
    return clear


def spoken_for(
    decided: np.ndarray,
    clear: np.ndarray,
    table_of_row: np.ndarray,
    found: Sequence[tuple[int, int]],
) -> dict[int, dict[int, int]]:
    """Per referencing table, the tables it references that clearly are an entity, and
    which (``decided``: per table; ``clear``: `clearly`): the keys to those entities are
    its references to them, not to any other table."""
    spoken: dict[int, dict[int, int]] = {}
    for table, row in found:
        if clear[table]:
            spoken.setdefault(int(table_of_row[row]), {})[table] = int(decided[table])
    return spoken


def pointing_said(
    found: Sequence[tuple[int, int]],
    fields: Sequence[SourceField],
    table_of_row: np.ndarray,
    names: Sequence[str],
    entity_of: Sequence[str],
) -> dict[int, list[str]]:
    """Per referencing table, its references as "field -> table (entity)" (``names`` and
    ``entity_of``: per table, its name and what it was decided to be): what a person reads
    in the table's why."""
    said: dict[int, list[str]] = {}
    for table, row in found:
        text = f"{fields[row].field} -> {names[table]} ({entity_of[table]})"
        said.setdefault(int(table_of_row[row]), []).append(text)
    return said
