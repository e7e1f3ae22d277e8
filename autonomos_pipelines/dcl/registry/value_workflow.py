"""The value-mapping workflow: set by hand, proposals, approvals, rejections, rollbacks.

The state machine of field mappings: proposed -> approved -> active; proposed -> rejected;
active -> deprecated when a newer version of the same value becomes active. Each transition
writes its audit row in the same transaction and drops the cached maps; only reviewers and
admins decide, and a refusal is audited (Workflow.require_role)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.core.database import session
from autonomos_pipelines.dcl.registry import value_checks as checks
from autonomos_pipelines.dcl.registry.refs import FieldRef, WorkflowError, known_tenants
from autonomos_pipelines.dcl.registry.value_refs import ValueRef, value_key, value_state
from autonomos_pipelines.dcl.registry.value_store import ValueStore, fetch_row
from autonomos_pipelines.dcl.registry.value_writes import (
    OBJECT_TYPE,
    ValueProposal,
    active_row,
    deprecate,
    write_value_proposals,
)
from autonomos_pipelines.dcl.registry.workflow import DECIDERS, PENDING, Workflow


class ValueWorkflow:
    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.registry = workflow.registry
        self.engine = workflow.engine
        self.store = ValueStore(workflow.registry)

    def require_decider(self, ref: ValueRef, action: str, actor: str) -> None:
        with session(self.engine, ref.tenant_id) as connection:
            self.workflow.require_role(
                connection, actor, DECIDERS, action, ref.tenant_id, ref.key, OBJECT_TYPE
            )

    def set(self, ref: ValueRef, canonical_value: str, actor: str, reason: str = "") -> int:
        """A reviewer maps a source value by hand: a new, active, manual version."""
        self.require_decider(ref, "value_mapping.edit", actor)
        target = checks.mapped_enumeration(self.registry, ref.field)
        why = reason or f"set by {actor}"
        proposal = ValueProposal(
            ref, target.entity, target.name, canonical_value, 1.0, "manual", True, why
        )
        return self.propose_many([proposal], actor)[0]

    def propose_many(self, proposals: Sequence[ValueProposal], actor: str) -> list[int]:
        """New versions (one tenant's, or the baseline's) in one transaction, each checked
        first so a bad one writes nothing."""
        if not proposals:
            return []
        self.check(proposals)
        tenant_id = proposals[0].ref.tenant_id
        with known_tenants([tenant_id]), session(self.engine, tenant_id) as connection:
            ids = self.write(connection, proposals, actor)
        self.registry.invalidate(tenant_id)
        return ids

    @staticmethod
    def check(proposals: Sequence[ValueProposal]) -> None:
        """Refuse the lot if any is bad: mixed tenants, a bad source value, a field that is
        no enumeration, or a canonical value outside its set."""
        if len({p.ref.tenant_id for p in proposals}) > 1:
            raise WorkflowError("value mappings of one tenant (or the baseline) at a time")
        for proposal in proposals:
            checks.check_source_value(proposal.ref.source_value)
            field = checks.enumeration(proposal.entity, proposal.field)
            checks.check_canonical_value(field, proposal.canonical_value)

    @staticmethod
    def write(connection: Connection, proposals: Sequence[ValueProposal], actor: str) -> list[int]:
        """`propose_many`'s writes inside the caller's transaction (checked first with
        `check`); the caller then drops the tenant's cached maps."""
        return write_value_proposals(connection, proposals, actor)

    def _decide(self, value_id: int, actor: str, verb: str, reason: str = "") -> dict:
        owner = self.store.tenant_of(value_id)
        with session(self.engine, owner) as connection:
            row = fetch_row(connection, value_id)
            self.workflow.require_role(
                connection, actor, DECIDERS, f"value_mapping.{verb}", owner, value_key(row),
                OBJECT_TYPE,
            )  # fmt: skip
            if row["status"] not in PENDING:
                raise WorkflowError(
                    f"{value_key(row)} is {row['status']}; only proposed or needs_review "
                    f"value mappings can be {_done(verb)}"
                )
            ref = ValueRef(
                FieldRef(owner, row["connector"], row["source_table"], row["source_field"]),
                row["source_value"],
            )
            steps: tuple[tuple[str, str], ...] = (("rejected", "value_mapping.reject"),)
            if verb == "approve":
                checks.check_still_mapped(
                    self.registry, ref.field, row["canonical_entity"], row["canonical_field"]
                )
                previous = active_row(connection, ref)
                if previous is not None:
                    deprecate(connection, previous, actor)
                steps = (
                    ("approved", "value_mapping.approve"),
                    ("active", "value_mapping.activate"),
                )
            for status, action in steps:
                connection.execute(
                    sa.text("""UPDATE value_mappings SET status = :s, is_active = (:s = 'active'),
                                   approved_by = CASE WHEN :s = 'rejected' THEN approved_by
                                                      ELSE :a END,
                                   approved_at = CASE WHEN :s = 'rejected' THEN approved_at
                                                      ELSE now() END,
                                   reason = COALESCE(NULLIF(:r, ''), reason), updated_at = now()
                               WHERE id = :id"""),
                    {"s": status, "a": actor, "r": reason[:500], "id": value_id},
                )
                new = {**value_state(row), "status": status}
                audit(connection, actor, action, owner, OBJECT_TYPE, value_key(row),
                      value_state(row), {**new, "reason": reason} if reason else new)  # fmt: skip
        self.registry.invalidate(owner)
        return self.store.get(value_id, owner)

    def approve(self, value_id: int, actor: str) -> dict:
        """Approve and activate a proposal; the next canonical build applies it."""
        return self._decide(value_id, actor, "approve")

    def reject(self, value_id: int, actor: str, reason: str = "") -> dict:
        """Reject a proposal; the mapping pass never proposes that value for it again."""
        return self._decide(value_id, actor, "reject", reason)

    def rollback(self, ref: ValueRef, version: int, actor: str) -> int:
        """Make an earlier version's canonical value current again, as a new version."""
        self.require_decider(ref, "value_mapping.rollback", actor)
        old = next(
            (
                row
                for row in self.store.history(ref)
                if row["version"] == version and row["tenant_id"] == ref.tenant_id
            ),
            None,
        )
        if old is None:
            raise WorkflowError(f"{ref.key} has no version {version} for this tenant")
        checks.check_still_mapped(
            self.registry, ref.field, old["canonical_entity"], old["canonical_field"]
        )
        proposal = ValueProposal(
            ref, old["canonical_entity"], old["canonical_field"], old["canonical_value"], 1.0,
            "manual", True, f"rollback to version {version} by {actor}",
        )  # fmt: skip
        return self.propose_many([proposal], actor)[0]


def _done(verb: str) -> str:
    return {"approve": "approved", "reject": "rejected"}[verb]
