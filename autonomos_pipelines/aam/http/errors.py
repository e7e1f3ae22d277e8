"""The error of a source that stays unreachable, without the secrets requests puts in its own.

requests and urllib3 quote the full URL (query string and all: an ``api_token`` too) in
their connection errors, and dlt pickles the text of every exception in a failure's chain
into its pipeline trace. So the guarded session raises this one instead, outside the
``except`` block (no ``__context__``) and without ``from`` (no ``__cause__``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests

from autonomos_pipelines.core.errors import AutonomosError
from autonomos_pipelines.core.redaction import Redactor

_QUERY = re.compile(r"\?[^\s'\"]*")  # a query string inside a message: may hold a key


class SourceUnreachable(requests.ConnectionError, AutonomosError):
    """A source that could not be reached (refused, timed out, unknown host) after every
    retry; the message names the URL without its query, and the cause without secrets."""


def without_query(url: str) -> str:
    """The URL to show: no query, no user or password."""
    where = urlsplit(url)
    port = f":{where.port}" if where.port else ""
    return f"{where.scheme}://{where.hostname or ''}{port}{where.path}"


def _innermost(error: BaseException) -> BaseException:
    seen: set[int] = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = error.__cause__ or error.__context__ or getattr(error, "reason", None)
        if not isinstance(inner, BaseException):
            break
        error = inner
    return error


def unreachable(
    url: str, error: BaseException, attempts: int, redactor: Redactor
) -> SourceUnreachable:
    """The one-line error for ``url`` after ``attempts`` tries that ended in ``error``."""
    cause = _innermost(error)
    reason = redactor.redact(f"{type(cause).__name__}: {cause}")
    return SourceUnreachable(
        f"cannot reach {without_query(url)} after {attempts} attempts: " + _QUERY.sub("", reason)
    )
