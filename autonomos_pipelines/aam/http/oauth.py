"""OAuth2 token flows run by AAM (refresh token, client credentials) on the guarded session.

Tokens are fetched lazily, re-fetched once when the API answers 401, and a rotated refresh
token returned by the provider replaces the old one for the rest of the load, and is handed to
``on_refresh_token`` (the connection writes it back to the tenant's secret store). Error
messages keep none of the client's credentials or tokens (token endpoints echo client ids).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import requests

from autonomos_pipelines.core.errors import SourceError
from autonomos_pipelines.core.redaction import Redactor

# token-request fields that name the flow, not a credential: never redacted (a fragment of
# "client_credentials" would otherwise blank out "client" in every error of the provider)
PUBLIC_FORM_FIELDS = frozenset({"grant_type", "scope", "resource", "audience", "redirect_uri"})


class OAuthClient:
    def __init__(  # noqa: PLR0913
        self,
        session: requests.Session,
        token_url: str,
        form: dict[str, str],
        name: str,
        on_refresh_token: Callable[[str], None] | None = None,
    ):
        self.session, self.token_url, self.name = session, token_url, name
        self._form = form
        self._redactor = Redactor(v for k, v in form.items() if k not in PUBLIC_FORM_FIELDS)
        self._on_refresh_token = on_refresh_token  # keeps a rotated token beyond this load
        self._token: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self.refreshes = 0

    def token(self, force: bool = False) -> dict[str, Any]:
        with self._lock:
            if self._token is None or force:
                response = self.session.post(self.token_url, data=self._form)
                body = _json(response)
                if response.status_code != 200 or "access_token" not in body:
                    reason = body.get("error_description") or body.get("error") or response.text
                    said = self._redactor.redact(str(reason)[:2000])[:200]
                    raise SourceError(
                        f"{self.name}: token request to {self.token_url.split('?')[0]} failed "
                        f"with {response.status_code}: {said}"
                    )
                self._redactor.protect([str(body["access_token"])])
                rotated = body.get("refresh_token")
                if rotated and rotated != self._form.get("refresh_token", rotated):
                    self._redactor.protect([rotated])
                    self._form = {**self._form, "refresh_token": rotated}
                    if self._on_refresh_token:
                        self._on_refresh_token(rotated)
                self._token = body
                self.refreshes += 1
            return self._token

    def get(self, url: str, **kwargs: Any) -> dict[str, Any]:
        """GET with the bearer token; on 401 fetch a new token and try once more."""
        for attempt in (1, 2):
            headers = {**kwargs.pop("headers", {}), "Authorization": self._bearer(attempt == 2)}
            response = self.session.get(url, headers=headers, **kwargs)
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if response.status_code == 401 and attempt == 1:
                continue
            if response.status_code >= 400:
                raise SourceError(
                    f"{self.name}: GET {url.split('?')[0]} answered {response.status_code}: "
                    f"{self._redactor.redact(response.text[:2000])[:300]}"
                )
            return _json(response)
        raise AssertionError("unreachable")

    def _bearer(self, force: bool) -> str:
        return f"Bearer {self.token(force)['access_token']}"


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"errors": body}
