"""A source table's fields decided together: one source field per canonical field, the
primary key first.

Fields are scored one by one, so two fields of a table can rank the same target first (a
contact table's own ``id`` and its ``account_id`` both on ``contact.account_id``; ``email`` and
``secondary_email`` both on ``contact.email``). Here the table's primary key (``id``, or
``contact_id`` in a ``contacts`` table) takes the identity field of the entity the table is
decided to be; then targets go to fields by descending score, each field taking the best of its
own candidates still free. A field whose first choice went to another field, or to a mapping
already approved for the table, is *contested*: it is offered what it was given instead, and a
person decides. The primary key's identity mapping is a structural guess, never auto-approved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from autonomos_pipelines.dcl.matching.field_text import split_words
from autonomos_pipelines.dcl.matching.source_field import SourceField

KEY_WORDS = (["id"], ["uuid"], ["pk"], ["key"])


@dataclass(frozen=True)
class Contest:
    """Row ``row`` ranked ``target`` first but gets ``alternative`` (None: nothing free), for
    ``reason``: "primary_key" (the row is its table's key), "field" (row ``winner`` holds
    ``target`` with a better score) or "approved" (a mapping approved for the table holds it)."""

    row: int
    target: int
    alternative: int | None
    reason: str
    winner: int | None = None


_LATIN_PLURAL = re.compile(r"[^aeiou]uses$")  # statuses, bonuses, campuses; not houses
_LATIN_SINGULAR = re.compile(r"[^aeiou]us$")  # status, bonus, campus (menus reads as one too)


def singular(word: str) -> str:
    """A lower-case English plural's singular: `companies` company, `addresses` address,
    `statuses` status (a consonant before `-uses` ends a Latin `-us`, as in bonuses and
    campuses; after a vowel the word ends in `-use`, as in houses and causes); a singular
    stays itself (`status`, `address`), so that both forms of a word compare equal."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")) or (
        len(word) > 6 and _LATIN_PLURAL.search(word)
    ):
        return word[:-2]
    if word.endswith("ss") or _LATIN_SINGULAR.search(word):
        return word
    return word[:-1] if word.endswith("s") else word


def primary_key(field_names: Sequence[str], table: str) -> int | None:
    """Index of the table's own key among ``field_names`` (``id``; ``contact_id`` or
    ``ContactId`` in ``contacts``), None when there is not exactly one. Beside ``id``, a
    ``uuid``, ``pk`` or ``key`` is a second identifier (a Jira issue's ``key`` PROJ-12, a
    Recurly subscription's ``uuid``): ``id`` is the key. A nested table (``invoices__lines``,
    dlt's child table) has no key of its parent's entity."""
    if "__" in table:
        return None
    table_words = [singular(w) for w in split_words(table)]
    own = [table_words[-1], "id"] if table_words else None
    words = [split_words(name) for name in field_names]
    found = [i for i, w in enumerate(words) if w in KEY_WORDS or (own and w == own)]
    if len(found) > 1 and all(words[i] in KEY_WORDS for i in found):
        found = [i for i in found if words[i] == ["id"]]
    return found[0] if len(found) == 1 else None


def table_key(fields: Sequence[SourceField], table: str) -> int | None:
    """Index of the table's own key among its ``fields``: the field declared its primary key
    (also when it is a foreign key too: a one-to-one extension's key, ``profiles.id`` of a
    company); of a composite declared key, the one its name makes the table's key
    (``(tenant_id, id)``: ``id``); with none declared, by name (`primary_key`)."""
    declared = [i for i, f in enumerate(fields) if f.primary_key]
    if len(declared) == 1:
        return declared[0] if "__" not in table else None
    if declared:
        key = primary_key([fields[i].field for i in declared], table)
        return declared[key] if key is not None else None
    return primary_key([f.field for f in fields], table)


def key_rows(
    fields: Sequence[SourceField],
    tables: Sequence[Sequence[int]],
    others: Mapping[tuple[str, str], Sequence[SourceField]] | None = None,
) -> list[int | None]:
    """Per table (its rows of ``fields``), the row of its own key (`table_key`), None when
    it has none: read once per chunk by what a table is, its references and its assignment.
    ``others``: per table, its fields not ranked here (mapped, or waiting for a person), among
    which the key is sought too, as if the whole table were ranked at once: a ``uuid`` added
    beside an ``id`` seen before is not the table's key, two names that both say key
    (``id`` and ``contact_id`` in ``contacts``) leave it undecided, a newly declared key
    is it."""
    found: list[int | None] = []
    for rows in tables:
        first = fields[rows[0]]
        seen = (others or {}).get((first.source_system, first.source_entity), ())
        key = table_key([fields[r] for r in rows] + list(seen), first.source_entity)
        found.append(rows[key] if key is not None and key < len(rows) else None)
    return found


def assign(
    scores: np.ndarray, choices: dict[int, Sequence[int]], held: dict[int, int | None]
) -> dict[int, int | None]:
    """Target per row: rows in ``held`` keep theirs (target -> row, None for an approved
    mapping); the others take, by descending score, the best free target of their
    ``choices``."""
    holder = dict(held)
    given: dict[int, int | None] = {row: t for t, row in held.items() if row is not None}
    claims = sorted((-float(scores[row, t]), row, t) for row, ts in choices.items() for t in ts)
    for _, row, target in claims:
        if row not in given and target not in holder:
            given[row], holder[target] = target, row
    return {row: given.get(row) for row in choices}


def contests(
    scores: np.ndarray,
    choices: dict[int, Sequence[int]],
    tables: dict[tuple[str, str], list[int]],
    keys: dict[tuple[str, str], tuple[int, int]],
    taken: dict[tuple[str, str], set[int]],
) -> list[Contest]:
    """The rows whose first choice their table's assignment changes. ``choices``: each row's
    candidate targets, best first; ``keys``: table -> (primary key row, identity target);
    ``taken``: table -> targets approved for its other fields."""
    found = []
    for table, rows in tables.items():
        held: dict[int, int | None] = dict.fromkeys(taken.get(table, ()))
        key_row, identity = keys.get(table, (-1, -1))
        keyed = identity >= 0 and held.setdefault(identity, key_row) == key_row
        others = {r: choices[r] for r in rows if not (keyed and r == key_row)}
        assigned = assign(scores, others, held)
        holder = {t: r for r, t in assigned.items() if t is not None} | held
        for row in rows:
            first = choices[row][0]
            if keyed and row == key_row:
                if first != identity:
                    found.append(Contest(row, first, identity, "primary_key"))
            elif assigned[row] != first and first in holder:
                reason = "approved" if holder[first] is None else "field"
                found.append(Contest(row, first, assigned[row], reason, holder[first]))
    return found
