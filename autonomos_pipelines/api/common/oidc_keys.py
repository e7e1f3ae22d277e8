"""The OIDC issuer's signing keys: its JWKS, found through its openid-configuration unless
AUTONOMOS_OIDC_JWKS_URL names it.

PyJWKClient caches the set (refetched every 5 minutes) and each key; an unknown key id refetches
at most once per 30 s, so made-up key ids cannot make us hammer the issuer. An issuer we cannot
reach is a 503 naming the variable to check, never a 401 blaming the caller's token."""

from __future__ import annotations

import json
import threading
import urllib.request

import jwt
from jwt import PyJWK, PyJWKClient

from autonomos_pipelines.core.errors import ServiceUnavailable
from autonomos_pipelines.core.settings import OidcSettings
from autonomos_pipelines.dcl.registry.tokens import AuthenticationError

FETCH_TIMEOUT_SECONDS = 5


class IssuerKeys:
    def __init__(self, oidc: OidcSettings) -> None:
        self.oidc = oidc
        self._client: PyJWKClient | None = None
        self._lock = threading.Lock()

    def signing_key(self, kid: str) -> PyJWK:
        """The key `kid` names; AuthenticationError when the issuer has none of that id."""
        client = self._keys()
        try:
            client.get_signing_keys()  # an unreachable or empty JWKS is the issuer's fault
        except jwt.PyJWTError as error:
            raise self._unavailable(error) from None
        try:
            return client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as error:
            raise self._unavailable(error) from None
        except jwt.PyJWKClientError:
            raise AuthenticationError("the bearer JWT is signed by an unknown key id") from None

    def _keys(self) -> PyJWKClient:
        with self._lock:
            if self._client is None:
                url = self.oidc.jwks_url or self._discovered_jwks_url()
                self._client = PyJWKClient(url, cache_keys=True, timeout=FETCH_TIMEOUT_SECONDS)
            return self._client

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
