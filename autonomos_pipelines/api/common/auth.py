"""Who is calling, for which tenant, allowed to do what.

A request carries `Authorization: Bearer <token>`. The principal it proves has a tenant (None:
every tenant, which only an admin's token may have) and scopes; a route names the scope it
needs. Another tenant's resources answer 404, exactly as ids that do not exist, so a caller
learns nothing about tenants that are not theirs."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Path, Request

from autonomos_pipelines.api.common.problems import NotFound
from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.core.audit import Actor
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import PermissionDenied
from autonomos_pipelines.dcl.registry.tokens import SCOPES, AuthenticationError


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


def authenticated(request: Request, found: Services = Depends(services)) -> Principal:
    """The principal a request's bearer token proves (401 problem otherwise)."""
    held = found.identities.verify_api_token(bearer_token(request))
    actor = Actor(held.user_name, held.user_name, f"token:{held.token_id}")
    tenant_id = None if held.tenant_id is None else TenantId(held.tenant_id)
    return Principal(actor, tenant_id, held.allowed_scopes, f"token:{held.token_id}")


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

    def check(
        tenant: str = Path(description="Tenant id"),
        principal: Principal = Depends(authenticated),
        found: Services = Depends(services),
    ) -> Access:
        tenant_id = TenantId(tenant)
        if not principal.may_see(tenant_id) or tenant_id not in found.registry.tenants():
            raise NotFound(f"no tenant {tenant_id!r}")
        if scope not in principal.scopes:
            raise PermissionDenied(
                f"{principal.actor.describe()} lacks scope {scope!r} for tenant {tenant_id!r} "
                f"(has {', '.join(sorted(principal.scopes)) or 'none'})"
            )
        return Access(principal, tenant_id)

    return check
