"""Access tokens: an admin issues one to a user, the user presents it as AUTONOMOS_TOKEN.

A token is `atk_<id>_<secret>`: the id finds the row, the secret proves possession. Only a
SHA-256 hash of the secret is stored (it is 256 random bits, so a slow password hash would
add nothing), compared in constant time. Tokens expire; a revoked or expired one is refused.

A token for the HTTP API is bound to one tenant (or, an admin's, to every tenant) and to
scopes; the user's role still bounds them: a scope the role does not allow is refused when
the token is issued, and dropped if the role is lowered later. Verifying a token reads one row
and writes `last_used_at` at most once a minute, so a busy API client costs no write per
request while a revocation still takes effect on the next one."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.errors import AutonomosError

PREFIX = "atk_"
SCOPES = ("read", "map", "review", "admin")
SCOPES_OF_ROLE = {
    "viewer": frozenset({"read"}),
    "reviewer": frozenset({"read", "map", "review"}),
    "admin": frozenset(SCOPES),
}
MAX_DAYS = 3650
_MAX_LENGTH = 200  # a real token is 60 characters; anything far longer is not one
_HOW_TO_GET_ONE = "an admin issues one with `autonomos users token issue NAME`"


class AuthenticationError(AutonomosError):
    """The presented credential does not prove who the caller claims to be."""


@dataclass(frozen=True)
class IssuedToken:
    token_id: str
    user_name: str
    expires_at: datetime
    token: str  # shown once, never stored
    tenant_id: str | None = None
    scopes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class VerifiedToken:
    user_name: str
    token_id: str
    role: str | None
    tenant_id: str | None  # None: every tenant (a CLI token, or an admin's API token)
    scopes: tuple[str, ...] | None  # None: a CLI token (the user's whole role)

    @property
    def allowed_scopes(self) -> frozenset[str]:
        """What the token may do now: its scopes within what the user's role allows."""
        by_role = SCOPES_OF_ROLE.get(self.role or "", frozenset())
        return by_role if self.scopes is None else by_role & frozenset(self.scopes)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def insert_token(
    connection: Connection,
    user: str,
    days: int,
    issuer: str,
    tenant_id: str | None = None,
    scopes: tuple[str, ...] | None = None,
) -> IssuedToken:
    """A new token for `user`, valid `days` days (1..MAX_DAYS); the caller checked the
    tenant and scopes (see Identities.issue_token)."""
    if not 1 <= days <= MAX_DAYS:
        raise AuthenticationError(f"--days {days}: a token lives 1 to {MAX_DAYS} days")
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    expires_at = connection.execute(
        sa.text("""INSERT INTO user_tokens (token_id, user_name, secret_hash, created_by,
                                            expires_at, tenant_id, scopes)
                   VALUES (:id, :u, :h, :by, now() + make_interval(days => :d), :t, :s)
                   RETURNING expires_at"""),
        {"id": token_id, "u": user, "h": _hash(secret), "by": issuer, "d": days,
         "t": tenant_id, "s": list(scopes) if scopes is not None else None},
    ).scalar_one()  # fmt: skip
    token = f"{PREFIX}{token_id}_{secret}"
    return IssuedToken(token_id, user, expires_at, token, tenant_id, scopes)


def verify_token(
    connection: Connection, token: str, name: str = "AUTONOMOS_TOKEN"
) -> VerifiedToken:
    """The holder of a valid token; one line saying why otherwise (never the token itself).
    `name` is what the caller calls the credential in messages."""
    token = token.strip()
    token_id, _, secret = token.removeprefix(PREFIX).partition("_")
    if not token.startswith(PREFIX) or not secret or len(token) > _MAX_LENGTH:
        raise AuthenticationError(
            f"{name} is not a token (expected {PREFIX}<id>_<secret>); {_HOW_TO_GET_ONE}"
        )
    row = connection.execute(
        sa.text("""SELECT t.user_name, t.secret_hash, t.revoked_at, t.tenant_id, t.scopes,
                          t.expires_at <= now() AS expired, u.role,
                          t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute'
                              AS stale
                   FROM user_tokens t LEFT JOIN users u ON u.user_name = t.user_name
                   WHERE t.token_id = :id"""),
        {"id": token_id},
    ).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        raise AuthenticationError(f"{name} is not valid; {_HOW_TO_GET_ONE}")
    if row.revoked_at is not None or row.expired:
        state = "revoked" if row.revoked_at is not None else "expired"
        raise AuthenticationError(f"{name} {token_id} is {state}; {_HOW_TO_GET_ONE}")
    if row.stale:
        connection.execute(
            sa.text("UPDATE user_tokens SET last_used_at = now() WHERE token_id = :id"),
            {"id": token_id},
        )
    scopes = None if row.scopes is None else tuple(row.scopes)
    return VerifiedToken(row.user_name, token_id, row.role, row.tenant_id, scopes)


def owner_of_token(connection: Connection, token_id: str) -> str:
    owner = connection.execute(
        sa.text("SELECT user_name FROM user_tokens WHERE token_id = :id"), {"id": token_id}
    ).scalar()
    if owner is None:
        raise AuthenticationError(f"no token {token_id!r} (see `autonomos users token list`)")
    return str(owner)


def mark_revoked(connection: Connection, token_id: str, revoker: str) -> bool:
    """False if it was revoked already."""
    return bool(
        connection.execute(
            sa.text("""UPDATE user_tokens SET revoked_at = now(), revoked_by = :by
                       WHERE token_id = :id AND revoked_at IS NULL"""),
            {"id": token_id, "by": revoker},
        ).rowcount
    )


def token_rows(connection: Connection, user: str | None) -> list[dict]:
    """Every token (of `user`), newest first, without anything secret."""
    rows = connection.execute(
        sa.text("""SELECT token_id, user_name, tenant_id, scopes, created_by, created_at,
                          expires_at, revoked_at, last_used_at, expires_at <= now() AS expired
                   FROM user_tokens WHERE CAST(:u AS text) IS NULL OR user_name = :u
                   ORDER BY created_at DESC"""),
        {"u": user},
    ).mappings()
    return [dict(row) for row in rows]
