"""OIDC bearer JWTs: signed by the issuer's published keys, tenant and scopes from claims.

Off unless AUTONOMOS_OIDC_ISSUER is set. Only asymmetric algorithms are accepted: with `none`
anyone could sign, and with HS256 the issuer's *public* key would become the HMAC secret. The
issuer's keys come from api.common.oidc_keys. Messages say what is wrong with a token and never
repeat it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jwt
from jwt import PyJWK

from autonomos_pipelines.api.common.oidc_keys import IssuerKeys
from autonomos_pipelines.core.errors import InvalidName
from autonomos_pipelines.core.settings import OidcSettings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import PermissionDenied
from autonomos_pipelines.dcl.registry.tokens import PREFIX, SCOPES, SCOPES_OF_ROLE
from autonomos_pipelines.dcl.registry.tokens import AuthenticationError as Refused

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_SECONDS = 30  # clock skew between the issuer and us
VERIFIED_CACHE_SIZE = 10_000  # tokens remembered per process (~1 KB each)
# a claim value -> the scopes it grants: a scope, or a role name (admin: every scope)
SCOPES_OF_CLAIM = {scope: frozenset({scope}) for scope in SCOPES} | SCOPES_OF_ROLE
# the workflow role each scope proves (Actor.proven_roles)
ROLE_OF_SCOPE = {"read": "viewer", "review": "reviewer", "admin": "admin"}
_WHY = {  # most specific first
    jwt.ExpiredSignatureError: "has expired",
    jwt.ImmatureSignatureError: "is not valid yet (nbf or iat in the future)",
    jwt.InvalidAudienceError: "is for another audience",
    jwt.InvalidIssuerError: "is from another issuer",
    jwt.InvalidAlgorithmError: "uses an algorithm that is not allowed",
    jwt.InvalidSignatureError: "has a bad signature",
    jwt.InvalidIssuedAtError: "has an invalid iat",
    jwt.DecodeError: "is malformed",
}


@dataclass(frozen=True)
class OidcIdentity:
    name: str  # preferred_username, else sub
    subject: str
    issuer_host: str
    tenant_id: TenantId | None  # None: every tenant (an admin's token without a tenant)
    scopes: frozenset[str]

    @property
    def proven_roles(self) -> frozenset[str]:
        return frozenset(ROLE_OF_SCOPE[s] for s in self.scopes if s in ROLE_OF_SCOPE)


def looks_like_jwt(token: str) -> bool:
    return not token.startswith(PREFIX) and token.count(".") == 2


class OidcVerifier:
    def __init__(self, oidc: OidcSettings) -> None:
        self.oidc = oidc
        self.issuer_host = urlsplit(oidc.issuer).hostname or oidc.issuer
        self._keys = IssuerKeys(oidc)
        self._verified: dict[str, tuple[OidcIdentity, float]] = {}

    def verify(self, token: str) -> OidcIdentity:
        """Who a JWT proves; AuthenticationError (401) with the reason, ServiceUnavailable
        (503) when the issuer's keys cannot be fetched, PermissionDenied (403) without tenant.
        A verified token is remembered until it expires (a minute at most): a client sends
        the same one with every request, and checking its signature costs more than a lookup."""
        known = self._verified.get(token)
        if known is not None and known[1] > time.time():
            return known[0]
        identity, expires_at = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # simpler than LRU; refilled at one verification per token
        self._verified[token] = (identity, min(expires_at, time.time() + 60))
        return identity

    def _verify(self, token: str) -> tuple[OidcIdentity, float]:
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=ALGORITHMS,
                audience=self.oidc.audience,
                issuer=self.oidc.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.MissingRequiredClaimError as error:
            raise Refused(f"the bearer JWT lacks the {error.claim!r} claim") from None
        except jwt.InvalidTokenError as error:
            why = next(text for kind, text in _WHY.items() if isinstance(error, kind))
            raise Refused(f"the bearer JWT {why}{self._expected(error)}") from None
        return self._identity(claims), float(claims["exp"])

    def _expected(self, error: Exception) -> str:
        if isinstance(error, jwt.InvalidAudienceError):
            return f" (this API is {self.oidc.audience!r}, AUTONOMOS_OIDC_AUDIENCE)"
        if isinstance(error, jwt.InvalidIssuerError):
            return f" (expected {self.oidc.issuer}, AUTONOMOS_OIDC_ISSUER)"
        return ""

    def _signing_key(self, token: str) -> PyJWK:
        header = jwt.get_unverified_header(token)  # DecodeError: malformed
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            shown = repr(algorithm)[:20]
            raise Refused(
                f"the bearer JWT's algorithm {shown} is not allowed: "
                f"asymmetric signatures only ({', '.join(ALGORITHMS)})"
            )
        if not isinstance(header.get("kid"), str):
            raise Refused("the bearer JWT has no key id (kid) header")
        return self._keys.signing_key(header["kid"])

    def _identity(self, claims: dict[str, Any]) -> OidcIdentity:
        subject = _text_claim(claims, "sub")
        name = _text_claim(claims, "preferred_username") if "preferred_username" in claims else ""
        scopes = scopes_of(claims.get(self.oidc.roles_claim))
        identity = OidcIdentity(name or subject, subject, self.issuer_host, None, scopes)
        tenant = claims.get(self.oidc.tenant_claim)
        if tenant is None:
            if "admin" not in scopes:
                raise PermissionDenied(
                    f"{identity.name} (OIDC {self.issuer_host}): the JWT has no "
                    f"{self.oidc.tenant_claim!r} claim (AUTONOMOS_OIDC_TENANT_CLAIM); only an "
                    "admin's may cover every tenant"
                )
            return identity
        try:
            tenant_id = TenantId(tenant)
        except InvalidName:
            claim = self.oidc.tenant_claim
            raise Refused(f"the bearer JWT's {claim!r} claim is not a tenant id") from None
        return OidcIdentity(identity.name, subject, self.issuer_host, tenant_id, scopes)


def _text_claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise Refused(f"the bearer JWT's {name!r} claim must be a name of 1 to 200 characters")
    return value.strip()


def scopes_of(claim: object) -> frozenset[str]:
    """A roles claim (list, or space-separated string) as scopes; unknown values ignored."""
    values = claim.split() if isinstance(claim, str) else claim
    if not isinstance(values, list):
        return frozenset()
    granted = (SCOPES_OF_CLAIM.get(v, frozenset()) for v in values if isinstance(v, str))
    return frozenset().union(*granted)


@cache
def verifier_for(oidc: OidcSettings) -> OidcVerifier:
    """One verifier (and key cache) per process and configuration."""
    return OidcVerifier(oidc)
