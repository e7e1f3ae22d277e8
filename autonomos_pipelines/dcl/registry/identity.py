"""Who is acting, as far as the registry can tell.

A person proves who they are by the OS account their process runs under (the caller passes
it, see cli/common.os_account) or by a token an admin issued them (AUTONOMOS_TOKEN). Naming
another user (--user, AUTONOMOS_USER) proves nothing: only an admin may act on someone's
behalf, and the audit log then names both. Refusals are audited too."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from autonomos_pipelines.core.audit import Actor, audit
from autonomos_pipelines.core.database import admin_session
from autonomos_pipelines.dcl.registry import tokens
from autonomos_pipelines.dcl.registry.refs import PermissionDenied
from autonomos_pipelines.dcl.registry.tokens import AuthenticationError, IssuedToken

__all__ = ["AuthenticationError", "Identities", "IssuedToken", "role_of"]


def role_of(connection: Connection, user: str) -> str | None:
    return connection.execute(
        sa.text("SELECT role FROM users WHERE user_name = :u"), {"u": user}
    ).scalar()


class Identities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def from_token(self, token: str) -> Actor:
        """The user an AUTONOMOS_TOKEN was issued to, if it is valid, unexpired, unrevoked."""
        with admin_session(self.engine) as connection:
            user, token_id = tokens.user_of_token(connection, token)
        return Actor(user, user, f"token:{token_id}")

    def act_for(self, actor: Actor, user: str) -> Actor:
        """`actor` acting on `user`'s behalf: allowed to admins only (audited either way)."""
        if user == actor.principal:
            return actor
        with admin_session(self.engine) as connection:
            role = role_of(connection, actor.principal)
            if role != "admin":
                audit(connection, actor, "user.act_for.refused", None, "user", user,
                      None, {"role": role})  # fmt: skip
        if role != "admin":
            raise PermissionDenied(
                f"{actor.describe()} may not act as {user!r} (--user / AUTONOMOS_USER): "
                f"only an admin may act on someone's behalf (role: {role or 'none'})"
            )
        return Actor(user, actor.principal, actor.credential)

    def issue_token(self, user: str, days: int, actor: Actor) -> IssuedToken:
        """A token for `user` (who must have a role); the secret is in the result only."""
        with admin_session(self.engine) as connection:
            self._require_admin(connection, actor, "user.token_issue", user)
            if role_of(connection, user) is None:
                raise PermissionDenied(
                    f"{user!r} has no role; grant one first (`autonomos users grant {user} viewer`)"
                )
            issued = tokens.insert_token(connection, user, days, actor)
            audit(connection, actor, "user.token_issue", None, "user_token", issued.token_id,
                  None, {"user": user, "expires_at": issued.expires_at})  # fmt: skip
        return issued

    def revoke_token(self, token_id: str, actor: Actor) -> bool:
        """Revoke a token: an admin, or the user it was issued to. False if already revoked."""
        with admin_session(self.engine) as connection:
            owner = tokens.owner_of_token(connection, token_id)
            if owner != str(actor):
                self._require_admin(connection, actor, "user.token_revoke", token_id)
            revoked = tokens.mark_revoked(connection, token_id, actor)
            if revoked:
                audit(connection, actor, "user.token_revoke", None, "user_token", token_id,
                      None, {"user": owner})  # fmt: skip
        return revoked

    def tokens_of(self, user: str | None) -> list[dict]:
        with admin_session(self.engine) as connection:
            return tokens.token_rows(connection, user)

    def role(self, user: str) -> str | None:
        with admin_session(self.engine) as connection:
            return role_of(connection, user)

    def require_admin(self, actor: Actor, action: str, key: str) -> None:
        """PermissionDenied (the refusal audited) unless ``actor`` is an admin."""
        with admin_session(self.engine) as connection:
            self._require_admin(connection, actor, action, key)

    def _require_admin(self, connection: Connection, actor: Actor, action: str, key: str) -> None:
        role = role_of(connection, actor)
        if role == "admin":
            return
        with admin_session(self.engine) as refusal:  # committed although the caller rolls back
            audit(refusal, actor, f"{action}.refused", None, "user", key, None, {"role": role})
        raise PermissionDenied(
            f"{actor.describe()} may not {action.split('.')[-1].replace('_', ' ')} for "
            f"{key}: needs role admin (has {role or 'none'})"
        )
