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


class InputRefused(AutonomosError):
    """An input is over one of the limits in core.limits, or is not the text/JSON it must be;
    the message names the input (file, line, key) and the limit."""


class NotFound(AutonomosError):
    """No object of that id where the caller may look (another tenant's id looks the same:
    the message names only the id, so ids cannot be probed)."""


class InvalidName(AutonomosError):
    """A tenant, connector, table or field name is not acceptable where it was used."""


def redact_url(url: str | None) -> str:
    """Drop the password from a URL so it can appear in messages."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: nothing of it is safe to show
        return "(a URL that cannot be parsed)"
    if parts.password is None:
        return url
    # from the text, not .hostname/.port: those raise on a malformed port, and a message
    # about a malformed URL must still be printable
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username}:***@{host}" if parts.username else f"***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class SourceError(AutonomosError):
    """A source API or database answered with an error (auth, bad request, error body)."""
