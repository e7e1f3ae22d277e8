"""OIDC bearer JWTs: signed by the issuer's published keys, tenant and scopes from claims.

Off unless AUTONOMOS_OIDC_ISSUER is set. Only asymmetric algorithms are accepted: with `none`
anyone could sign, and with HS256 the issuer's *public* key would become the HMAC secret. The
keys (JWKS) are fetched once and cached by PyJWKClient: refreshed every 5 minutes, and on an
unknown key id at most once per 30 s, so made-up key ids cannot make us hammer the issuer.
Messages say what is wrong with a token and never repeat it."""

from __future__ import annotations

import json
import threading
import urllib.request
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jwt
from jwt import PyJWK, PyJWKClient

from autonomos_pipelines.core.errors import InvalidName, ServiceUnavailable
from autonomos_pipelines.core.settings import OidcSettings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import PermissionDenied
from autonomos_pipelines.dcl.registry.tokens import PREFIX, SCOPES, SCOPES_OF_ROLE
from autonomos_pipelines.dcl.registry.tokens import AuthenticationError as Refused

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_SECONDS = 30  # clock skew between the issuer and us
FETCH_TIMEOUT_SECONDS = 5
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
        self._keys: PyJWKClient | None = None
        self._lock = threading.Lock()

    def verify(self, token: str) -> OidcIdentity:
        """Who a JWT proves; AuthenticationError (401) with the reason, ServiceUnavailable
        (503) when the issuer's keys cannot be fetched, PermissionDenied (403) without tenant."""
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
        return self._identity(claims)

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
        keys = self._client()
        try:
            keys.get_signing_keys()  # an unreachable or empty JWKS is the issuer's fault
        except jwt.PyJWTError as error:
            raise self._unavailable(error) from None
        try:
            return keys.get_signing_key(header["kid"])
        except jwt.PyJWKClientConnectionError as error:
            raise self._unavailable(error) from None
        except jwt.PyJWKClientError:
            raise Refused("the bearer JWT is signed by an unknown key id") from None

    def _client(self) -> PyJWKClient:
        with self._lock:
            if self._keys is None:
                url = self.oidc.jwks_url or self._discovered_jwks_url()
                self._keys = PyJWKClient(url, cache_keys=True, timeout=FETCH_TIMEOUT_SECONDS)
            return self._keys

    def _discovered_jwks_url(self) -> str:
        where = self.oidc.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            with urllib.request.urlopen(where, timeout=FETCH_TIMEOUT_SECONDS) as response:
                url = json.load(response).get("jwks_uri")
        except (OSError, ValueError, AttributeError) as error:
            reason = f"its openid-configuration cannot be read ({error})"
            raise ServiceUnavailable("AUTONOMOS_OIDC_ISSUER", self.oidc.issuer, reason) from None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            reason = "its openid-configuration has no http(s) jwks_uri"
            raise ServiceUnavailable("AUTONOMOS_OIDC_ISSUER", self.oidc.issuer, reason)
        return url

    def _unavailable(self, error: Exception) -> ServiceUnavailable:
        reason = f"the issuer's signing keys cannot be fetched ({error.__cause__ or error})"
        if self.oidc.jwks_url:
            return ServiceUnavailable("AUTONOMOS_OIDC_JWKS_URL", self.oidc.jwks_url, reason)
        return ServiceUnavailable("AUTONOMOS_OIDC_ISSUER", self.oidc.issuer, reason)

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
