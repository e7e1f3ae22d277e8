"""Approved mappings as retrieval evidence: "a field like this was mapped to that target".

`MemoryExampleIndex` is exact and in-process (ad-hoc target schemas, benchmarks, tests); the
registry's pgvector index (`vector_store.PgVectorExampleIndex`) answers the same question
from Postgres with HNSW, in tenant namespaces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from autonomos_pipelines.core.tenant_id import TenantId


@dataclass(frozen=True)
class Example:
    target: str
    text: str
    tenant_id: TenantId | None = None


@dataclass(frozen=True)
class ExampleHit:
    target: str
    similarity: float
    own: bool  # from the asking tenant's namespace, not the global baseline


IndexOf = Callable[[str], "int | None"]  # a target key -> its column in the score matrix


class ExampleIndex(Protocol):
    def nearest(
        self, vectors: np.ndarray, k: int, tenant_id: TenantId | None
    ) -> list[list[ExampleHit]]: ...

    def nearest_matrices(
        self, vectors: np.ndarray, k: int, tenant_id: TenantId | None, index_of: IndexOf, width: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per (vector, target column): the best similarity among the `k` nearest examples
        of that target, and the best among the tenant's own (0 where none)."""
        ...


def matrices_of_hits(
    hits: list[list[ExampleHit]], index_of: IndexOf, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """`nearest_matrices` from hits an index already listed."""
    similarity = np.zeros((len(hits), width), np.float32)
    own = np.zeros((len(hits), width), np.float32)
    for row, found in enumerate(hits):
        for hit in found:
            i = index_of(hit.target)
            if i is None:
                continue
            similarity[row, i] = max(similarity[row, i], hit.similarity)
            if hit.own:
                own[row, i] = max(own[row, i], hit.similarity)
    return similarity, own


class MemoryExampleIndex:
    def __init__(self, examples: Sequence[Example], vectors: np.ndarray) -> None:
        self.examples = list(examples)
        self.vectors = vectors.astype(np.float32)
        self.tenants = np.array([e.tenant_id or "" for e in self.examples], dtype=object)
        self._target_columns: tuple[object, np.ndarray] | None = None

    def _top(
        self, vectors: np.ndarray, k: int, tenant_id: TenantId | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(example indexes, similarities) of the `k` nearest visible examples per vector;
        an invisible one scores -2."""
        visible = (self.tenants == "") | (self.tenants == (tenant_id or ""))
        similarities = vectors @ self.vectors.T
        similarities[:, ~visible] = -2.0
        k = min(k, len(self.examples))
        top = np.argpartition(-similarities, k - 1, axis=1)[:, :k]
        return top, np.take_along_axis(similarities, top, axis=1)

    def nearest_matrices(
        self, vectors: np.ndarray, k: int, tenant_id: TenantId | None, index_of: IndexOf, width: int
    ) -> tuple[np.ndarray, np.ndarray]:
        similarity = np.zeros((len(vectors), width), np.float32)
        own = np.zeros((len(vectors), width), np.float32)
        if not self.examples or not len(vectors):
            return similarity, own
        top, found = self._top(vectors, k, tenant_id)
        # whole arrays: a Python object per hit (k per field) dominated onboarding at scale
        columns = self._columns(index_of)
        mine = np.array([e.tenant_id is not None for e in self.examples], dtype=bool)
        target, rows = columns[top], np.broadcast_to(np.arange(len(top))[:, None], top.shape)
        keep = (found > -2.0) & (target >= 0)
        np.maximum.at(similarity, (rows[keep], target[keep]), found[keep])
        keep &= mine[top]
        np.maximum.at(own, (rows[keep], target[keep]), found[keep])
        return similarity, own

    def _columns(self, index_of: IndexOf) -> np.ndarray:
        """Each example's target column (-1: not a target of that schema), kept for the last
        schema asked (a matcher asks once per batch of tables)."""
        schema = getattr(index_of, "__self__", index_of)
        cached = self._target_columns  # one read: another thread may replace it
        if cached is None or cached[0] is not schema:
            columns = [-1 if (i := index_of(e.target)) is None else i for e in self.examples]
            cached = (schema, np.array(columns, dtype=np.int64))
            self._target_columns = cached
        return cached[1]

    def nearest(
        self, vectors: np.ndarray, k: int, tenant_id: TenantId | None
    ) -> list[list[ExampleHit]]:
        if not self.examples:
            return [[] for _ in range(len(vectors))]
        top, found = self._top(vectors, k, tenant_id)
        targets = [e.target for e in self.examples]
        own = [e.tenant_id is not None for e in self.examples]
        # plain lists, not numpy scalars: this builds k hits for every field onboarded
        return [
            [
                ExampleHit(targets[i], value, own[i])
                for i, value in zip(row, values, strict=True)
                if value > -2.0
            ]
            for row, values in zip(top.tolist(), found.tolist(), strict=True)
        ]
