"""Reviewers' verdicts on pairs of source records, in the registry: versioned, audited and
kept across runs. A "same" joins the two records' entities (a merge), a "different" keeps
them apart (a split), an "undecided" hands the pair back to the linker."""

from __future__ import annotations

import json

import sqlalchemy as sa

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.core.database import session
from autonomos_pipelines.core.errors import InputRefused
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.workflow import DECIDERS, Workflow
from autonomos_pipelines.dcl.unify.model import UNIFIED_ENTITIES, Decision, RecordKey

VERDICTS = ("same", "different", "undecided")


def check_entity(entity: str) -> str:
    if entity not in UNIFIED_ENTITIES:
        raise InputRefused(f"entity {entity!r}: unification covers {', '.join(UNIFIED_ENTITIES)}")
    return entity


def pair_key(entity: str, left: RecordKey, right: RecordKey) -> str:
    return f"{entity}:{left}~{right}"


class UnifyDecisions:
    def __init__(self, workflow: Workflow) -> None:
        self.workflow, self.engine = workflow, workflow.engine

    def decide(  # noqa: PLR0913
        self,
        tenant_id: TenantId,
        entity: str,
        pair: tuple[RecordKey, RecordKey],
        verdict: str,
        actor: str,
        reason: str = "",
    ) -> dict:
        """Record a verdict as the pair's next version (reviewers and admins only), with the
        probability and evidence the pair had in the review queue, if it was there."""
        check_entity(entity)
        if verdict not in VERDICTS:
            raise InputRefused(f"verdict {verdict!r}: use one of {', '.join(VERDICTS)}")
        left, right = sorted(pair)
        if left == right:
            raise InputRefused(f"{left} cannot be compared with itself")
        key = pair_key(entity, left, right)
        with session(self.engine, tenant_id) as db:
            self.workflow.require_role(
                db, actor, DECIDERS, "unify.decide", tenant_id, key, "entity_pair"
            )
            where = {"t": tenant_id, "e": entity, "l": str(left), "r": str(right)}
            queued = db.execute(
                sa.text("""SELECT match_probability, evidence FROM unify_review
                           WHERE tenant_id = :t AND entity = :e AND left_record = :l
                             AND right_record = :r"""),
                where,
            ).first()
            before = db.execute(
                sa.text("""SELECT verdict, version FROM unify_decisions
                           WHERE tenant_id = :t AND entity = :e AND left_record = :l
                             AND right_record = :r ORDER BY version DESC LIMIT 1 FOR UPDATE"""),
                where,
            ).first()
            db.execute(
                sa.text("""UPDATE unify_decisions SET is_active = false WHERE tenant_id = :t
                           AND entity = :e AND left_record = :l AND right_record = :r"""),
                where,
            )
            row = db.execute(
                sa.text("""INSERT INTO unify_decisions (tenant_id, entity, left_record,
                               right_record, verdict, version, match_probability, evidence,
                               reason, decided_by)
                           VALUES (:t, :e, :l, :r, :v, :n, :p, CAST(:ev AS jsonb), :why, :by)
                           RETURNING *"""),
                {**where, "v": verdict, "n": (before.version + 1) if before else 1,
                 "p": queued.match_probability if queued else None,
                 "ev": json.dumps(queued.evidence) if queued else None,
                 "why": reason[:500] or None, "by": str(actor)},
            ).mappings().one()  # fmt: skip
            audit(
                db, actor, f"unify.{verdict}", tenant_id, "entity_pair", key,
                {"verdict": before.verdict, "version": before.version} if before else None,
                {"verdict": verdict, "version": row["version"], "reason": reason or None},
            )  # fmt: skip
        return dict(row)

    def active(self, tenant_id: TenantId, entity: str) -> list[Decision]:
        """The verdicts the next run obeys (the newest version of each pair, not undecided)."""
        with session(self.engine, tenant_id) as db:
            rows = db.execute(
                sa.text("""SELECT left_record, right_record, verdict, version, decided_by
                           FROM unify_decisions WHERE tenant_id = :t AND entity = :e
                             AND is_active AND verdict <> 'undecided'
                           ORDER BY left_record, right_record"""),
                {"t": tenant_id, "e": check_entity(entity)},
            ).all()
        return [
            Decision(RecordKey.parse(r.left_record), RecordKey.parse(r.right_record), r.verdict,
                     r.version, r.decided_by)
            for r in rows
        ]  # fmt: skip

    def history(
        self, tenant_id: TenantId, entity: str, record: RecordKey | None = None
    ) -> list[dict]:
        """Every version of every verdict (of pairs with ``record``), newest first."""
        with session(self.engine, tenant_id) as db:
            rows = db.execute(
                sa.text("""SELECT * FROM unify_decisions WHERE tenant_id = :t AND entity = :e
                             AND (CAST(:k AS text) IS NULL OR :k IN (left_record, right_record))
                           ORDER BY decided_at DESC, id DESC"""),
                {"t": tenant_id, "e": check_entity(entity), "k": str(record) if record else None},
            ).mappings()
            return [dict(r) for r in rows]
