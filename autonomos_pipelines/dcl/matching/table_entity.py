"""What a source table is: the entity its fields fit best together, or the one its approved
mappings name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from autonomos_pipelines.dcl.matching.source_field import SourceField

ANCHOR_LEAD = 0.5  # approved mappings outweigh what the new fields alone suggest
# how far a table's entity must lead the runner-up (TableEntity.fit, a mean best score plus
# what its key and references say) before its structure settles anything: a generic table's
# bare `id` reads as whatever its fields lean to, so key and fields agree by default there.
# Shop products (-> opportunity, 0.2 ahead of account) referencing categories, mailing-list
# subscribers (0.5 ahead) referencing lists, GitHub repositories (-> account, 0.36 ahead): all
# settled wrongly without it; every labelled key or reference it settled led by 1.5 or more
CLEAR_LEAD = 1.0
Table = tuple[str, str]  # (source system, source table)
Taken = dict[Table, set[str]]  # table -> targets approved for its other fields


@dataclass(frozen=True)
class TableEntity:
    """The entity a source table was decided to be, and why."""

    entity: str
    fit: float  # mean best score of the table's fields on the entity
    runner_up: str | None
    runner_up_fit: float
    fields: int
    key: str | None  # the field taken as the table's own key
    anchored: bool = False  # the table's approved mappings named the entity
    referenced_as: tuple[str, ...] = ()  # other tables' fields that reference it, and as what
    key_reads: str | None = None  # the entity whose id field the key's evidence fits best
    nested: bool = False  # a list inside another table's records (nested_tables)
    parent: str | None = None  # ... whose table, when it was among the tables ranked
    # why nothing founds the table as its entity, when nothing does (unfounded_tables)
    unfounded: str = ""
    called: str = ""  # the table's name, where the source calls it by its entity's (named_for)
    # its own references, "field -> table (entity)" (outgoing_references.pointing_said)
    points_at: tuple[str, ...] = ()

    def agrees_on_key(self, field: str, identity: str) -> bool:
        """Whether ``identity``, an entity's identity field, is ``field``'s by two signals
        that agree: all the table's fields together say it is that entity, and its key
        ``field`` reads most as that entity's id. Only then may the identity, which decides
        what canonical table the source table feeds, be approved without a person."""
        return self.key == field and self.key_agrees and identity.partition(".")[0] == self.entity

    @property
    def key_agrees(self) -> bool:
        """Whether the table's fields and its own key say the same entity (a nested list's
        key is its parent's business, never this)."""
        return not self.nested and self.key is not None and self.key_reads == self.entity

    @property
    def leads_clearly(self) -> bool:
        """Whether the table's approved mappings name its entity, or it leads the runner-up
        by CLEAR_LEAD."""
        return (
            self.anchored or self.runner_up is None or self.fit - self.runner_up_fit >= CLEAR_LEAD
        )

    @property
    def why(self) -> str:
        text = self._fit
        if self.unfounded:
            text += f"; {self.unfounded}"
        if self.nested or self.unfounded:
            nested = "; a list nested in another table's records" if self.nested else ""
            text += f"{nested}: its fields wait for a person"
        return text

    @property
    def _fit(self) -> str:
        if self.anchored:
            text = f"its approved mappings are {self.entity} fields; {self.fields} new fields"
        else:
            text = f"{self.fields} fields fit {self.entity} best (mean best score {self.fit:.2f}"
            if self.runner_up:
                text += f"; {self.runner_up} next at {self.runner_up_fit:.2f}"
            text += ")"
        if self.called:
            text += f"; the source calls it {self.called!r}"
        if self.referenced_as:
            text += "; referenced by " + _some(self.referenced_as)
        if self.points_at:
            text += "; its references: " + _some(self.points_at)
        if not self.key:
            return text
        text += f"; its key {self.key!r} is the {self.entity}'s id"
        if self.key_reads and self.key_reads != self.entity:
            return text + f", though it reads most as the {self.key_reads}'s"
        return text + (" and reads as one" if self.key_reads else "")


def _some(texts: Sequence[str], shown: int = 3) -> str:
    more = len(texts) - shown
    return ", ".join(texts[:shown]) + (f" and {more} more" if more > 0 else "")


def own_key_said(entity: str) -> str:
    """How the reason of a table's key given its entity's identity by its table begins (the
    trees sure of it, it won a contest, or its table settled it)."""
    return f"the table's own key, reading as the {entity}'s id"


def tables_of(fields: Sequence[SourceField]) -> dict[Table, list[int]]:
    tables: dict[Table, list[int]] = {}
    for i, source in enumerate(fields):
        tables.setdefault((source.source_system, source.source_entity), []).append(i)
    return tables


def table_of_rows(tables: Sequence[Sequence[int]], rows: int) -> np.ndarray:
    """Per row, the index of its table in ``tables`` (each table's rows; together, every
    row of ``rows``)."""
    table_of_row = np.empty(rows, dtype=np.int64)
    for table, table_rows in enumerate(tables):
        table_of_row[table_rows] = table
    return table_of_row


def entity_affinity(
    scores: np.ndarray,
    target_entity: np.ndarray,
    entities: int,
    tables: Sequence[Sequence[int]],
    anchors: Sequence[int | None] = (),
) -> np.ndarray:
    """(tables x target entities): per table (its rows of `scores`), the mean over its fields
    of their best score on each entity, its anchor leading (see `led`). Every table at once:
    a tenant onboarding at scale has tens of thousands of tables, and a pass per table cost
    more than the scoring itself."""
    # the targets grouped by entity, one reduceat for every row's best per entity
    order, starts, filled = _grouping(target_entity, entities)
    # an entity with no target fits nothing; the scores' own dtype keeps the mean as it was
    best = np.full((len(scores), entities), -np.inf, dtype=scores.dtype)
    best[:, filled] = np.maximum.reduceat(scores[:, order], starts, axis=1)
    affinity = np.empty((len(tables), entities), dtype=scores.dtype)
    by_size: dict[int, list[int]] = {}
    for table, table_rows in enumerate(tables):
        by_size.setdefault(len(table_rows), []).append(table)
    # tables of one size at once: the same float32 mean, to the bit, as one table at a time
    for same in by_size.values():
        members = np.array([tables[table] for table in same], dtype=np.int64)
        affinity[same] = best[members].mean(axis=1)
    return led(affinity, anchors)


def led(
    affinity: np.ndarray, anchors: Sequence[int | None] = (), leads: np.ndarray | None = None
) -> np.ndarray:
    """``affinity`` plus ``leads`` (what other tables' references to it and its own say,
    table_references and outgoing_references), a table's anchor (the entity its approved
    mappings name) then ahead by ANCHOR_LEAD."""
    if leads is not None:
        affinity = affinity + leads
    for table, anchor in enumerate(anchors):
        if anchor is not None:
            affinity[table, anchor] = affinity[table].max() + ANCHOR_LEAD
    return affinity


_grouped: list[tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]] = []


def _grouping(target_entity: np.ndarray, entities: int) -> tuple[np.ndarray, ...]:
    """(targets ordered by entity, where each non-empty entity's run starts, which entities
    have targets), kept for the last target-entity array asked about (a matcher's, fixed for
    its life)."""
    cached = _grouped[0] if _grouped else None  # one read: another thread may replace it
    if cached is None or cached[0] is not target_entity or cached[1] != entities:
        order = np.argsort(target_entity, kind="stable")
        counts = np.bincount(target_entity, minlength=entities)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        filled = counts > 0  # reduceat over the entities that have targets only
        cached = (target_entity, entities, order, starts[filled], filled)
        _grouped[:] = [cached]
    return cached[2:]


def anchors(taken: Taken, entities: Sequence[str]) -> dict[Table, int]:
    """The entity most of a table's approved mappings name, by table."""
    found = {}
    for table, targets in taken.items():
        named = Counter(key.split(".", 1)[0] for key in sorted(targets))  # ties: stable
        if named and (entity := named.most_common(1)[0][0]) in entities:
            found[table] = list(entities).index(entity)
    return found
