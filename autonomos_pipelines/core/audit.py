"""The audit log: one row per change (and per secret access), written in the caller's
transaction so the change and its record commit or roll back together.

An actor is a plain string for the system's own work (`system:run`, `system:dcl`) and an
:class:`Actor` for a person: the row then names who proved their identity (`actor`), the
credential they proved it with, and the user they acted for when an admin acted on someone's
behalf."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.tenant_id import TenantId


class Actor(str):
    """The user whose authority a change uses (its string value: role checks, `approved_by`),
    with the principal who authenticated and how. A ``str`` so that every layer that records
    who did something keeps taking a name, and the audit row still learns the rest."""

    principal: str
    credential: str
    # roles a verified credential proved (an OIDC JWT's roles claim): role checks use these
    # instead of the users table, which has no row for such a user. None: ask the table.
    proven_roles: frozenset[str] | None

    def __new__(
        cls,
        user: str,
        principal: str | None = None,
        credential: str = "",
        proven_roles: frozenset[str] | None = None,
    ) -> Actor:
        actor = super().__new__(cls, user)
        actor.principal = principal or user
        actor.credential = credential
        actor.proven_roles = proven_roles
        return actor

    @property
    def on_behalf_of(self) -> str | None:
        """The user acted for, when the principal is someone else (an admin's --user)."""
        return None if self.principal == str(self) else str(self)

    def describe(self) -> str:
        """`alice (token ab12cd34)`, `ann (OIDC idp.example)`,
        `root (OS account) on behalf of rita`."""
        kind, _, detail = self.credential.partition(":")
        how = {"os": "OS account", "token": f"token {detail}", "oidc": f"OIDC {detail}"}.get(
            kind, kind or "unverified"
        )
        tail = f" on behalf of {self.on_behalf_of}" if self.on_behalf_of else ""
        return f"{self.principal} ({how}){tail}"


def audit(
    connection: Connection,
    actor: str,
    action: str,
    tenant_id: TenantId | None,
    object_type: str,
    object_key: str,
    old: Any = None,
    new: Any = None,
) -> None:
    connection.execute(
        sa.text("""INSERT INTO audit_log (actor, on_behalf_of, credential, action, tenant_id,
                                          object_type, object_key, old_value, new_value)
                   VALUES (:actor, :on_behalf_of, :credential, :action, :tenant_id,
                           :object_type, :object_key, CAST(:old AS jsonb), CAST(:new AS jsonb))"""),
        {
            "actor": actor.principal if isinstance(actor, Actor) else actor,
            "on_behalf_of": actor.on_behalf_of if isinstance(actor, Actor) else None,
            "credential": (actor.credential or None) if isinstance(actor, Actor) else None,
            "action": action,
            "tenant_id": tenant_id,
            "object_type": object_type,
            "object_key": object_key,
            "old": None if old is None else json.dumps(old, default=str),
            "new": None if new is None else json.dumps(new, default=str),
        },
    )
