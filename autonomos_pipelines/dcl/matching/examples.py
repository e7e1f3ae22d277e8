"""Approved mappings as retrieval evidence: "a field like this was mapped to that target".

`MemoryExampleIndex` is exact and in-process (ad-hoc target schemas, benchmarks, tests); the
registry's pgvector index (`vector_store.PgVectorExampleIndex`) answers the same question
from Postgres with HNSW, in tenant namespaces.
"""

from __future__ import annotations

from collections.abc import Sequence
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


class ExampleIndex(Protocol):
    def nearest(
        self, vectors: np.ndarray, k: int, tenant_id: TenantId | None
    ) -> list[list[ExampleHit]]: ...


class MemoryExampleIndex:
    def __init__(self, examples: Sequence[Example], vectors: np.ndarray) -> None:
        self.examples = list(examples)
        self.vectors = vectors.astype(np.float32)
        self.tenants = np.array([e.tenant_id or "" for e in self.examples], dtype=object)

    def nearest(
        self, vectors: np.ndarray, k: int, tenant_id: TenantId | None
    ) -> list[list[ExampleHit]]:
        if not self.examples:
            return [[] for _ in range(len(vectors))]
        visible = (self.tenants == "") | (self.tenants == (tenant_id or ""))
        similarities = vectors @ self.vectors.T
        similarities[:, ~visible] = -2.0
        k = min(k, len(self.examples))
        top = np.argpartition(-similarities, k - 1, axis=1)[:, :k]
        hits = []
        for row, indexes in enumerate(top):
            hits.append(
                [
                    ExampleHit(
                        self.examples[i].target,
                        float(similarities[row, i]),
                        self.examples[i].tenant_id is not None,
                    )
                    for i in indexes
                    if similarities[row, i] > -2.0
                ]
            )
        return hits
