"""The pairs a person should decide, per tenant and entity, in the registry: each run of the
unified assets replaces them; the CLI and the HTTP API list them with their evidence."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.unify.decisions import check_entity
from autonomos_pipelines.dcl.unify.model import ScoredPair

_INSERT = sa.text("""INSERT INTO unify_review (tenant_id, entity, left_record, right_record,
                         match_probability, evidence)
                     VALUES (:t, :e, :l, :r, :p, CAST(:ev AS jsonb))
                     ON CONFLICT DO NOTHING""")


class ReviewQueue:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def replace(self, tenant_id: TenantId, entity: str, pairs: tuple[ScoredPair, ...]) -> int:
        """The last run's pairs in review become the queue; returns how many."""
        rows = [
            {"t": tenant_id, "e": entity, "l": str(min(p.left, p.right)),
             "r": str(max(p.left, p.right)), "p": round(p.probability, 6),
             "ev": json.dumps(p.evidence)}
            for p in pairs
        ]  # fmt: skip
        with session(self.engine, tenant_id) as db:
            db.execute(
                sa.text("DELETE FROM unify_review WHERE tenant_id = :t AND entity = :e"),
                {"t": tenant_id, "e": check_entity(entity)},
            )
            if rows:
                db.execute(_INSERT, rows)
        return len(rows)

    def pending(
        self, tenant_id: TenantId, entity: str, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Pairs without a verdict since they were queued, most probable first."""
        with session(self.engine, tenant_id) as db:
            rows = db.execute(
                sa.text("""SELECT q.left_record, q.right_record, q.match_probability,
                                  q.evidence, q.queued_at
                           FROM unify_review q WHERE q.tenant_id = :t AND q.entity = :e
                             AND NOT EXISTS (SELECT 1 FROM unify_decisions d
                                 WHERE d.tenant_id = q.tenant_id AND d.entity = q.entity
                                   AND d.left_record = q.left_record
                                   AND d.right_record = q.right_record AND d.is_active
                                   AND d.verdict <> 'undecided')
                           ORDER BY q.match_probability DESC, q.left_record, q.right_record
                           LIMIT :n OFFSET :o"""),
                {"t": tenant_id, "e": check_entity(entity), "n": limit, "o": offset},
            ).mappings()
            return [dict(r) for r in rows]
