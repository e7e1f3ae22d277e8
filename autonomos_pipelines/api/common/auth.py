"""Who is calling, for which tenant, allowed to do what.

A request carries `Authorization: Bearer <token>`: an API token (`atk_...`), or a JWT of the
OIDC issuer when one is configured (api.common.oidc). The principal it proves has a tenant (None:
every tenant, which only an admin's token may have) and scopes; a route names the scope it
needs. Another tenant's resources answer 404, exactly as ids that do not exist, so a caller
learns nothing about tenants that are not theirs."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPBearer

from autonomos_pipelines.api.common.limits import take_leased, take_request
from autonomos_pipelines.api.common.oidc import looks_like_jwt, verifier_for
from autonomos_pipelines.api.common.problems import NotFound
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.core.audit import Actor
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import PermissionDenied
from autonomos_pipelines.dcl.registry.tokens import SCOPES, AuthenticationError, VerifiedToken


@dataclass(frozen=True)
class Principal:
    actor: Actor  # the audit log's who and how
    tenant_id: TenantId | None  # None: every tenant
    scopes: frozenset[str]
    limit_key: str  # what rate limits count per: a token id, a JWT subject

    def may_see(self, tenant_id: TenantId) -> bool:
        return self.tenant_id is None or self.tenant_id == tenant_id


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise AuthenticationError(
            "no bearer token: send `Authorization: Bearer <token>` "
            "(an admin issues one with `autonomos users token issue NAME --tenant T`)"
        )
    return credential.strip()


# declares the scheme in the OpenAPI document (the docs' Authorize button); bearer_token reads
# the header itself, so a missing one is our 401 problem, not FastAPI's 403
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API token (`autonomos users token issue NAME --tenant T --scope S`) or, "
    "when AUTONOMOS_OIDC_ISSUER is set, a JWT of that issuer.",
)


async def authenticated(
    request: Request, found: Services = Depends(services), _: object = Depends(BEARER)
) -> Principal:
    """The principal a request's bearer token proves (401 problem otherwise), charged one
    request of its rate limit (429 problem over it). A token verified a moment ago is
    answered from memory on the event loop (principal_cache); verifying one reads the
    database in a worker thread."""
    credential = bearer_token(request)
    principal: Principal | None = found.principals.get(credential)
    if principal is None:
        principal = await run_in_threadpool(_verify, credential, found)
    if take_leased(principal.limit_key):
        return principal
    if found.settings.redis_url:  # a network round trip: not on the event loop
        await run_in_threadpool(take_request, principal.limit_key, principal.actor.describe(),
                                found.settings)  # fmt: skip
    else:
        take_request(principal.limit_key, principal.actor.describe(), found.settings)
    return principal


def _verify(credential: str, found: Services) -> Principal:
    if looks_like_jwt(credential):  # remembered by the verifier itself, until it expires
        return _jwt_principal(credential, found.settings)
    generation = found.principals.generation()
    held = found.identities.verify_api_token(credential)
    principal = _token_principal(held)
    found.principals.put(credential, principal, held.seconds_left, generation)
    return principal


def _token_principal(held: VerifiedToken) -> Principal:
    actor = Actor(held.user_name, held.user_name, f"token:{held.token_id}")
    tenant_id = None if held.tenant_id is None else TenantId(held.tenant_id)
    return Principal(actor, tenant_id, held.allowed_scopes, f"token:{held.token_id}")


def _jwt_principal(credential: str, settings: Settings) -> Principal:
    if settings.oidc is None:
        raise AuthenticationError(
            "the bearer token is a JWT, but this API accepts none (AUTONOMOS_OIDC_ISSUER is "
            "not set); use an API token from `autonomos users token issue NAME --tenant T`"
        )
    who = verifier_for(settings.oidc).verify(credential)
    credential_name = f"oidc:{who.issuer_host}"
    actor = Actor(who.name, who.name, credential_name, proven_roles=who.proven_roles)
    return Principal(actor, who.tenant_id, who.scopes, f"{credential_name}:{who.subject}")


@dataclass(frozen=True)
class Access:
    """A request's principal, let into one tenant with one scope."""

    principal: Principal
    tenant_id: TenantId

    @property
    def actor(self) -> Actor:
        return self.principal.actor


def tenant_access(scope: str):  # type: ignore[no-untyped-def]
    """Dependency for routes under /v1/tenants/{tenant}: 404 for a tenant the principal may
    not see (or that does not exist), 403 without `scope`."""
    assert scope in SCOPES, scope

    async def check(
        tenant: str = Path(description="Tenant id"),
        principal: Principal = Depends(authenticated),
        found: Services = Depends(services),
    ) -> Access:
        tenant_id = TenantId(tenant)
        if not principal.may_see(tenant_id) or tenant_id not in await found.tenant_ids():
            raise NotFound(f"no tenant {tenant_id!r}")
        if scope not in principal.scopes:
            raise PermissionDenied(
                f"{principal.actor.describe()} lacks scope {scope!r} for tenant {tenant_id!r} "
                f"(has {', '.join(sorted(principal.scopes)) or 'none'})"
            )
        return Access(principal, tenant_id)

    return check
