"""Who is acting, as far as the registry can tell.

A person proves who they are by the OS account their process runs under (the caller passes
it, see cli/common.os_account) or by a token an admin issued them (AUTONOMOS_TOKEN). Naming
another user (--user, AUTONOMOS_USER) proves nothing: only an admin may act on someone's
behalf, and the audit log then names both. Refusals are audited too."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from autonomos_pipelines.core.audit import Actor, audit
from autonomos_pipelines.core.cache import Cache
from autonomos_pipelines.core.database import admin_session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry import identity_events, tokens
from autonomos_pipelines.dcl.registry.refs import PermissionDenied
from autonomos_pipelines.dcl.registry.tokens import (
    SCOPES,
    SCOPES_OF_ROLE,
    AuthenticationError,
    IssuedToken,
    VerifiedToken,
)

__all__ = ["AuthenticationError", "Identities", "IssuedToken", "VerifiedToken", "role_of"]


def role_of(connection: Connection, user: str) -> str | None:
    return connection.execute(
        sa.text("SELECT role FROM users WHERE user_name = :u"), {"u": user}
    ).scalar()


def token_scopes(
    user: str, role: str, tenant_id: TenantId | None, scopes: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """The scopes an API token gets: named ones (a tenant-bound token defaults to `read`),
    each known and allowed by the user's role; a token for every tenant is an admin's only."""
    if tenant_id is None and scopes is None:
        return None  # a CLI token
    scopes = tuple(dict.fromkeys(scopes or ("read",)))
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise PermissionDenied(f"unknown scope {unknown[0]!r}: use {', '.join(SCOPES)}")
    beyond = [scope for scope in scopes if scope not in SCOPES_OF_ROLE[role]]
    if beyond:
        raise PermissionDenied(
            f"{user!r} is {role}: a token of theirs cannot have scope {beyond[0]!r} "
            f"(allowed: {', '.join(sorted(SCOPES_OF_ROLE[role]))})"
        )
    if tenant_id is None and role != "admin":
        raise PermissionDenied(
            f"{user!r} is {role}: only an admin's API token may cover every tenant; name one "
            "with --tenant"
        )
    return scopes


def _tenant_exists(connection: Connection, tenant_id: TenantId) -> bool:
    found = connection.execute(
        sa.text("SELECT 1 FROM tenants WHERE tenant_id = :t"), {"t": tenant_id}
    ).first()
    return found is not None


class Identities:
    def __init__(self, engine: Engine, cache: Cache | None = None) -> None:
        self.engine = engine
        self.cache = cache  # where a revocation is announced to other processes (Redis)

    def from_token(self, token: str) -> Actor:
        """The user an AUTONOMOS_TOKEN was issued to, if it is valid, unexpired, unrevoked,
        and made for the CLI: an API token's tenant and scopes mean nothing to the CLI, so
        it is refused there rather than given the user's whole authority."""
        with admin_session(self.engine) as connection:
            held = tokens.verify_token(connection, token)
        if held.scopes is not None:
            raise AuthenticationError(
                f"AUTONOMOS_TOKEN {held.token_id} is an API token (tenant "
                f"{held.tenant_id or 'every tenant'}, scopes {', '.join(held.scopes)}): use it "
                "with the HTTP API; the CLI needs one issued without --tenant and --scope"
            )
        return Actor(held.user_name, held.user_name, f"token:{held.token_id}")

    def verify_api_token(self, token: str) -> VerifiedToken:
        """The holder, tenant and scopes of a bearer token presented to the HTTP API."""
        with admin_session(self.engine) as connection:
            held = tokens.verify_token(connection, token, "the bearer token")
        if held.scopes is None:  # the user's whole role, for every tenant: the CLI's only
            raise AuthenticationError(
                f"the bearer token {held.token_id} is a CLI token (AUTONOMOS_TOKEN): the API "
                "takes one bound to a tenant and scopes, `autonomos users token issue "
                f"{held.user_name} --tenant T --scope read`"
            )
        return held

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

    def issue_token(
        self,
        user: str,
        days: int,
        actor: Actor,
        tenant_id: TenantId | None = None,
        scopes: tuple[str, ...] | None = None,
    ) -> IssuedToken:
        """A token for `user` (who must have a role); the secret is in the result only.
        Without tenant and scopes it is a CLI token; with them, an API token (see
        token_scopes for the rules)."""
        with admin_session(self.engine) as connection:
            self._require_admin(connection, actor, "user.token_issue", user)
            role = role_of(connection, user)
            if role is None:
                raise PermissionDenied(
                    f"{user!r} has no role; grant one first (`autonomos users grant {user} viewer`)"
                )
            scopes = token_scopes(user, role, tenant_id, scopes)
            if tenant_id is not None and not _tenant_exists(connection, tenant_id):
                raise PermissionDenied(f"no tenant {tenant_id!r} (see `autonomos tenants list`)")
            issued = tokens.insert_token(connection, user, days, actor, tenant_id, scopes)
            audit(connection, actor, "user.token_issue", tenant_id, "user_token", issued.token_id,
                  None, {"user": user, "expires_at": issued.expires_at, "tenant": tenant_id,
                         "scopes": scopes})  # fmt: skip
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
        if revoked:
            identity_events.announce(self.cache)
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
