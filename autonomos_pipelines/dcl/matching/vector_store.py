"""Approved mappings as a pgvector corpus (HNSW, cosine), in tenant namespaces.

A tenant's query searches the global baseline and its own namespace, never another tenant's.
The two are searched separately, so a tenant with a handful of mappings still gets its own
nearest neighbours (pgvector 0.6 has no iterative scans: a filtered HNSW search over a large
global corpus could otherwise return none of them). Rows are deduplicated by text per target:
a thousand connectors calling a field `email` add one row, not a thousand.

While a tenant's visible corpus is small (up to `exact_limit` rows, the usual case: the
corpus holds distinct texts, not fields), it is read once and searched exactly in memory:
a batch of 50,000 fields then costs one query instead of 50,000 index probes, with exact
rather than approximate neighbours. Larger corpora use the HNSW index.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import admin_session, session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.matching.embeddings import Embedder
from autonomos_pipelines.dcl.matching.examples import (
    Example,
    ExampleHit,
    IndexOf,
    MemoryExampleIndex,
    matrices_of_hits,
)
from autonomos_pipelines.dcl.matching.source_field import SourceField

_SEARCH = """
SELECT q.ord, h.target, h.similarity
  FROM unnest(CAST(:vectors AS text[])) WITH ORDINALITY AS q(v, ord)
 CROSS JOIN LATERAL (
       SELECT target, 1 - (embedding <=> CAST(q.v AS vector)) AS similarity
         FROM dcl_examples
        WHERE kind = 'mapping' AND model = :model AND {namespace}
        ORDER BY embedding <=> CAST(q.v AS vector)
        LIMIT :k) h
"""
_BACKED = sa.text("""
    SELECT tenant_id, canonical_entity || '.' || canonical_field AS target, connector,
           source_table, source_field, min(id) AS mapping_id
      FROM field_mappings
     WHERE is_active AND canonical_field IS NOT NULL
       AND (CAST(:tenant_id AS text) IS NULL OR tenant_id IS NULL OR tenant_id = :tenant_id)
     GROUP BY 1, 2, 3, 4, 5
""")


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.6f}" for x in vector) + "]"


_VISIBLE = """FROM dcl_examples WHERE kind = 'mapping' AND model = :model
               AND (tenant_id IS NULL OR tenant_id = CAST(:tenant_id AS text))"""
HNSW_BATCH = 1_000


class PgVectorExampleIndex:
    """Approved mappings' vectors in pgvector, searched within one embedder's rows (`model`:
    the embedder's name): an int8 query never meets float vectors, nor the reverse."""

    def __init__(
        self, engine: Engine, model: str, ef_search: int = 100, exact_limit: int = 20_000
    ) -> None:
        self.engine = engine
        self.model = model
        self.ef_search = ef_search
        self.exact_limit = exact_limit
        self._memory: dict[str | None, MemoryExampleIndex | None] = {}

    def nearest(
        self, vectors: np.ndarray, k: int, tenant_id: TenantId | None
    ) -> list[list[ExampleHit]]:
        if not len(vectors):
            return []
        memory = self._in_memory(tenant_id)
        if memory is not None:
            return memory.nearest(vectors, k, tenant_id)
        hits: list[list[ExampleHit]] = []
        for start in range(0, len(vectors), HNSW_BATCH):
            hits += self._search(vectors[start : start + HNSW_BATCH], k, tenant_id)
        return hits

    def nearest_matrices(
        self, vectors: np.ndarray, k: int, tenant_id: TenantId | None, index_of: IndexOf, width: int
    ) -> tuple[np.ndarray, np.ndarray]:
        memory = self._in_memory(tenant_id) if len(vectors) else None
        if memory is not None:
            return memory.nearest_matrices(vectors, k, tenant_id, index_of, width)
        return matrices_of_hits(self.nearest(vectors, k, tenant_id), index_of, width)

    def _in_memory(self, tenant_id: TenantId | None) -> MemoryExampleIndex | None:
        """The visible corpus as an exact in-memory index, read once; None when too large."""
        if tenant_id not in self._memory:
            self._memory[tenant_id] = None
            with session(self.engine, tenant_id) as connection:
                size = connection.execute(
                    sa.text(f"SELECT count(*) {_VISIBLE}"),  # noqa: S608
                    {"tenant_id": tenant_id, "model": self.model},
                ).scalar_one()
                if size <= self.exact_limit:
                    rows = connection.execute(
                        sa.text(f"SELECT tenant_id, target, text, CAST(embedding AS real[]) "
                                f"{_VISIBLE} ORDER BY id"),  # noqa: S608
                        {"tenant_id": tenant_id, "model": self.model},
                    ).all()  # fmt: skip
                    examples = [Example(target, text, tenant) for tenant, target, text, _ in rows]
                    matrix = np.array([row[3] for row in rows], np.float32)
                    matrix = matrix.reshape(len(rows), -1) if rows else np.zeros((0, 0), np.float32)
                    self._memory[tenant_id] = MemoryExampleIndex(examples, matrix)
        return self._memory[tenant_id]

    def _search(
        self, vectors: np.ndarray, k: int, tenant_id: TenantId | None
    ) -> list[list[ExampleHit]]:
        hits: list[list[ExampleHit]] = [[] for _ in range(len(vectors))]
        literals = [vector_literal(v) for v in vectors]
        with session(self.engine, tenant_id) as connection:
            connection.execute(sa.text(f"SET LOCAL hnsw.ef_search = {int(self.ef_search)}"))
            scopes: list[tuple[str, bool, dict]] = [("tenant_id IS NULL", False, {})]
            if tenant_id:
                scopes.append(("tenant_id = :tenant_id", True, {"tenant_id": tenant_id}))
            for namespace, own, params in scopes:
                rows = connection.execute(
                    sa.text(_SEARCH.format(namespace=namespace)),
                    {"vectors": literals, "k": k, "model": self.model, **params},
                )
                for ordinal, target, similarity in rows:
                    hits[ordinal - 1].append(ExampleHit(target, float(similarity), own))
        return hits


def refresh_examples(engine: Engine, embedder: Embedder, tenant_id: TenantId | None = None) -> int:
    """Make the corpus match the active mappings (global, plus one tenant's when given):
    embed and insert what is missing, delete what no active mapping backs any more.
    Runs in the tenant's session: the global baseline's rows are refreshed by an admin
    (tenant_id None), never by a tenant's run."""
    with session(engine, tenant_id) as connection:
        backed = connection.execute(_BACKED, {"tenant_id": tenant_id}).all()
        existing = connection.execute(
            sa.text("""SELECT id, tenant_id, target, text FROM dcl_examples
                       WHERE kind = 'mapping' AND model = :model
                         AND (tenant_id IS NULL OR tenant_id = :tenant_id)"""),
            {"model": embedder.name, "tenant_id": tenant_id},
        ).all()
    wanted: dict[tuple[str | None, str, str], int] = {}
    for tenant, target, connector, table, field, mapping_id in backed:
        text = SourceField(connector, table, field).example_text
        wanted.setdefault((tenant, target, text), mapping_id)
    have = {(tenant, target, text): row_id for row_id, tenant, target, text in existing}
    # a tenant's session only changes the tenant's own namespace
    missing = [key for key in wanted if key not in have and key[0] == tenant_id]
    stale = [row_id for key, row_id in have.items() if key not in wanted and key[0] == tenant_id]
    vectors = embedder.encode([text for _, _, text in missing])
    with session(engine, tenant_id) as connection:
        if stale:
            connection.execute(
                sa.text("DELETE FROM dcl_examples WHERE id = ANY(:ids)"), {"ids": stale}
            )
        if missing:
            connection.execute(
                sa.text("""INSERT INTO dcl_examples (tenant_id, kind, target, text, mapping_id,
                                                      model, embedding)
                           VALUES (:tenant, 'mapping', :target, :text, :mapping_id, :model,
                                   CAST(:embedding AS vector))
                           ON CONFLICT DO NOTHING"""),
                [
                    {
                        "tenant": tenant,
                        "target": target,
                        "text": text,
                        "mapping_id": wanted[(tenant, target, text)],
                        "model": embedder.name,
                        "embedding": vector_literal(vector),
                    }
                    for (tenant, target, text), vector in zip(missing, vectors, strict=True)
                ],
            )
    return len(missing) + len(stale)


def example_counts(engine: Engine) -> dict[str | None, int]:
    counts: dict[str | None, int] = defaultdict(int)
    with admin_session(engine) as connection:
        for tenant, count in connection.execute(
            sa.text("SELECT tenant_id, count(*) FROM dcl_examples GROUP BY 1")
        ):
            counts[tenant] = count
    return dict(counts)
