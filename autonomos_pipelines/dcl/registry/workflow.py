"""The mapping workflow: proposals, approvals, rejections, edits and rollbacks.

State machine per mapping row: proposed -> approved -> active; proposed -> rejected;
active -> needs_review (drift) -> approved -> active | rejected; active -> deprecated when a
newer version of the same field becomes active. A change of target is always a new version.
Every transition writes an audit row in the same transaction and invalidates the caches.
Only reviewers and admins may decide; a refusal is audited too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.audit import Actor, audit
from autonomos_pipelines.core.database import admin_session, session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry import identity_events
from autonomos_pipelines.dcl.registry.proposals import Proposal, write_proposals
from autonomos_pipelines.dcl.registry.refs import (
    ROW_COLUMNS,
    ROW_FIELDS,
    FieldRef,
    MappingConflict,
    PermissionDenied,
    UnknownMapping,
    WorkflowError,
    row_key,
    row_value,
)
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.superseded import supersede_read_columns

DECIDERS = ("reviewer", "admin")
PENDING = ("proposed", "needs_review")
# called with the decision's open transaction and the decided row, so what follows from the
# decision (a drift event settled) commits or rolls back with it
OnDecided = Callable[[Connection, Any], None]


class Workflow:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.engine = registry.engine

    # users and roles -------------------------------------------------------------------------
    def role_of(self, user: str) -> str | None:
        with admin_session(self.engine) as connection:
            return connection.execute(
                sa.text("SELECT role FROM users WHERE user_name = :u"), {"u": user}
            ).scalar()

    def set_role(self, user: str, role: str, actor: str) -> None:
        """Grant a role. Needs an admin, except for the very first admin of a new registry,
        who can only be the authenticated user themself (never someone acted for)."""
        if role not in ("viewer", *DECIDERS):
            raise WorkflowError(f"unknown role {role!r}: use viewer, reviewer or admin")
        with admin_session(self.engine) as connection:
            admins = connection.execute(
                sa.text("SELECT count(*) FROM users WHERE role = 'admin'")
            ).scalar()
            principal = actor.principal if isinstance(actor, Actor) else actor
            bootstrap = admins == 0 and role == "admin" and user == actor == principal
            if not bootstrap:
                self.require_role(connection, actor, ("admin",), "user.set_role", None, user)
            old = connection.execute(
                sa.text("SELECT role FROM users WHERE user_name = :u"), {"u": user}
            ).scalar()
            connection.execute(
                sa.text("""INSERT INTO users (user_name, role, created_by) VALUES (:u, :r, :a)
                           ON CONFLICT (user_name) DO UPDATE SET role = EXCLUDED.role"""),
                {"u": user, "r": role, "a": actor},
            )
            audit(connection, actor, "user.set_role", None, "user", user, old, role)
        identity_events.announce(self.registry.cache)

    def require_role(  # noqa: PLR0913
        self,
        connection: Connection,
        actor: str,
        roles: tuple[str, ...],
        action: str,
        tenant_id: TenantId | None,
        key: str,
        object_type: str = "field_mapping",
    ) -> None:
        """Refuse (and audit the refusal) unless ``actor`` holds one of ``roles``."""
        role = _proven_role(actor, roles)
        if role is None:
            role = connection.execute(
                sa.text("SELECT role FROM users WHERE user_name = :u"), {"u": actor}
            ).scalar()
        if role in roles:
            return
        # committed even though the caller rolls back
        with session(self.engine, tenant_id) as refusal:
            audit(
                refusal,
                actor,
                f"{action}.refused",
                tenant_id,
                object_type,
                key,
                None,
                {"role": role, "needs": list(roles)},
            )
        raise PermissionDenied(
            f"{actor!r} may not {action.split('.')[-1].replace('_', ' ')} {key}: "
            f"needs role {' or '.join(roles)} (has {role or 'none'}); "
            "an admin can grant it with `autonomos users grant USER reviewer`"
        )

    def check_decider(self, actor: str, tenant_id: TenantId | None, key: str) -> None:
        """Refuse (audited) unless ``actor`` may approve or reject, without deciding anything:
        a dry run is refused as the decision it previews would be."""
        with session(self.engine, tenant_id) as connection:
            self.require_role(connection, actor, DECIDERS, "mapping.approve", tenant_id, key)

    def claimed_elsewhere(self, row: dict) -> str | None:
        """The other field of ``row``'s table that already feeds its target, which `approve`
        refuses without force (read only)."""
        with session(self.engine, row["tenant_id"]) as connection:
            return _target_claimed_elsewhere(connection, row)

    # reads -----------------------------------------------------------------------------------
    def tenant_of(self, mapping_id: int) -> TenantId | None:
        """The tenant a mapping row belongs to (None: the global baseline); decisions on it
        then run in that tenant's session, so RLS keeps them inside it."""
        with admin_session(self.engine) as connection:
            owner = _fetch_row(connection, mapping_id, lock=False)["tenant_id"]
        return None if owner is None else TenantId(owner)

    def get(self, mapping_id: int, tenant_id: TenantId | None = None) -> dict:
        """One mapping row; ``tenant_id`` when the caller already knows whose it is."""
        owner = tenant_id if tenant_id is not None else self.tenant_of(mapping_id)
        with session(self.engine, owner) as connection:
            return dict(_fetch_row(connection, mapping_id, lock=False))

    def pending(self, tenant_id: TenantId | None, evidence: bool = True) -> list[dict]:
        """Proposals awaiting a person, oldest version first; ``evidence`` False leaves out
        each row's evidence (the candidates and their features: most of a row's size, read
        back for thousands of rows after an onboarding that only counts them)."""
        columns = ", ".join(c for c in ROW_FIELDS if evidence or c != "evidence")
        with session(self.engine, tenant_id) as connection:
            rows = connection.execute(
                sa.text(f"""SELECT {columns} FROM field_mappings
                            WHERE status IN ('proposed', 'needs_review')
                              AND (CAST(:t AS text) IS NULL OR tenant_id = :t)
                            ORDER BY tenant_id, connector, source_table, source_field, version"""),  # noqa: S608
                {"t": tenant_id},
            ).mappings()
            return [dict(row) for row in rows]

    def history(self, ref: FieldRef) -> list[dict]:
        """Every version of a field: the tenant's own and the global baseline's."""
        with session(self.engine, ref.tenant_id) as connection:
            rows = connection.execute(
                sa.text(f"""SELECT {ROW_COLUMNS} FROM field_mappings
                            WHERE (tenant_id = :t OR tenant_id IS NULL) AND connector = :c
                              AND lower(source_table) = lower(:tbl) AND source_field = :f
                            ORDER BY tenant_id NULLS FIRST, version"""),  # noqa: S608
                {
                    "t": ref.tenant_id,
                    "c": ref.connector,
                    "tbl": ref.source_table,
                    "f": ref.source_field,
                },
            ).mappings()
            return [dict(row) for row in rows]

    def conflicts(self, tenant_id: TenantId) -> list[str]:
        """Fields whose pending proposal disagrees with an approved target, and canonical
        fields claimed by two active source fields of the same table."""
        found = []
        active = {
            (m.connector, m.source_table.lower(), m.source_field): m
            for m in self.registry.active_mappings(tenant_id)
        }
        for row in self.pending(tenant_id):
            key = (row["connector"], row["source_table"].lower(), row["source_field"])
            current = active.get(key)
            target = row_value(row)["target"]
            if (
                current
                and current.canonical_field
                and target
                and target != (f"{current.canonical_entity}.{current.canonical_field}")
            ):
                found.append(
                    f"{row_key(row)} proposes {target} but "
                    f"{current.canonical_entity}.{current.canonical_field} is approved"
                )
        claimed: dict[tuple[str, str, str | None, str | None], list[str]] = {}
        for m in active.values():
            if m.canonical_field:
                claimed.setdefault(
                    (m.connector, m.source_table.lower(), m.canonical_entity, m.canonical_field),
                    [],
                ).append(m.source_field)
        for (connector, table, entity, field), sources in sorted(claimed.items()):
            if len(sources) > 1:
                found.append(
                    f"{connector}.{table}: {', '.join(sorted(sources))} all map to {entity}.{field}"
                )
        return found

    # writes ----------------------------------------------------------------------------------
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
        with session(self.engine, only) as connection:
            ids = write_proposals(connection, proposals, actor, _deprecate)
        for tenant_id in tenants:
            self.registry.invalidate(tenant_id)
        return ids

    def _pending_row(self, connection: Connection, mapping_id: int, actor: str, verb: str) -> Any:
        """The locked row a reviewer decides on, after checking role and state."""
        row = _fetch_row(connection, mapping_id)
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
            clash = _target_claimed_elsewhere(connection, row)
            if clash and not force:
                raise MappingConflict(
                    f"{row_value(row)['target']} is already fed by {clash} in "
                    f"{row['connector']}.{row['source_table']}; reject one, or approve with force "
                    '(`--force`; over HTTP {"force": true})'
                )
            previous = _active_row(connection, ref)
            if previous is not None and previous["id"] != row["id"]:
                _deprecate(connection, previous, actor)
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
            row = _fetch_row(connection, mapping_id)
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
        return write_proposals(connection, proposals, actor, _deprecate)

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


def _active_row(connection: Connection, ref: FieldRef) -> Any:
    return (
        connection.execute(
            sa.text(f"""SELECT {ROW_COLUMNS} FROM field_mappings
                    WHERE is_active AND COALESCE(tenant_id, '') = COALESCE(CAST(:t AS text), '')
                      AND connector = :c AND lower(source_table) = lower(:tbl)
                      AND source_field = :f FOR UPDATE"""),  # noqa: S608
            {
                "t": ref.tenant_id,
                "c": ref.connector,
                "tbl": ref.source_table,
                "f": ref.source_field,
            },
        )
        .mappings()
        .first()
    )


def _proven_role(actor: str, roles: tuple[str, ...]) -> str | None:
    """The role a verified credential proved ("none" when it proved none of `roles`: the
    users table is then not asked, its row of the same name may be another person's);
    None for a plain name or a token, whose role is the table's."""
    proven = actor.proven_roles if isinstance(actor, Actor) else None
    if proven is None:
        return None
    return next((role for role in roles if role in proven), "none")


def _fetch_row(connection: Connection, mapping_id: int, lock: bool = True) -> Any:
    row = (
        connection.execute(
            sa.text(
                f"SELECT {ROW_COLUMNS} FROM field_mappings WHERE id = :id"  # noqa: S608
                + (" FOR UPDATE" if lock else "")
            ),
            {"id": mapping_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownMapping(f"no mapping with id {mapping_id}")
    return row


def _deprecate(connection: Connection, row: Any, actor: str) -> None:
    connection.execute(
        sa.text("""UPDATE field_mappings SET is_active = false, status = 'deprecated',
                       updated_at = now() WHERE id = :id"""),
        {"id": row["id"]},
    )
    audit(
        connection,
        actor,
        "mapping.deprecate",
        row["tenant_id"],
        "field_mapping",
        row_key(row),
        row_value(row),
        {**row_value(row), "status": "deprecated"},
    )


def _target_claimed_elsewhere(connection: Connection, row: Any) -> str | None:
    """Another source field of the same table that actively feeds the same canonical field."""
    if row["canonical_field"] is None:
        return None
    return connection.execute(
        sa.text("""SELECT source_field FROM field_mappings
                   WHERE is_active AND (tenant_id = :t OR tenant_id IS NULL)
                     AND connector = :c AND lower(source_table) = lower(:tbl)
                     AND source_field <> :f AND canonical_entity = :e AND canonical_field = :cf
                   LIMIT 1"""),
        {
            "t": row["tenant_id"],
            "c": row["connector"],
            "tbl": row["source_table"],
            "f": row["source_field"],
            "e": row["canonical_entity"],
            "cf": row["canonical_field"],
        },
    ).scalar()
