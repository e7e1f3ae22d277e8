"""The evidence a source field gives on every target without the encoder: the name words it
shares with each target, how its type and its values' pattern fit each target's, and which of
its sample values are among a target's known values. Each is a (fields x targets) matrix, as
the matcher's embedding similarities are; what depends on the targets only (their words as a
sparse matrix, an index of their values, a row per source type and value pattern seen) is
built once per matcher.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from autonomos_pipelines.dcl.matching.compatibility import pattern_agreement, type_compatibility
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import TargetSchema


class LexicalEvidence:
    def __init__(self, schema: TargetSchema) -> None:
        self.targets = schema.targets
        self._vocabulary: dict[str, int] = {}
        self._target_tokens = self._token_matrix([t.tokens for t in self.targets], grow=True)
        self._value_index: dict[str, list[int]] = {}
        for i, target in enumerate(self.targets):
            for value in {v.strip().lower() for v in target.values}:
                self._value_index.setdefault(value, []).append(i)
        self._type_rows: dict[str | None, np.ndarray] = {}
        self._pattern_rows: dict[str | None, np.ndarray] = {}

    def token_overlap(self, fields: Sequence[SourceField]) -> np.ndarray:
        """Dice overlap of the field's name words and each target's."""
        source = self._token_matrix([f.tokens for f in fields], grow=False)
        shared = (source @ self._target_tokens.T).toarray()
        sizes = np.array([len(f.tokens) for f in fields], np.float32)[:, None]
        target_sizes = np.asarray(self._target_tokens.sum(axis=1)).reshape(1, -1)
        return 2 * shared / np.maximum(sizes + target_sizes, 1.0)

    def type_fit(self, fields: Sequence[SourceField]) -> np.ndarray:
        return np.stack([self._type_row(f.type) for f in fields])

    def pattern_fit(self, fields: Sequence[SourceField]) -> np.ndarray:
        return np.stack([self._pattern_row(f.pattern) for f in fields])

    def value_overlap(self, fields: Sequence[SourceField]) -> np.ndarray:
        """The share of the field's distinct sample values that are a target's known values."""
        overlap = np.zeros((len(fields), len(self.targets)), np.float32)
        if not self._value_index:
            return overlap
        for row, source in enumerate(fields):
            values = {s.strip().lower() for s in source.samples if s.strip()}
            for value in values:
                for i in self._value_index.get(value, ()):
                    overlap[row, i] += 1.0 / len(values)
        return overlap

    def _token_matrix(self, token_sets: Sequence[frozenset[str]], grow: bool) -> sparse.csr_matrix:
        """One row of word counts per token set; ``grow``: the targets' words make the
        vocabulary, a source word the targets lack shares nothing."""
        rows, cols = [], []
        for row, tokens in enumerate(token_sets):
            for token in tokens:
                if grow:
                    self._vocabulary.setdefault(token, len(self._vocabulary))
                if token in self._vocabulary:
                    rows.append(row)
                    cols.append(self._vocabulary[token])
        shape = (len(token_sets), max(len(self._vocabulary), 1))
        return sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)

    def _type_row(self, source_type: str | None) -> np.ndarray:
        if source_type not in self._type_rows:
            self._type_rows[source_type] = np.array(
                [type_compatibility(source_type, t.type) for t in self.targets], np.float32
            )
        return self._type_rows[source_type]

    def _pattern_row(self, pattern: str | None) -> np.ndarray:
        if pattern not in self._pattern_rows:
            self._pattern_rows[pattern] = np.array(
                [pattern_agreement(pattern, t) for t in self.targets], np.float32
            )
        return self._pattern_rows[pattern]
