"""Errors that carry a one-line, user-facing explanation.

Every error the CLI or a Dagster step can show a user derives from AutonomosError, so the
CLI can print ``str(error)`` as one line instead of a traceback.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


class AutonomosError(Exception):
    """Base class: the message is complete and safe to show (no secrets)."""


class ConfigError(AutonomosError):
    """A setting or environment variable is missing or malformed."""


class ServiceUnavailable(AutonomosError):
    """A service named by an environment variable (or its embedded default) cannot be used."""

    def __init__(self, variable: str, url: str | None, reason: str):
        where = f"{variable}={redact_url(url)}" if url else f"{variable} (embedded default)"
        super().__init__(f"cannot use {where}: {reason}")
        self.variable = variable


class SpecError(AutonomosError):
    """A connector spec is invalid; the message names the file and JSON path."""


class InvalidName(AutonomosError):
    """A tenant, connector, table or field name is not acceptable where it was used."""


def redact_url(url: str | None) -> str:
    """Drop the password from a URL so it can appear in messages."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else f"***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class SourceError(AutonomosError):
    """A source API or database answered with an error (auth, bad request, error body)."""
