"""Who may decide on mappings: users' roles, and the check (audited when it refuses) that
each decision and edit makes first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.audit import Actor, audit
from autonomos_pipelines.core.database import admin_session, session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry import identity_events
from autonomos_pipelines.dcl.registry.refs import PermissionDenied, WorkflowError
from autonomos_pipelines.dcl.registry.store import Registry

DECIDERS = ("reviewer", "admin")


class Roles:
    """The registry's users and what they may do: the base of the mapping workflow."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.engine = registry.engine

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
        a dry run is refused as the decision it previews would be. The global baseline,
        which every tenant inherits, is an admin's to decide (`decides_baseline`)."""
        roles = DECIDERS if tenant_id is not None else ("admin",)
        with session(self.engine, tenant_id) as connection:
            self.require_role(connection, actor, roles, "mapping.approve", tenant_id, key)

    def decides_baseline(self, actor: str) -> bool:
        """Whether ``actor`` may approve or reject the global baseline's proposals: an admin,
        as over HTTP (an all-tenant principal with scope admin)."""
        role = _proven_role(actor, ("admin",))
        return (role if role is not None else self.role_of(actor)) == "admin"


def _proven_role(actor: str, roles: tuple[str, ...]) -> str | None:
    """The role a verified credential proved ("none" when it proved none of `roles`: the
    users table is then not asked, its row of the same name may be another person's);
    None for a plain name or a token, whose role is the table's."""
    proven = actor.proven_roles if isinstance(actor, Actor) else None
    if proven is None:
        return None
    return next((role for role in roles if role in proven), "none")
