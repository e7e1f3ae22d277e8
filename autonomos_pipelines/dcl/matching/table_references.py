"""What the other tables of a source say a table is, and what its own key says
(`key_leads`, at the end); what its own references say is `outgoing_references`.

A table is named for what its source calls it, not for what it is: a billing system's
``customers`` hold a company's name and one e-mail, and their fields alone fit a person about
as well as a company. The source's other tables reference them (``subscriptions.customer_id``,
``invoices.customer_id``), and the foreign key such a reference takes in its own table's
entity says what it points at: a subscription's customer is its account, a deal's ``user_id``
its owner, a user. A reference named for an entity whose key its table lacks (a ticket's
``contact_id`` where tickets key only requesters) says nothing: guessing its table's other key
turned a help desk's people into accounts. A referenced table's affinity for an entity rises
by REFERENCE_LEAD times the share of its references that point at it. Only read within one
chunk of fields (the matcher keeps a source's tables together where they fit) and among the
fields being mapped: a table whose referencing fields were mapped in an earlier pass, and not
anchored by approved mappings of its own, is decided by its fields alone."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autonomos_pipelines.dcl.matching.field_text import split_words
from autonomos_pipelines.dcl.matching.foreign_keys import KEY_WORDS
from autonomos_pipelines.dcl.matching.outgoing_references import (
    clearly,
    pointing_leads,
    spoken_for,
)
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_assignment import key_rows, singular
from autonomos_pipelines.dcl.matching.table_entity import entity_affinity, led, table_of_rows
from autonomos_pipelines.dcl.matching.targets import TargetSchema

REFERENCE_LEAD = 1.2
# how much the table's own key says what the table is: its evidence on each entity's identity
# field, relative to its best; swept 0.25-2 on the labelled sets held out (bench/results.md)
KEY_LEAD = 0.75


def references(
    fields: Sequence[SourceField],
    tables: Sequence[Sequence[int]],
    keys: Sequence[int | None] | None = None,
) -> list[tuple[int, int]]:
    """(referenced table, referencing row): a field of another table of the same source that
    is declared a foreign key to it (`SourceField.references`: the table's name as given, or
    any casing of it when only one table has that), or, undeclared, whose name ends in the
    table's singular name and ``id`` (``customer_id``, ``Contact__ContactID`` for
    ``contacts``). A nested table (``invoices__lines``) is nobody's reference by name, and a
    table's own key is never a reference (``profiles.id`` declared a key to ``companies``
    is a one-to-one extension's key; ``keys``: each table's key row, `key_rows`)."""
    keys = key_rows(fields, tables) if keys is None else keys
    own_keys = {row for row in keys if row is not None}
    named: dict[tuple[str, str], int | None] = {}
    exact: dict[tuple[str, str], int] = {}
    folded: dict[tuple[str, str], int | None] = {}
    table_of_row = {}
    for table, rows in enumerate(tables):
        table_of_row.update(dict.fromkeys(rows, table))
        source = fields[rows[0]]
        exact[source.source_system, source.source_entity] = table
        lower = (source.source_system, source.source_entity.strip().lower())
        folded[lower] = None if lower in folded else table  # `Users` and `users`: neither
        words = split_words(source.source_entity)
        if "__" in source.source_entity or not words:
            continue
        word = (source.source_system, singular(words[-1]))
        named[word] = None if word in named else table  # two tables, one name: neither
    found = []
    for row, source in enumerate(fields):
        if row in own_keys:
            continue
        declared = source.declared_table
        if declared:
            system = source.source_system
            referenced = exact.get((system, declared), folded.get((system, declared.lower())))
        elif (before_key := reference_word(source)) is not None:
            referenced = named.get((source.source_system, before_key))
        else:
            continue
        if referenced is not None and referenced != table_of_row[row]:
            found.append((referenced, row))
    return found


def reference_word(source: SourceField) -> str | None:
    """The word before the key word (``user`` of ``user_id``); a declared reference may have
    none (``CGID``)."""
    words = split_words(source.field)
    return words[-2] if len(words) >= 2 and words[-1] in KEY_WORDS else None


def reference_leads(
    schema: TargetSchema,
    scores: np.ndarray,
    affinity: np.ndarray,
    target_entity: np.ndarray,
    pointed: np.ndarray,
    fields: Sequence[SourceField],
    table_of_row: np.ndarray,
    found: list[tuple[int, int]],
    spoken: dict[int, dict[int, int]],
) -> tuple[np.ndarray, dict[int, list[str]]]:
    """(tables x entities) to add to ``affinity``: per referenced table (``found``: see
    `references`), REFERENCE_LEAD times
    the share of its references whose foreign key, among those of the entity their own table
    fits best, points at each entity; and per table, its references as "table.field as key".
    A key to an entity another referenced table clearly is (``spoken``, `spoken_for`) is
    that table's, not this one's."""
    leads, said = np.zeros_like(affinity), dict[int, list[str]]()
    if not found:
        return leads, said
    entities, keys = schema.entities, [t.key for t in schema.targets]
    decided = affinity.argmax(axis=1)
    keys_of = {e: np.where((target_entity == e) & (pointed >= 0))[0] for e in set(decided.tolist())}
    votes = np.zeros_like(affinity)
    for table, row in found:
        options = keys_of[int(decided[table_of_row[row]])]
        # a reference named for an entity (``user_id``; ``person_id``, by a word the schema
        # gives it: `TargetSchema.entity_called`) is to that entity's key; its table has
        # none (a ticket's ``contact_id`` where tickets only key requesters): it says nothing
        # a declared key is to its table whatever its name says
        word = None if fields[row].declared_table else reference_word(fields[row])
        named = schema.entity_called(word) if word else None
        if named is not None:
            options = options[pointed[options] == entities.index(named)]
        spoken_here = spoken.get(int(table_of_row[row]), {})
        options = options[~np.isin(pointed[options], _spoken_by_others(spoken_here, table))]
        if len(options):
            key = options[np.argmax(scores[row, options])]
            votes[table, pointed[key]] += 1
            source = fields[row]
            said.setdefault(table, []).append(
                f"{source.source_entity}.{source.field} as {keys[key]}"
            )
    counted = votes.sum(axis=1, keepdims=True)
    np.divide(REFERENCE_LEAD * votes, counted, out=leads, where=counted > 0)
    return leads, said


def _spoken_by_others(spoken_here: dict[int, int], table: int) -> list[int]:
    """The entities a table's references to tables other than ``table`` clearly point at
    (``spoken_here``: `spoken_for`, for the referencing table), less ``table``'s own: a
    chart may reference two tables that both clearly are persons, a patient and a donor."""
    own = spoken_here.get(table)
    return [entity for other, entity in spoken_here.items() if other != table and entity != own]


def table_affinity(
    schema: TargetSchema,
    scores: np.ndarray,
    target_entity: np.ndarray,
    pointed: np.ndarray,
    fields: Sequence[SourceField],
    tables: Sequence[Sequence[int]],
    anchors: Sequence[int | None],
    identity: np.ndarray,
    keys: Sequence[int | None],
) -> tuple[np.ndarray, dict[int, list[str]], list[tuple[int, int]], list[int | None]]:
    """(tables x entities): what each table's fields fit and its own key says (`key_leads`;
    ``identity``: per target, whether it is an entity's identity field; ``keys``: each table's
    key row, `key_rows`), plus what references
    to it say (read from the tables' anchored decisions) and what its own references point
    at (`outgoing_references`), its anchor ahead; its references as text; the references
    themselves (`references`); and what each key reads as."""
    fitted = entity_affinity(scores, target_entity, len(schema.entities), tables)
    key_said, reads = key_leads(scores, identity, target_entity, keys, len(schema.entities))
    fitted += key_said
    found = references(fields, tables, keys)
    table_of_row = table_of_rows(tables, len(fields))
    before = led(fitted.copy(), anchors)
    spoken = spoken_for(before.argmax(axis=1), clearly(before, anchors), table_of_row, found)
    leads, said = reference_leads(
        schema, scores, before, target_entity, pointed, fields, table_of_row, found, spoken
    )
    leads += pointing_leads(before, target_entity, pointed, table_of_row, found)
    return led(fitted, anchors, leads), said, found, reads


def key_leads(
    scores: np.ndarray,
    identity: np.ndarray,
    target_entity: np.ndarray,
    keys: Sequence[int | None],
    entities: int,
) -> tuple[np.ndarray, list[int | None]]:
    """(tables x entities) to add to the tables' affinity: what a table's own key (its row in
    ``keys``, `key_rows`) says the table is. Its evidence on each entity's identity field, less its
    best, times KEY_LEAD: Paddle's ``transactions.id``, "Unique Paddle ID for this
    transaction", names a payment, whose amount, status and currency then read as a
    payment's rather than an invoice's. A key that says nothing (a bare ``id``) scores the
    identities alike and moves nothing much. An entity with no identity field is not what a
    key names: it gets the key's worst. Also, per table, the entity whose identity field its
    key fits best (None: no key), which the table's why tells."""
    leads = np.zeros((len(keys), entities), dtype=scores.dtype)
    reads: list[int | None] = [None] * len(keys)
    identities = np.where(identity)[0]
    if not len(identities):
        return leads, reads
    for table, key in enumerate(keys):
        if key is not None:
            said = scores[key, identities]
            leads[table] = KEY_LEAD * (said.min() - said.max())
            leads[table, target_entity[identities]] = KEY_LEAD * (said - said.max())
            reads[table] = int(target_entity[identities[np.argmax(said)]])
    return leads, reads
