"""RAG matching: rank every target field for a batch of source fields, with confidence.

All similarities are computed as matrices over the whole target model (it is small: hundreds
of fields), so every target is scored on every signal; approved mappings come from an
`ExampleIndex` (nearest neighbours, tenant namespace + global baseline).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.column_margin import (
    COLUMN_MARGIN,
    column_margin,
    others_of,
    ranked_alike,
    rival_scores,
)
from autonomos_pipelines.dcl.matching.confidence import TRAINED_RANKS
from autonomos_pipelines.dcl.matching.embeddings import Embedder
from autonomos_pipelines.dcl.matching.examples import ExampleIndex
from autonomos_pipelines.dcl.matching.feature_names import TABLE_CONTEXT
from autonomos_pipelines.dcl.matching.foreign_keys import (
    identity_targets,
    pointed_at,
    reference_fit,
    reference_notes,
)
from autonomos_pipelines.dcl.matching.lexical_evidence import LexicalEvidence
from autonomos_pipelines.dcl.matching.nested_tables import apart, hold_nested, nested_of
from autonomos_pipelines.dcl.matching.outgoing_references import pointing_said
from autonomos_pipelines.dcl.matching.own_deeper import own_deeper
from autonomos_pipelines.dcl.matching.scored_candidates import ScoredCandidates
from autonomos_pipelines.dcl.matching.scoring import (
    ScoringModel,
    default_model,
    weighted_evidence,
)
from autonomos_pipelines.dcl.matching.semantic_evidence import SemanticEvidence
from autonomos_pipelines.dcl.matching.settled_references import ForeignKeys, settle_references
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_assignment import key_rows
from autonomos_pipelines.dcl.matching.table_decision import OFFERED_DEPTH, TableDecider
from autonomos_pipelines.dcl.matching.table_entity import (
    Table,
    TableEntity,
    Taken,
    anchors,
    table_of_rows,
    tables_of,
)
from autonomos_pipelines.dcl.matching.table_references import table_affinity
from autonomos_pipelines.dcl.matching.targets import TargetSchema
from autonomos_pipelines.dcl.matching.type_tags import tagged_as
from autonomos_pipelines.dcl.matching.unfounded_tables import hold_unfounded, unfounded

CHUNK = 1024
CHUNKS_ENCODED_TOGETHER = 16  # texts encoded ahead for this many chunks (bounded memory)
EXAMPLE_NEIGHBOURS = 24
TABLE_FIT, REFERENCE_FIT = TABLE_CONTEXT
# targets per field the table's assignment weighs (table_decision._choices); at least as
# deep as the confidence reorders
SETTLE_DEPTH = max(5, TRAINED_RANKS)
# what `_combined` read of the tables: affinity, references as text and as pairs, key rows,
# the entity each key reads as
TableContext = tuple[
    np.ndarray, dict[int, list[str]], list[tuple[int, int]], list[int | None], list[int | None]
]


def _chunks_of_whole_tables(fields: Sequence[SourceField]) -> list[list[int]]:
    """Field indexes grouped so that a source table never straddles two chunks, and a
    source's tables share one (what references a table is read per chunk) unless the source
    alone is larger than a chunk: a field is decided alike whatever other sources are ranked
    with it (a mapping pass ranks its fields in parts: decision_parts)."""
    sources: dict[str, list[list[int]]] = {}
    for (system, _), indexes in tables_of(fields).items():
        sources.setdefault(system, []).append(indexes)
    chunks: list[list[int]] = [[]]
    for system in sorted(sources):
        tables = sources[system]
        if chunks[-1] and len(chunks[-1]) + sum(map(len, tables)) > CHUNK:
            chunks.append([])  # the source starts a chunk of its own
        for indexes in tables:
            if chunks[-1] and len(chunks[-1]) + len(indexes) > CHUNK:
                chunks.append([])  # only a source larger than a chunk gets here
            chunks[-1].extend(indexes)
    return [chunk for chunk in chunks if chunk]


class Matcher:
    def __init__(
        self,
        schema: TargetSchema,
        embedder: Embedder,
        model: ScoringModel | None = None,
        examples: ExampleIndex | None = None,
    ) -> None:
        self.schema = schema
        self.embedder = embedder
        self.model = model or default_model()
        self.examples = examples
        targets, entities = schema.targets, schema.entities
        self._semantic = SemanticEvidence(schema, embedder)
        self._target_entity = self._semantic.target_entity
        self._pointed_at = pointed_at(schema)
        self._identity = identity_targets(schema)
        self._ids = {e: key for e in entities if (key := schema.identity_of(e)) is not None}
        self._grains = frozenset(schema.grains.values())  # time series' identities
        # per target key, the entity it is a foreign key to (None: none), for the notes and
        # the references the structure settles
        self._foreign = ForeignKeys.of({
            t.key: entities[e] if e >= 0 else None
            for t, e in zip(targets, self._pointed_at.tolist(), strict=True)
        })  # fmt: skip
        self._lexical = LexicalEvidence(schema)
        self._keys = [t.key for t in targets]

    # public ----------------------------------------------------------------------------------
    def features(
        self, fields: Sequence[SourceField], tenant_id: TenantId | None = None
    ) -> dict[str, np.ndarray]:
        """Every feature as a (fields x targets) matrix, in `scoring.FEATURES` order."""
        similar = self._semantic.similarities(fields)
        example, own = self._example_matrices(fields, tenant_id)
        lexical = self._lexical
        return {
            "name_similarity": similar["name_similarity"],
            "text_similarity": similar["text_similarity"],
            "cross_similarity": similar["cross_similarity"],
            "reference_similarity": similar["reference_similarity"],
            "token_overlap": lexical.token_overlap(fields),
            "entity_similarity": similar["entity_similarity"],
            "example_similarity": example,
            "own_example": own,
            "type_fit": lexical.type_fit(fields),
            "pattern_fit": lexical.pattern_fit(fields),
            "value_overlap": lexical.value_overlap(fields),
            "value_similarity": self._semantic.value_similarity(fields),
        }

    def rank(
        self,
        fields: Sequence[SourceField],
        top_k: int = 5,
        tenant_id: TenantId | None = None,
        taken: Taken | None = None,
    ) -> list[list[Candidate]]:
        """The `top_k` best-scored targets per field, the likeliest first, each with its
        confidence (table_decision); the fields of one table decided together
        (`taken`: targets approved for other fields)."""
        return self.rank_tables(fields, top_k, tenant_id, taken)[0]

    def rank_tables(
        self,
        fields: Sequence[SourceField],
        top_k: int = 5,
        tenant_id: TenantId | None = None,
        taken: Taken | None = None,
        observed: Mapping[Table, Sequence[SourceField]] | None = None,
    ) -> tuple[list[list[Candidate]], dict[tuple[str, str], TableEntity]]:
        """As `rank`, and the entity each source table was decided to be; ``observed``: the
        tables' other fields whatever their state (mapped, waiting for a person), among which
        each table's key is sought (`key_rows`) and which the fields ranked here are weighed
        against on each target (column_margin), as when the whole table is ranked at once."""
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        ranked: list[list[Candidate] | None] = [None] * len(fields)
        entities: dict[tuple[str, str], TableEntity] = {}
        chunks = _chunks_of_whole_tables(fields)

        def scored(rows: list[SourceField]) -> np.ndarray:  # a table's rivals, fit aside
            return weighted_evidence(self.features(rows, tenant_id), self.model.weights)

        for start in range(0, len(chunks), CHUNKS_ENCODED_TOGETHER):
            group = chunks[start : start + CHUNKS_ENCODED_TOGETHER]
            group_fields = [fields[i] for chunk in group for i in chunk]
            seen = others_of(group_fields, observed or {})
            alike = {
                table: kept for table, others in seen.items() if (kept := ranked_alike(others))
            }
            self._encode_ahead(group_fields + [f for rows in alike.values() for f in rows])
            for chunk in group:
                chunk_fields = [fields[i] for i in chunk]
                features = self.features(chunk_fields, tenant_id)
                rivals = rival_scores(others_of(chunk_fields, alike), scored)
                others = others_of(chunk_fields, seen)
                decided, tables = self.decide(
                    features, chunk_fields, top_k, taken=taken, rivals=rivals, others=others
                )
                entities.update(tables)
                for i, candidates in zip(chunk, decided, strict=True):
                    ranked[i] = candidates
        return [candidates or [] for candidates in ranked], entities

    def decide(
        self,
        features: dict[str, np.ndarray],
        fields: Sequence[SourceField],
        top_k: int,
        model: ScoringModel | None = None,
        taken: Taken | None = None,
        rivals: dict[Table, np.ndarray] | None = None,
        others: Mapping[Table, Sequence[SourceField]] | None = None,
    ) -> tuple[list[list[Candidate]], dict[tuple[str, str], TableEntity]]:
        """Candidates per field after its table's joint assignment, and what entity each
        table was decided to be (see table_decision); a table nothing founds as that entity
        has its fields, and the references to it, held for a person (unfounded_tables);
        ``rivals``: per table, the scores of its fields not ranked here, dlt's columns and
        type tags aside (column_margin.rival_scores); ``others``: its fields not ranked here
        whatever their state, among which its key is sought. dlt's own columns get no
        candidates and weigh in nothing but whether their table is nested; type tags
        (type_tags) get none and weigh in nothing."""
        own, others = apart(fields, others)
        own = [row for row in own if tagged_as(fields[row]) is None]  # type_tags: set aside
        if len(own) < len(fields):
            kept = {name: matrix[own] for name, matrix in features.items()}
            ranked, decided = (
                self.decide(kept, [fields[i] for i in own], top_k, model, taken, rivals, others)
                if own else ([], {})
            )  # fmt: skip
            placed: list[list[Candidate]] = [[] for _ in fields]
            for row, candidates in zip(own, ranked, strict=True):
                placed[row] = candidates
            return placed, decided
        model = model or self.model
        anchored = anchors(taken or {}, self.schema.entities)
        scores, (affinity, said, found, keys, reads) = self._combined(
            features, fields, model.weights, anchored, rivals, others
        )
        ranking = np.argsort(-scores, axis=1)  # once for the candidates and the table
        # as deep as the table's assignment reads, whatever top_k: the first never depends on it
        built = ScoredCandidates(self._keys, scores, features, model, ranking)
        ranked = built.best(max(top_k, SETTLE_DEPTH))
        decider = TableDecider(
            self.schema, self._target_entity, scores, features, model, ranking, self._pointed_at
        )
        tables = tables_of(fields)
        decided = decider.entities_of(tables, affinity, said, anchored)
        entity_of = [decided[table].entity for table in tables]
        names, in_order = [table for _, table in tables], list(tables)
        table_of_row = table_of_rows(list(tables.values()), len(fields))
        for index, points in pointing_said(found, fields, table_of_row, names, entity_of).items():
            table = in_order[index]
            decided[table] = replace(decided[table], points_at=tuple(points))
        # known before the tables' keys are settled: a nested list's key is never its own
        nested = nested_of(fields, others)
        for table, parent in nested.items():
            decided[table] = replace(decided[table], nested=True, parent=parent)
        entities = self.schema.entities
        row_entity = np.array([entities.index(e) for e in entity_of], dtype=np.int64)[table_of_row]
        ranked = own_deeper(
            ranked, ranking, row_entity, self._target_entity, OFFERED_DEPTH, built.at
        )
        settled, decided = decider.settle(
            ranked, fields, decided, taken or {}, SETTLE_DEPTH, keys, reads
        )
        noted = reference_notes(settled, found, names, entity_of, self._foreign.pointed)
        held = hold_nested(noted, fields, nested)
        # what nothing founds settles nothing: known before the references are settled
        why = unfounded(held, fields, tables, decided, keys, self._ids, self._grains)
        for table, little in why.items():
            decided[table] = replace(decided[table], unfounded=little)
        held = settle_references(held, found, fields, tables, decided, self._foreign, others)
        held = hold_unfounded(held, found, tables, decided, self._foreign.pointed, why)
        return [candidates[:top_k] for candidates in held], decided

    def combine(
        self,
        features: dict[str, np.ndarray],
        fields: Sequence[SourceField],
        weights: dict[str, float] | None = None,
        anchored: dict[tuple[str, str], int] | None = None,
    ) -> np.ndarray:
        """Weighted evidence, then the table context: a target entity that the other fields
        of the same source table also match well (or that its approved mappings name,
        `anchored`) is a more likely home for this field. Adds `table_fit` to `features`."""
        return self._combined(features, fields, weights, anchored)[0]

    def _combined(
        self,
        features: dict[str, np.ndarray],
        fields: Sequence[SourceField],
        weights: dict[str, float] | None,
        anchored: dict[tuple[str, str], int] | None,
        rivals: dict[Table, np.ndarray] | None = None,
        others: Mapping[Table, Sequence[SourceField]] | None = None,
    ) -> tuple[np.ndarray, TableContext]:
        """As `combine`, with the tables' affinity (tables x entities, in `tables_of`
        order), their references as text and as (table, row) pairs, and each table's key row
        (`key_rows`, sought among its ``others`` too), which the table decision and
        the references' notes read too."""
        weights = weights or self.model.weights
        scores = weighted_evidence(features, weights)
        tables = tables_of(fields)
        anchor = [(anchored or {}).get(table) for table in tables]
        rows_of = list(tables.values())
        keys = key_rows(fields, rows_of, others)
        affinity, said, found, reads = table_affinity(
            self.schema,
            scores,
            self._target_entity,
            self._pointed_at,
            fields,
            rows_of,
            anchor,
            self._identity,
            keys,
        )
        table_of_row = table_of_rows(rows_of, len(fields))
        relative = affinity - affinity.max(axis=1, keepdims=True)
        fit = relative[table_of_row][:, self._target_entity]
        features[TABLE_FIT] = fit
        # a reference points at what its table was decided to be (foreign_keys.py)
        decided = affinity.argmax(axis=1)
        reference = reference_fit(found, decided, self._pointed_at, self._identity, len(fields))
        features[REFERENCE_FIT] = reference
        combined = scores + weights[TABLE_FIT] * fit + weights[REFERENCE_FIT] * reference
        # the table's fit is the same for each of its fields: the rivals' share it
        known = rivals or {}
        rival_rows = [
            known[table] + weights[TABLE_FIT] * fit[rows[0]] if table in known else None
            for table, rows in zip(tables, rows_of, strict=True)
        ]
        features[COLUMN_MARGIN] = column_margin(combined, rows_of, rival_rows)
        return combined, (affinity, said, found, keys, reads)

    # internals -------------------------------------------------------------------------------
    def _encode_ahead(self, fields: Sequence[SourceField]) -> None:
        """Every text `features` will ask of these fields, encoded in one call: the encoder
        batches texts by length, and one chunk's few new texts of each length made small,
        unevenly padded batches (1.4x the encoding time of a 50,000-field onboarding). The
        embedder keeps each text's vector (MiniLmEmbedder's cache), so `features` finds them."""
        texts = [t for f in fields for t in (f.name_text, f.full_text, f.description_text)]
        texts += [f.entity_text for f in fields]
        if self.examples is not None:
            texts += [f.example_text for f in fields]
        if self._semantic.has_values:
            texts += [f.samples_text for f in fields if f.samples_text]
        self.embedder.encode(list(dict.fromkeys(texts)))

    def _example_matrices(
        self, fields: Sequence[SourceField], tenant_id: TenantId | None
    ) -> tuple[np.ndarray, np.ndarray]:
        shape = (len(fields), len(self.schema.targets))
        similarity, own = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
        if self.examples is None:
            return similarity, own
        vectors = self.embedder.encode([f.example_text for f in fields])
        return self.examples.nearest_matrices(
            vectors, EXAMPLE_NEIGHBOURS, tenant_id, self.schema.index_of, shape[1]
        )
