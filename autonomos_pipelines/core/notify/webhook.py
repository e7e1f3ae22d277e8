"""One POST of a message to the webhook, and what became of it.

The webhook URL is a secret (a Slack URL holds the workspace's token in its path): it is never
logged, and every error text is redacted of it before it is recorded or shown. The standard
library's client is used because it logs nothing by itself (httpx logs each request's URL).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from autonomos_pipelines.core.redaction import Redactor

TIMEOUT_SECONDS = 5.0
ERROR_CHARS = 300
_RETRYABLE_CLIENT_ERRORS = (408, 425, 429)  # timeout, too early, rate limited: try later


@dataclass(frozen=True)
class Delivery:
    """``permanent``: a refusal that will not change on retry (a 4xx such as a revoked hook)."""

    ok: bool
    permanent: bool = False
    error: str = ""


def redactor_for(url: str) -> Redactor:
    """Removes the URL and its path and query (where webhook tokens live) from text."""
    parts = urlsplit(url)
    secrets = [url, parts.path.strip("/"), parts.query]
    return Redactor(secret for secret in secrets if secret)


def post(url: str, payload: dict[str, Any], timeout: float = TIMEOUT_SECONDS) -> Delivery:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked by settings
            response.read(4096)
        return Delivery(ok=True)
    except urllib.error.HTTPError as error:
        body = error.read(200).decode(errors="replace")
        code = error.code
        permanent = 400 <= code < 500 and code not in _RETRYABLE_CLIENT_ERRORS
        return Delivery(False, permanent, _clean(url, f"HTTP {code} {error.reason}: {body}"))
    except (urllib.error.URLError, OSError, ValueError) as error:  # refused, DNS, timeout
        reason = getattr(error, "reason", None) or error
        return Delivery(False, False, _clean(url, f"{type(error).__name__}: {reason}"))


def _clean(url: str, text: str) -> str:
    return redactor_for(url).redact(" ".join(text.split()))[:ERROR_CHARS]
