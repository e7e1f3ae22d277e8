"""The evidence a source field gives on every target through the encoder: how its name, its
name in its table's context, its description and its table's name read beside each target's,
how an identifier's words describe the entity a target foreign key points at, and how its
sample values read beside a target's known values. Each is a (fields x targets) matrix of
cosine similarities; the targets' vectors are encoded once per matcher, in one call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autonomos_pipelines.dcl.matching.embeddings import Embedder
from autonomos_pipelines.dcl.matching.field_text import split_words
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import TargetSchema


class SemanticEvidence:
    def __init__(self, schema: TargetSchema, embedder: Embedder) -> None:
        self.embedder = embedder
        targets, entities = schema.targets, schema.entities
        value_texts = [t.values_text if schema.fuzzy_values else "" for t in targets]
        texts = [t.name_text for t in targets] + [t.full_text for t in targets]
        texts += [t.description_text for t in targets] + [schema.entity_text(e) for e in entities]
        # one call, so the encoder batches all of them by length (values: kept for below)
        vectors = embedder.encode(texts + [v for v in value_texts if v])[: len(texts)]
        self._names, self._texts, self._descriptions, self._entities = np.split(
            vectors, np.cumsum([len(targets)] * 3)
        )
        self._values = _encode_where(embedder, value_texts)
        self.has_values = bool(self._values.any())  # else no field's samples are encoded
        self.target_entity = np.array([entities.index(t.entity) for t in targets])
        self._reference = np.array([_referenced_entity(t.name, entities) for t in targets])

    def similarities(self, fields: Sequence[SourceField]) -> dict[str, np.ndarray]:
        """name, text, cross (name to description both ways), reference and entity
        similarity, each (fields x targets); `value_similarity` apart."""
        names = self.embedder.encode([f.name_text for f in fields])
        texts = self.embedder.encode([f.full_text for f in fields])
        descriptions = self.embedder.encode([f.description_text for f in fields])
        entities = self.embedder.encode([f.entity_text for f in fields])
        cross = names @ self._descriptions.T + descriptions @ self._names.T
        return {
            "name_similarity": names @ self._names.T,
            "text_similarity": texts @ self._texts.T,
            "cross_similarity": cross / 2,
            "reference_similarity": self._reference_similarity(fields, texts),
            "entity_similarity": (entities @ self._entities.T)[:, self.target_entity],
        }

    def _reference_similarity(self, fields: Sequence[SourceField], texts: np.ndarray) -> np.ndarray:
        """For identifier fields: how well the field's words describe the entity a target
        foreign key points at (`HADM_ID`, "a patient hospital stay" -> `*.visit_occurrence_id`)."""
        similarity = np.zeros((len(fields), len(self._reference)), np.float32)
        is_identifier = np.array([_is_identifier(f.field) for f in fields])
        references = np.where(self._reference >= 0)[0]
        if not is_identifier.any() or not len(references):
            return similarity
        to_entities = texts[is_identifier] @ self._entities.T
        rows = np.where(is_identifier)[0][:, None]
        similarity[rows, references] = to_entities[:, self._reference[references]]
        return similarity

    def value_similarity(self, fields: Sequence[SourceField]) -> np.ndarray:
        """Embedding similarity of the field's sample values and the target's known values:
        `pT2, pT1c` resembles `T1, T2, T1a` though no value is shared."""
        similarity = np.zeros((len(fields), len(self._reference)), np.float32)
        texts = [f.samples_text for f in fields]
        if not any(texts) or not self.has_values:
            return similarity
        return _encode_where(self.embedder, texts) @ self._values.T


def _encode_where(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Embeddings of the non-empty texts; zero vectors for the empty ones."""
    vectors = embedder.encode([text or "-" for text in texts])
    vectors[[i for i, text in enumerate(texts) if not text]] = 0.0
    return vectors


def _is_identifier(name: str) -> bool:
    words = split_words(name)
    return len(words) >= 2 and words[-1] in ("id", "key")


def _referenced_entity(name: str, entities: Sequence[str]) -> int:
    """`visit_occurrence_id` -> index of entity `visit_occurrence`; -1 when none is named."""
    words = split_words(name)
    if len(words) < 2 or words[-1] not in ("id", "key"):
        return -1
    stem = "_".join(words[:-1])
    return entities.index(stem) if stem in entities else -1
