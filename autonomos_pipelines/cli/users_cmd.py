"""`autonomos users ...`: who you are, roles, and the access tokens admins issue."""

from __future__ import annotations

import typer

from autonomos_pipelines.cli.common import ON_BEHALF_HELP, acting_user, friendly_errors, tenant_arg
from autonomos_pipelines.cli.review_cmd import workflow
from autonomos_pipelines.core.cache import open_cache
from autonomos_pipelines.core.database import migrated_engine
from autonomos_pipelines.core.errors import ServiceUnavailable
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.dcl.registry.identity import Identities
from autonomos_pipelines.dcl.registry.tokens import MAX_DAYS, SCOPES

app = typer.Typer(help="Users: who you are, roles (viewer, reviewer, admin), access tokens.")
token_app = typer.Typer(help="Access tokens (AUTONOMOS_TOKEN): issue, list, revoke.")
app.add_typer(token_app, name="token")


def identities() -> Identities:
    """With REDIS_URL, a revocation made here reaches every API worker's memory at once. Redis
    down must not stop a revocation (a PostgreSQL write): then workers drop the token when
    their memory of it lapses (60 s at most), and the command says so."""
    settings = get_settings()
    try:
        cache = open_cache(settings.redis_url) if settings.redis_url else None
    except ServiceUnavailable as error:
        typer.echo(
            f"autonomos: warning: {error}; a revocation reaches running API workers within "
            "60 s instead of at once",
            err=True,
        )
        cache = None
    return Identities(migrated_engine(settings), cache)


@app.command("whoami")
@friendly_errors
def whoami(user: str = typer.Option(None, help=ON_BEHALF_HELP)) -> None:
    """Who commands run as here (OS account or token) and with which role."""
    actor = acting_user(user)
    typer.echo(f"{actor.describe()}, role {identities().role(actor) or 'none'}")


@app.command("grant")
@friendly_errors
def grant(
    name: str = typer.Argument(..., help="User name: an OS account name, or anyone given a token"),
    role: str = typer.Argument(..., help="viewer, reviewer or admin"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Give a user a role (admins only; the first admin makes themself one).

    While no admin exists, the OS account running this may make itself admin, and nobody
    else; after that only admins grant roles."""
    workflow().set_role(name, role, acting_user(user))
    typer.echo(f"{name} is now {role}")


@token_app.command("issue")
@friendly_errors
def issue(
    name: str = typer.Argument(..., help="The user the token authenticates as"),
    days: int = typer.Option(90, help=f"Days until it expires (1 to {MAX_DAYS})"),
    tenant: str = typer.Option(None, help="An API token for this tenant only (`autonomos serve`)"),
    scope: list[str] = typer.Option(
        None, help=f"An API token's scope, repeatable: {', '.join(SCOPES)} (default read)"
    ),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Issue a token (admins only). It is printed once, on stdout; only its hash is kept.

    Without --tenant and --scope it is a CLI token (AUTONOMOS_TOKEN, the user's whole role);
    with them, a token for the HTTP API, bound to that tenant (an admin's may omit --tenant
    to cover every tenant) and those scopes, which the user's role must allow."""
    scopes = tuple(scope) if scope else None
    issued = identities().issue_token(name, days, acting_user(user), tenant_arg(tenant), scopes)
    use, bound = "set it as AUTONOMOS_TOKEN", ""
    if issued.scopes is not None:
        use = "send it as `Authorization: Bearer <token>`"
        bound = f" for tenant {issued.tenant_id or '(every tenant)'} [{','.join(issued.scopes)}]"
    typer.echo(
        f"token {issued.token_id} for {issued.user_name}{bound}, "
        f"expires {issued.expires_at:%Y-%m-%d %H:%M %Z}; shown once, {use}:",
        err=True,
    )
    typer.echo(issued.token)


@token_app.command("list")
@friendly_errors
def list_tokens(name: str = typer.Argument(None, help="Only this user's tokens")) -> None:
    """Tokens with their user, issuer, expiry and last use (never the secret)."""
    rows = identities().tokens_of(name)
    for row in rows:
        state = (
            "revoked" if row["revoked_at"] else "expired" if row["expired"] else "valid"
        ) + f" until {row['expires_at']:%Y-%m-%d}"
        used = f"{row['last_used_at']:%Y-%m-%d %H:%M}" if row["last_used_at"] else "never"
        bound = ""
        if row["scopes"] is not None:
            bound = f"  api: {row['tenant_id'] or 'every tenant'} [{','.join(row['scopes'])}]"
        typer.echo(
            f"{row['token_id']}  {row['user_name']}  {state}  issued by {row['created_by']}"
            f"  last used {used}{bound}"
        )
    typer.echo(f"{len(rows)} token(s)")


@token_app.command("revoke")
@friendly_errors
def revoke(
    token_id: str = typer.Argument(..., help="Token id from `users token list`"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Revoke a token at once (an admin, or the user it was issued to)."""
    done = identities().revoke_token(token_id, acting_user(user))
    typer.echo(f"token {token_id} {'revoked' if done else 'was already revoked'}")
