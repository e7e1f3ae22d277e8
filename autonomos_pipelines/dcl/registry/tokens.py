"""Access tokens: an admin issues one to a user, the user presents it as AUTONOMOS_TOKEN.

A token is `atk_<id>_<secret>`: the id finds the row, the secret proves possession. Only a
SHA-256 hash of the secret is stored (it is 256 random bits, so a slow password hash would
add nothing), compared in constant time. Tokens expire; a revoked or expired one is refused."""

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


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def insert_token(connection: Connection, user: str, days: int, issuer: str) -> IssuedToken:
    """A new token for `user`, valid `days` days (1..MAX_DAYS)."""
    if not 1 <= days <= MAX_DAYS:
        raise AuthenticationError(f"--days {days}: a token lives 1 to {MAX_DAYS} days")
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    expires_at = connection.execute(
        sa.text("""INSERT INTO user_tokens (token_id, user_name, secret_hash, created_by,
                                            expires_at)
                   VALUES (:id, :u, :h, :by, now() + make_interval(days => :d))
                   RETURNING expires_at"""),
        {"id": token_id, "u": user, "h": _hash(secret), "by": issuer, "d": days},
    ).scalar_one()
    return IssuedToken(token_id, user, expires_at, f"{PREFIX}{token_id}_{secret}")


def user_of_token(connection: Connection, token: str) -> tuple[str, str]:
    """(user name, token id) of a valid token; one line saying why otherwise (never the
    token itself)."""
    token = token.strip()
    token_id, _, secret = token.removeprefix(PREFIX).partition("_")
    if not token.startswith(PREFIX) or not secret or len(token) > _MAX_LENGTH:
        raise AuthenticationError(
            f"AUTONOMOS_TOKEN is not a token (expected {PREFIX}<id>_<secret>); {_HOW_TO_GET_ONE}"
        )
    row = connection.execute(
        sa.text("""SELECT user_name, secret_hash, revoked_at, expires_at <= now() AS expired
                   FROM user_tokens WHERE token_id = :id FOR UPDATE"""),
        {"id": token_id},
    ).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        raise AuthenticationError(f"AUTONOMOS_TOKEN is not valid; {_HOW_TO_GET_ONE}")
    if row.revoked_at is not None or row.expired:
        state = "revoked" if row.revoked_at is not None else "expired"
        raise AuthenticationError(f"AUTONOMOS_TOKEN {token_id} is {state}; {_HOW_TO_GET_ONE}")
    connection.execute(
        sa.text("UPDATE user_tokens SET last_used_at = now() WHERE token_id = :id"),
        {"id": token_id},
    )
    return row.user_name, token_id


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
        sa.text("""SELECT token_id, user_name, created_by, created_at, expires_at, revoked_at,
                          last_used_at, expires_at <= now() AS expired
                   FROM user_tokens WHERE CAST(:u AS text) IS NULL OR user_name = :u
                   ORDER BY created_at DESC"""),
        {"u": user},
    ).mappings()
    return [dict(row) for row in rows]
