"""The evidence a source field gives on every target without the encoder: the name words it
shares with each target, how its type and its values' pattern fit each target's, and which of
its sample values are among a target's known values (in the forms `value_forms` gives). Each
is a (fields x targets) matrix, as the matcher's embedding similarities are; what depends on
the targets only (their words as a sparse matrix, an index of their values, a row per source
type and value pattern seen) is built once per matcher.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from autonomos_pipelines.dcl.matching.compatibility import pattern_agreement, type_compatibility
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import TargetSchema
from autonomos_pipelines.dcl.matching.value_forms import (
    CORE_WEIGHT,
    keyed_forms,
    value_forms,
    value_key,
)


class LexicalEvidence:
    def __init__(self, schema: TargetSchema) -> None:
        self.targets = schema.targets
        self._vocabulary: dict[str, int] = {}
        self._target_tokens = self._token_matrix([t.tokens for t in self.targets], grow=True)
        # whether values may meet by their cores too (TargetSchema.fuzzy_values): the
        # canonical model's sets name kinds of things, and 'Work Email' is no channel 'email'
        self._fuzzy = schema.fuzzy_values
        self._equal_index: dict[str, set[int]] = {}  # value_key -> targets listing it
        self._form_index: dict[str, set[int]] = {}  # ... any of a value's forms
        for i, target in enumerate(self.targets):
            for value, forms in zip(target.values, self._forms(target.values), strict=True):
                self._equal_index.setdefault(value_key(value), set()).add(i)
                for form in forms:
                    self._form_index.setdefault(form, set()).add(i)
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
        """The share of the field's distinct sample values that are a target's known values,
        a value met only without its set's decoration counting `CORE_WEIGHT` (`value_forms`)."""
        overlap = np.zeros((len(fields), len(self.targets)), np.float32)
        if not self._equal_index:
            return overlap
        for row, source in enumerate(fields):
            values = keyed_forms(tuple(source.samples))
            for key, forms in values:
                keys = forms if self._fuzzy else (key,)
                found = [self._form_index[k] for k in keys if k in self._form_index]
                if not found:  # most values are no target's
                    continue
                equal = self._equal_index.get(key, ())
                met = {i for targets in found for i in targets if i not in equal}
                for i in equal:
                    overlap[row, i] += 1.0 / len(values)
                for i in met:
                    overlap[row, i] += CORE_WEIGHT / len(values)
        return np.minimum(overlap, 1.0, out=overlap)  # float32 sums of 1/n pass 1 by a hair

    def _forms(self, values: Sequence[str]) -> list[frozenset[str]]:
        if self._fuzzy:
            return value_forms(values)
        return [frozenset({k}) if (k := value_key(v)) else frozenset() for v in values]

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
