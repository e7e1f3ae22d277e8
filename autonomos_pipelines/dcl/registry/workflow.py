"""The mapping workflow: proposals, approvals, rejections, edits and rollbacks.

State machine per mapping row: proposed -> approved -> active; proposed -> rejected;
active -> needs_review (drift) -> approved -> active | rejected; active -> deprecated when a
newer version of the same field becomes active; proposed -> deprecated when a computed mapping
that reads it, a nested list's column, takes effect (superseded.py). A change of target is
always a new version. Every transition writes an audit row in the same transaction and
invalidates the caches. Only reviewers and admins may decide (roles.py); a refusal is audited
too. The reads a reviewer makes are in mapping_reads.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.core.database import session
from autonomos_pipelines.dcl.registry.mapping_reads import MappingReads
from autonomos_pipelines.dcl.registry.mapping_rows import (
    active_row,
    deprecate,
    fetch_row,
    target_claimed_elsewhere,
)
from autonomos_pipelines.dcl.registry.proposals import Proposal, write_proposals
from autonomos_pipelines.dcl.registry.refs import (
    FieldRef,
    MappingConflict,
    PermissionDenied,
    WorkflowError,
    known_tenants,
    row_key,
    row_value,
)
from autonomos_pipelines.dcl.registry.roles import DECIDERS
from autonomos_pipelines.dcl.registry.superseded import supersede_read_columns

__all__ = ["DECIDERS", "PENDING", "FieldRef", "MappingConflict", "OnDecided", "PermissionDenied",
           "Workflow", "WorkflowError"]  # fmt: skip

PENDING = ("proposed", "needs_review")
# called with the decision's open transaction and the decided row, so what follows from the
# decision (a drift event settled) commits or rolls back with it
OnDecided = Callable[[Connection, Any], None]


class Workflow(MappingReads):
    """The writes: proposals, decisions, edits and rollbacks (reads and roles: its bases)."""

    def propose(
        self,
        ref: FieldRef,
        target: str | None,
        confidence: float,
        method: str,
        actor: str,
        activate: bool = False,
        transform: str = "none",
        reason: str = "",
        evidence: dict | None = None,
        expression: str | None = None,
    ) -> int:
        """A new version for a field: pending review, or active at once when `activate`
        (auto-approval above the threshold, or a manual edit by a reviewer). An
        `expression` (a computed mapping) is validated before anything is written."""
        proposal = Proposal(
            ref, target, confidence, method, activate, transform, reason, evidence, expression
        )
        return self.propose_many([proposal], actor)[0]

    def propose_many(self, proposals: list[Proposal], actor: str) -> list[int]:
        """Many new versions in one transaction (onboarding writes thousands at once)."""
        if not proposals:
            return []
        tenants = {p.ref.tenant_id for p in proposals}
        only = next(iter(tenants)) if len(tenants) == 1 else None
        with known_tenants(tenants), session(self.engine, only) as connection:
            ids = write_proposals(connection, proposals, actor, deprecate)
        for tenant_id in tenants:
            self.registry.invalidate(tenant_id)
        return ids

    def _pending_row(self, connection: Connection, mapping_id: int, actor: str, verb: str) -> Any:
        """The locked row a reviewer decides on, after checking role and state."""
        row = fetch_row(connection, mapping_id)
        self.require_role(
            connection, actor, DECIDERS, f"mapping.{verb}", row["tenant_id"], row_key(row)
        )
        if row["status"] not in PENDING:
            done = {"approve": "approved", "reject": "rejected"}[verb]
            raise WorkflowError(
                f"{row_key(row)} is {row['status']}; only proposed or "
                f"needs_review mappings can be {done}"
            )
        return row

    def approve(
        self, mapping_id: int, actor: str, force: bool = False, on_decided: OnDecided | None = None
    ) -> dict:
        with session(self.engine, self.tenant_of(mapping_id)) as connection:
            row = self._pending_row(connection, mapping_id, actor, "approve")
            ref = FieldRef(
                row["tenant_id"], row["connector"], row["source_table"], row["source_field"]
            )
            clash = target_claimed_elsewhere(connection, row)
            if clash and not force:
                raise MappingConflict(
                    f"{row_value(row)['target']} is already fed by {clash} in "
                    f"{row['connector']}.{row['source_table']}; reject one, or approve with force "
                    '(`--force`; over HTTP {"force": true})'
                )
            previous = active_row(connection, ref)
            if previous is not None and previous["id"] != row["id"]:
                deprecate(connection, previous, actor)
            for status, action in (("approved", "mapping.approve"), ("active", "mapping.activate")):
                connection.execute(
                    sa.text("""UPDATE field_mappings SET status = :s, is_active = (:s = 'active'),
                                   approved_by = :a, approved_at = now(), updated_at = now()
                               WHERE id = :id"""),
                    {"s": status, "a": actor, "id": mapping_id},
                )
                audit(
                    connection,
                    actor,
                    action,
                    row["tenant_id"],
                    "field_mapping",
                    row_key(row),
                    row_value(row),
                    {**row_value(row), "status": status},
                )
            supersede_read_columns(connection, ref, row["expression"], actor)
            if on_decided is not None:
                on_decided(connection, row)
        self.registry.invalidate(row["tenant_id"])
        return self.get(mapping_id, row["tenant_id"])

    def reject(
        self, mapping_id: int, actor: str, reason: str = "", on_decided: OnDecided | None = None
    ) -> dict:
        with session(self.engine, self.tenant_of(mapping_id)) as connection:
            row = self._pending_row(connection, mapping_id, actor, "reject")
            connection.execute(
                sa.text("""UPDATE field_mappings SET status = 'rejected', is_active = false,
                               reason = :r, updated_at = now() WHERE id = :id"""),
                {"r": reason[:500] or row["reason"], "id": mapping_id},
            )
            audit(
                connection,
                actor,
                "mapping.reject",
                row["tenant_id"],
                "field_mapping",
                row_key(row),
                row_value(row),
                {**row_value(row), "status": "rejected", "reason": reason},
            )
            if on_decided is not None:
                on_decided(connection, row)
        self.registry.invalidate(row["tenant_id"])
        return self.get(mapping_id, row["tenant_id"])

    def flag_for_review(self, mapping_id: int, actor: str, reason: str) -> dict:
        """active -> needs_review (e.g. the source drifted); it stays in effect until decided."""
        with session(self.engine, self.tenant_of(mapping_id)) as connection:
            row = fetch_row(connection, mapping_id)
            if row["status"] != "active":
                raise WorkflowError(f"{row_key(row)} is {row['status']}, not active")
            connection.execute(
                sa.text("""UPDATE field_mappings SET status = 'needs_review', reason = :r,
                               updated_at = now() WHERE id = :id"""),
                {"r": reason[:500], "id": mapping_id},
            )
            audit(
                connection,
                actor,
                "mapping.needs_review",
                row["tenant_id"],
                "field_mapping",
                row_key(row),
                row_value(row),
                {**row_value(row), "status": "needs_review", "reason": reason},
            )
        self.registry.invalidate(row["tenant_id"])
        return self.get(mapping_id, row["tenant_id"])

    def edit(
        self,
        ref: FieldRef,
        target: str | None,
        transform: str,
        actor: str,
        expression: str | None = None,
    ) -> int:
        """A reviewer sets a field's target (and maybe its expression) directly: a new,
        active, manual version."""
        return self.edit_many([(ref, target, transform)], actor, [expression])[0]

    def edit_many(
        self,
        edits: list[tuple[FieldRef, str | None, str]],
        actor: str,
        expressions: list[str | None] | None = None,
    ) -> list[int]:
        """Many such edits (of one tenant, or of the baseline) in one transaction: a file
        imported whole or not at all. `expressions`, when given, holds each edit's
        expression (None: a plain column mapping)."""
        return self.propose_many(self.edit_proposals(edits, actor, expressions), actor)

    def edit_proposals(
        self,
        edits: list[tuple[FieldRef, str | None, str]],
        actor: str,
        expressions: list[str | None] | None = None,
    ) -> list[Proposal]:
        """The new versions `edit_many` writes, once the actor is known to be a decider."""
        if not edits:
            return []
        first = edits[0][0]
        with session(self.engine, first.tenant_id) as connection:
            self.require_role(
                connection, actor, DECIDERS, "mapping.edit", first.tenant_id, first.key
            )
        why = f"set by {actor}"
        computed = expressions or [None] * len(edits)
        return [
            Proposal(r, t, 1.0, "manual", True, tf, why, None, x)
            for (r, t, tf), x in zip(edits, computed, strict=True)
        ]

    def write(self, connection: Connection, proposals: list[Proposal], actor: str) -> list[int]:
        """`propose_many`'s writes inside the caller's transaction; the caller then drops
        the tenant's cached maps (`registry.invalidate`)."""
        return write_proposals(connection, proposals, actor, deprecate)

    def rollback(self, ref: FieldRef, version: int, actor: str) -> int:
        """Make an earlier version's target current again, as a new version."""
        with session(self.engine, ref.tenant_id) as connection:
            self.require_role(
                connection, actor, DECIDERS, "mapping.rollback", ref.tenant_id, ref.key
            )
        old = next(
            (
                r
                for r in self.history(ref)
                if r["version"] == version and r["tenant_id"] == ref.tenant_id
            ),
            None,
        )
        if old is None:
            raise WorkflowError(f"{ref.key} has no version {version} for this tenant")
        return self.propose(
            ref,
            row_value(old)["target"],
            1.0,
            "manual",
            actor,
            activate=True,
            transform=old["transform"],
            reason=f"rollback to version {version} by {actor}",
            expression=old["expression"],
        )
