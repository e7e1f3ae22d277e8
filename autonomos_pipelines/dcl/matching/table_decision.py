"""What each source table is, and its fields' candidates after the table's joint assignment.

A table's entity is the one it has the most affinity for (table_references.table_affinity:
the mean over its fields of their best score on each entity's fields, what its own key reads
as, what the source's other tables call it, its anchor), as the matcher computed it for its
table fit. The primary key then
takes that entity's identity field, and contested fields (see table_assignment) are offered
what they were given instead (contested_fields), never above CONTESTED_CEILING, with a note
saying why. So is any
field whose target is an entity's identity field, which decides what the table feeds, but
the key's own identity where the key reads as the entity the table was decided to be; that
identity is approved where the trees are sure of it, or where the table's structure settles
it (settled_keys) when they are not (proposed to a person where they put it below review).
Last, each field's first candidates but the key's are put in order of confidence, the key's
identity and the table's approved mappings last; after the first, the keys other fields of
the table propose after the free targets, and the table's own entity's targets before other
entities' (candidate.held_back_last, candidate.own_entity_first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from autonomos_pipelines.dcl.matching.candidate import (
    Candidate,
    held,
    held_back_last,
    most_likely_first,
    own_entity_first,
)
from autonomos_pipelines.dcl.matching.confidence import TRAINED_RANKS
from autonomos_pipelines.dcl.matching.contested_fields import (
    ContestedFields,
    close_rivals,
    rivalled,
)
from autonomos_pipelines.dcl.matching.entity_names import named_for
from autonomos_pipelines.dcl.matching.foreign_keys import pointed_at
from autonomos_pipelines.dcl.matching.scoring import ScoringModel
from autonomos_pipelines.dcl.matching.settled_keys import settle_key
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_assignment import contests
from autonomos_pipelines.dcl.matching.table_entity import (
    Table,
    TableEntity,
    Taken,
    own_key_said,
    tables_of,
)
from autonomos_pipelines.dcl.matching.targets import TargetSchema
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, CONTESTED_CEILING, REVIEW
from autonomos_pipelines.dcl.matching.time_series import agreed_grains, grain_said

# how deep a field's candidates are put in order of its table's entity (own_entity_first);
# the matcher builds the table's own targets that deep where the order needs them
# (own_deeper), so that how many are asked for changes none of the first
OFFERED_DEPTH = 10


class TableDecider:
    def __init__(
        self,
        schema: TargetSchema,
        target_entity: np.ndarray,
        scores: np.ndarray,
        features: dict[str, np.ndarray],
        model: ScoringModel,
        ranking: np.ndarray | None = None,
        pointed: np.ndarray | None = None,
    ) -> None:
        self.schema, self.target_entity = schema, target_entity
        self.scores = scores
        self.keys = [t.key for t in schema.targets]
        # the targets that are foreign keys (`foreign_keys.pointed_at`, the caller's if given)
        pointed = pointed_at(schema) if pointed is None else pointed
        self._foreign_keys = {self.keys[i] for i in np.flatnonzero(pointed >= 0)}
        # each row's targets best first (the caller's, when it has sorted them already)
        self.ranking = np.argsort(-scores, axis=1) if ranking is None else ranking
        self._identities = set(schema.identities.values())
        self.contested = ContestedFields(scores, features, model, self.ranking, self.keys)

    def settle(
        self,
        ranked: list[list[Candidate]],
        fields: Sequence[SourceField],
        decided: dict[Table, TableEntity],
        taken: Taken,
        depth: int,
        key_rows: Sequence[int | None],
        key_reads: Sequence[int | None],
    ) -> tuple[list[list[Candidate]], dict[Table, TableEntity]]:
        """The candidates after each table's joint assignment, given what the tables were
        decided to be (`entities_of`), their key rows (`table_assignment.key_rows`, in
        `tables_of` order) and the entity each key reads as (`table_references.key_leads`);
        the decisions, each with its table's key."""
        choices = self._choices(ranked, depth)
        before = [candidates[0].target if candidates else None for candidates in ranked]
        tables = tables_of(fields)
        decided = dict(decided)
        keys = {}
        entities = self.schema.entities
        for table, key_row, read in zip(tables, key_rows, key_reads, strict=True):
            identity = self._identity(decided[table].entity)
            # a time series' surrogate `id` is no date: its grain goes to its date (time_series)
            series = decided[table].entity in self.schema.grains
            if key_row is not None and identity is not None and not series:
                keys[table] = (key_row, identity)
                reads = entities[read] if read is not None else None
                decided[table] = replace(decided[table], key=fields[key_row].field, key_reads=reads)
        approved = {
            table: {i for key in targets if (i := self.schema.index_of(key)) is not None}
            for table, targets in taken.items()
        }
        found = contests(self.scores, choices, tables, keys, approved)
        sure = self.contested.chances(found)
        agreed = {
            key_row: self.keys[identity]
            for table, (key_row, identity) in keys.items()
            if decided[table].agrees_on_key(fields[key_row].field, self.keys[identity])
        }
        rivals = close_rivals(found, ranked, fields, dict(keys.values()))
        for contest in found:
            chance = sure.get(id(contest), 0.0)
            ranked[contest.row] = self.contested.offered(
                contest, ranked[contest.row], fields, chance, contest.row in agreed
            )
        for row, (target, rival_said) in rivals.items():
            ranked[row] = rivalled(ranked[row], self.keys[target], rival_said)
        # a time series has no key: its date, its grain, agreed on the same way
        grains = agreed_grains(ranked, tables, decided, self.schema.grains, before)
        table_of = {row: table for table, rows in tables.items() for row in rows}
        # the trees' own confidence in a key's identity its table gave it over a foreign key
        given = {c.row: round(sure.get(id(c), 0.0), 4) for c in found if c.reason == "primary_key"}
        capped = []
        for row, candidates in enumerate(ranked):
            decision = decided[table_of[row]]
            if row in agreed:  # the table's key, raised where its structure settles it
                others = [ranked[r] for r in tables[table_of[row]] if r != row]
                field, key = fields[row].field, agreed[row]
                candidates = settle_key(candidates, field, key, decision, others, given.get(row))
            if row in grains:
                grain, seen = grains[row]
                candidates = self._structural(candidates, grain, grain_said(decision.entity, seen))
            else:
                candidates = self._structural(candidates, agreed.get(row))
            capped.append(self._off_entity(candidates, decision.entity))
        why = {c.row: self.contested.why(c, fields) for c in found}
        entity_of = {table: decision.entity for table, decision in decided.items()}
        return self._likeliest_first(capped, tables, entity_of, keys, why, taken, depth), decided

    def _likeliest_first(
        self,
        ranked: list[list[Candidate]],
        tables: dict[Table, list[int]],
        entity_of: Mapping[Table, str],
        keys: dict[Table, tuple[int, int]],
        why: dict[int, str],
        taken: Taken,
        depth: int,
    ) -> list[list[Candidate]]:
        """Each field's first candidates by confidence (candidate.most_likely_first), but the
        table's key keeps what it was given, and the key's identity and the table's approved
        mappings go last. A contested field (`why`: row -> the contest's note) may be offered
        the target it lost again, where the trees find it likelier than what it was given
        (capped for a person; on the unseen systems held out, leaving contested fields as
        the assignment gave them put the right target first for 3 points fewer fields); its
        first candidate always says why. After the first and down to ``depth``, targets the
        table's other fields hold or propose as keys (`_keys_proposed`) go after the free
        ones (`held_back_last`); then, down to OFFERED_DEPTH, the targets of the
        table's entity (``entity_of``) go before other entities', and a first of another
        entity after its namesake in the table's, capped for a person (`own_entity_first`).
        On ReMatch held out, HitRate@1/3/5 41.2/57.5/70.6 -> 42.5/64.1/73.2; the other sets
        unchanged but for the unseen systems' top-3 (98.3 -> 98.6 %)."""
        settled = list(ranked)
        for table, rows in tables.items():
            key_row, identity = keys.get(table, (-1, -1))
            held = set(taken.get(table, ())) | ({self.keys[identity]} if identity >= 0 else set())
            proposed = self._keys_proposed(ranked, rows)
            for row in rows:
                if row == key_row or not ranked[row]:
                    continue
                ordered = most_likely_first(ranked[row], CONTESTED_CEILING, TRAINED_RANKS, held)
                theirs = held | {target for target, r in proposed.items() if r != row}
                ordered = held_back_last(ordered, depth, theirs)
                ordered = own_entity_first(ordered, entity_of[table], OFFERED_DEPTH, theirs)
                first = ordered[0]
                if row in why and why[row] not in first.note:
                    note = f"{why[row]}; {first.note}" if first.note else why[row]
                    ordered[0] = replace(first, note=note)
                settled[row] = ordered
        return settled

    def _keys_proposed(self, ranked: list[list[Candidate]], rows: list[int]) -> dict[str, int]:
        """The foreign keys the table's ``rows`` propose, each to its row: a row's first
        candidate, where it is a foreign key at REVIEW or above. A table has one of each (a
        chart's one ``person_id``, its ``SUBJECT_ID``'s), so for its other fields it comes
        after the free ones. Not any target another field has first: tried so, the unseen
        systems lost a region and a company name that a wrong first held."""
        return {
            ranked[row][0].target: row
            for row in rows
            if ranked[row]
            and ranked[row][0].confidence >= REVIEW
            and ranked[row][0].target in self._foreign_keys
        }

    def _choices(self, ranked: list[list[Candidate]], depth: int) -> dict[int, Sequence[int]]:
        """Each row's targets by score: its first, then those a person could accept (a target
        it would never be offered must not take a field's place in the assignment)."""
        order = self.ranking[:, :depth].tolist()
        choices: dict[int, Sequence[int]] = {}
        for row, targets in enumerate(order):
            # `ranked` holds the same ranking's first targets, in the same order
            sure = [c.confidence for c in ranked[row][: len(targets)]]
            sure += [1.0] * (len(targets) - len(sure))  # not ranked: never ruled out
            viable = [t for t, p in zip(targets[1:], sure[1:], strict=True) if p >= REVIEW]
            choices[row] = targets[:1] + viable
        return choices

    def _structural(
        self, candidates: list[Candidate], agreed: str | None, said: str = ""
    ) -> list[Candidate]:
        """An entity's identity field decides which canonical table a source table feeds:
        never automatic, however sure the match, but for the identity its table and its key
        agree on (``agreed``: TableEntity.agrees_on_key; or a time series' date, time_series,
        whose reason is ``said``) when sure enough to be approved (or settled: settled_keys):
        below, it is held like any, its note saying what approving it does (or why its table
        proposes it), and the LLM, which sees one field and not its table, is not asked."""
        sure = bool(candidates) and candidates[0].confidence >= AUTO_APPROVE
        if not (sure and candidates[0].target == agreed):
            agreed = None
        identities = self._identities if agreed is None else self._identities - {agreed}
        capped = [
            held(c) if c.target in identities else c
            for c in candidates
        ]  # fmt: skip
        first = capped[0] if capped else None
        if first is None or first.note or first.target not in self._identities:
            return capped
        entity = first.target.split(".")[0]
        note = f"mapping {first.target} would make this table feed canonical {entity}"
        if first.target == agreed:
            note = said or f"{own_key_said(entity)}; its fields say {entity} too"
        capped[0] = replace(first, note=note)
        return capped

    @staticmethod
    def _off_entity(candidates: list[Candidate], entity: str) -> list[Candidate]:
        """A target of another entity than the table's would make the table feed a second
        canonical table: possible (a denormalised export), never automatic."""
        capped = [
            c if c.target.split(".", 1)[0] == entity else held(c)
            for c in candidates
        ]  # fmt: skip
        first = capped[0] if capped else None
        if first is not None and first.target.split(".", 1)[0] != entity and not first.note:
            other = first.target.split(".", 1)[0]
            note = f"the table is {entity}; {first.target} would make it feed canonical {other} too"
            capped[0] = replace(first, note=note)
        return capped

    def entities_of(
        self,
        tables: dict[Table, list[int]],
        affinity: np.ndarray,
        said: dict[int, list[str]],
        anchored: dict[Table, int],
    ) -> dict[Table, TableEntity]:
        """Each table's entity from its affinity (tables x entities, `tables` order: what
        `table_references.table_affinity` gave the matcher's table fit), the runner-up, and
        its references."""
        entities = self.schema.entities
        # stable: on a tie, the entity argmax picks (the matcher's reference fit read it)
        top = np.argsort(-affinity, axis=1, kind="stable")[:, :2]
        fits = np.take_along_axis(affinity, top, axis=1)
        decided = {}
        for index, ((table, rows), ranked, fit) in enumerate(
            zip(tables.items(), top.tolist(), fits.tolist(), strict=True)
        ):
            second, entity = len(ranked) > 1, entities[ranked[0]]
            decided[table] = TableEntity(
                entity,
                round(fit[0], 4),
                entities[ranked[1]] if second else None,
                round(fit[1], 4) if second else 0.0,
                len(rows),
                None,
                table in anchored,
                tuple(said.get(index, ())),
                called=table[1] if named_for(table[1], *self.schema.names_of(entity)) else "",
            )
        return decided

    def _identity(self, entity: str) -> int | None:
        key = self.schema.identity_of(entity)
        return self.schema.index_of(key) if key is not None else None
