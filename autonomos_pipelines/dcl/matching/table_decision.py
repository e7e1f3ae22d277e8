"""What each source table is, and its fields' candidates after the table's joint assignment.

A table's entity is the one its fields fit best together: for each target entity, the mean
over the table's fields of their best score on that entity's fields. The primary key then
takes that entity's identity field, and contested fields (see table_assignment) are offered
what they were given instead, never above CONTESTED_CEILING, with a note saying why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.confidence import evidence
from autonomos_pipelines.dcl.matching.scoring import FEATURES, ScoringModel
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_assignment import Contest, contests, primary_key
from autonomos_pipelines.dcl.matching.targets import TargetSchema
from autonomos_pipelines.dcl.matching.thresholds import CONTESTED_CEILING, REVIEW

ANCHOR_LEAD = 0.5  # approved mappings outweigh what the new fields alone suggest
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

    @property
    def why(self) -> str:
        if self.anchored:
            text = f"its approved mappings are {self.entity} fields; {self.fields} new fields"
            return text + (f"; its key {self.key!r} is the {self.entity}'s id" if self.key else "")
        text = f"{self.fields} fields fit {self.entity} best (mean best score {self.fit:.2f}"
        if self.runner_up:
            text += f"; {self.runner_up} next at {self.runner_up_fit:.2f}"
        text += ")"
        return text + (f"; its key {self.key!r} is the {self.entity}'s id" if self.key else "")


def tables_of(fields: Sequence[SourceField]) -> dict[Table, list[int]]:
    tables: dict[Table, list[int]] = {}
    for i, source in enumerate(fields):
        tables.setdefault((source.source_system, source.source_entity), []).append(i)
    return tables


def entity_affinity(
    table_scores: np.ndarray, target_entity: np.ndarray, entities: int, anchor: int | None = None
) -> np.ndarray:
    """Per target entity: the mean over the table's fields of their best score on it. An
    ``anchor`` (the entity the table's approved mappings name) leads by ANCHOR_LEAD."""
    best = [table_scores[:, target_entity == e].max(axis=1) for e in range(entities)]
    affinity = np.stack(best, axis=1).mean(axis=0)
    if anchor is not None:
        affinity[anchor] = affinity.max() + ANCHOR_LEAD
    return affinity


def anchors(taken: Taken, entities: Sequence[str]) -> dict[Table, int]:
    """The entity most of a table's approved mappings name, by table."""
    found = {}
    for table, targets in taken.items():
        named = Counter(key.split(".", 1)[0] for key in targets)
        if named and (entity := named.most_common(1)[0][0]) in entities:
            found[table] = list(entities).index(entity)
    return found


class TableDecider:
    def __init__(
        self,
        schema: TargetSchema,
        target_entity: np.ndarray,
        scores: np.ndarray,
        features: dict[str, np.ndarray],
        model: ScoringModel,
        anchored: dict[Table, int] | None = None,
    ) -> None:
        self.anchored = anchored or {}
        self.schema, self.target_entity = schema, target_entity
        self.scores, self.features, self.model = scores, features, model
        self.keys = [t.key for t in schema.targets]

    def settle(
        self, ranked: list[list[Candidate]], fields: Sequence[SourceField], taken: Taken, depth: int
    ) -> tuple[list[list[Candidate]], dict[Table, TableEntity]]:
        choices = dict(enumerate(np.argsort(-self.scores, axis=1)[:, :depth].tolist()))
        tables = tables_of(fields)
        decided = {table: self.entity_of(table, rows) for table, rows in tables.items()}
        keys = {}
        for table, rows in tables.items():
            key_row = primary_key([fields[r].field for r in rows], table[1])
            identity = self._identity(decided[table].entity)
            if key_row is not None and identity is not None:
                keys[table] = (rows[key_row], identity)
                decided[table] = replace(decided[table], key=fields[rows[key_row]].field)
        approved = {
            table: {i for key in targets if (i := self.schema.index_of(key)) is not None}
            for table, targets in taken.items()
        }
        for contest in contests(self.scores, choices, tables, keys, approved):
            ranked[contest.row] = self._contested(contest, ranked[contest.row], fields)
        return ranked, decided

    def entity_of(self, table: Table, rows: list[int]) -> TableEntity:
        entities, anchor = self.schema.entities, self.anchored.get(table)
        affinity = entity_affinity(self.scores[rows], self.target_entity, len(entities), anchor)
        order = np.argsort(-affinity)
        second = order[1] if len(order) > 1 else None
        return TableEntity(
            entities[order[0]],
            round(float(affinity[order[0]]), 4),
            entities[second] if second is not None else None,
            round(float(affinity[second]), 4) if second is not None else 0.0,
            len(rows),
            None,
            anchor is not None,
        )

    def _identity(self, entity: str) -> int | None:
        found = self.schema.index_of(f"{entity}.{entity}_id")
        return found if found is not None else self.schema.index_of(f"{entity}.id")

    def _contested(
        self, contest: Contest, candidates: list[Candidate], fields: Sequence[SourceField]
    ) -> list[Candidate]:
        """What the field was given first (when a person could accept it), none above
        CONTESTED_CEILING, the first saying why."""
        row, alternative, capped = contest.row, contest.alternative, []
        if alternative is not None:
            score = float(self.scores[row, alternative])
            pair = evidence(self.scores, self.features, np.array([row]), np.array([alternative]))
            confidence = min(CONTESTED_CEILING, float(self.model.confidence(pair)[0]))
            if contest.reason == "primary_key":
                confidence = CONTESTED_CEILING  # a structural guess: a person confirms it
            if confidence >= REVIEW:
                shown = {n: round(float(self.features[n][row, alternative]), 4) for n in FEATURES}
                capped.append(
                    Candidate(self.keys[alternative], round(confidence, 4), round(score, 4), shown)
                )
            else:  # a person sees the contested first choice instead
                alternative = None
        for candidate in candidates:
            if alternative is None or candidate.target != self.keys[alternative]:
                capped.append(
                    replace(candidate, confidence=min(CONTESTED_CEILING, candidate.confidence))
                )
        capped[0] = replace(capped[0], note=self._why(contest, fields))
        return capped[: len(candidates)]

    def _why(self, contest: Contest, fields: Sequence[SourceField]) -> str:
        target = self.keys[contest.target]
        if contest.reason == "primary_key":
            assert contest.alternative is not None
            return f"the table's own key: {self.keys[contest.alternative]} rather than {target}"
        if contest.reason == "approved":
            return f"{target} is already mapped from another field of this table"
        assert contest.winner is not None
        winner = fields[contest.winner].field
        return f"{target} goes to {winner!r} of this table, which fits it better"
