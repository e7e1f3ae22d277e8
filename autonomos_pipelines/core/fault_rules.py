"""The faults we recognise in one link of an error chain, each as (kind, one-line message
with what to do). Matched on class names and message text, so that a live exception and
Dagster's serialised copy of it read the same."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from autonomos_pipelines.core.database import EMBEDDED_WAREHOUSE
from autonomos_pipelines.core.errors import redact_url
from autonomos_pipelines.core.settings import EMBEDDED_WAREHOUSE_URL, Settings

SOURCE, REGISTRY, WAREHOUSE, LOCAL, CONFIG = "source", "registry", "warehouse", "local", "config"
Found = tuple[str, str] | None


@dataclass(frozen=True)
class Link:
    name: str  # the exception's class name
    module: str  # its module ("" when unknown)
    text: str  # str(exception)


_OURS_SOURCE = {"SourceError", "ResponseTooLarge"}
_OURS_CONFIG = {"ConfigError", "SpecError", "InvalidName", "PermissionDenied", "WorkflowError"}
_OURS_CONFIG |= {"QuotaExceeded", "SecretUnreadable"}


def autonomos_error(link: Link, settings: Settings) -> Found:
    """Our own errors already say what is wrong in one line: only their kind is decided."""
    if not link.module.startswith("autonomos_pipelines"):
        return None
    if link.name == "ServiceUnavailable":
        variable = next((v for v in ("DATABASE_URL", "WAREHOUSE_URL") if v in link.text), "")
        kind = {"DATABASE_URL": REGISTRY, "WAREHOUSE_URL": WAREHOUSE}.get(variable, LOCAL)
        return kind, link.text
    if link.name in _OURS_SOURCE:
        return SOURCE, link.text
    return (CONFIG, link.text) if link.name in _OURS_CONFIG else None


_DUCKDB_FILE = re.compile(r'"([^"]+\.duckdb)"')
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.*?\(PID \d+\))")


def duckdb_fault(link: Link, settings: Settings) -> Found:
    text = link.text
    if "duckdb" not in text.lower() and not link.module.lstrip("_").startswith("duckdb"):
        return None
    found = _DUCKDB_FILE.search(text)
    where = f"the tenant warehouse {found.group(1) if found else settings.warehouse_dir}"
    if "not a valid DuckDB database file" in text:
        return WAREHOUSE, (
            f"{where} is not a valid DuckDB file (corrupt or truncated): move it aside or "
            "restore it from a backup, then run again"
        )
    if "Could not set lock on file" in text:
        holder = _LOCK_HOLDER.search(text)
        by = f" by {holder.group(1)}" if holder else " by another process"
        return WAREHOUSE, f"{where} is locked{by}: wait for that process to finish or stop it"
    if link.name.endswith(("IOException", "IOError")) or text.startswith("IO Error"):
        return WAREHOUSE, f"{where} cannot be opened: {_first_line(text)}"
    return None


_PATH = re.compile(r"'(/[^']+)'")


def disk_fault(link: Link, settings: Settings) -> Found:
    for symptom, advice in (
        ("No space left on device", "free disk space, then run again"),
        ("Read-only file system", "make it writable or set AUTONOMOS_HOME elsewhere"),
    ):
        if symptom in link.text:
            path = _PATH.search(link.text)
            where = path.group(1) if path else str(settings.home)
            return LOCAL, f"local disk fault at {where}: {symptom.lower()}: {advice}"
    return None


_POSTGRES_DOWN = re.compile(
    r"connection failed|could not connect|connection refused|server closed the connection|"
    r"terminating connection|not currently accepting connections|database \S+ does not exist|"
    r"password authentication failed|the connection is closed|connection timeout expired|"
    r"the database system is (starting up|shutting down)|consuming input failed",
    re.IGNORECASE,
)


def postgres_fault(link: Link, settings: Settings) -> Found:
    if not link.module.startswith(("psycopg", "sqlalchemy")):
        return None
    if not _POSTGRES_DOWN.search(link.text):
        return None
    reason = _first_line(link.text.split("(Background on this error")[0].rsplit("failed: ", 1)[-1])
    reason = reason.removeprefix("FATAL:").strip()
    if _is_warehouse(link.text, settings):
        where = f"WAREHOUSE_URL={redact_url(settings.warehouse_url)}"
        return WAREHOUSE, f"the warehouse database is unreachable ({where}): {reason}: " + (
            "check that PostgreSQL is running and WAREHOUSE_URL points at it, then run again"
        )
    where = (
        f"DATABASE_URL={redact_url(settings.database_url)}"
        if settings.database_url
        else f"embedded PostgreSQL in {settings.pg_datadir}; DATABASE_URL is unset"
    )
    return REGISTRY, f"the registry database is unreachable ({where}): {reason}: " + (
        "check that PostgreSQL is running and DATABASE_URL points at it, then run again"
    )


def _is_warehouse(text: str, settings: Settings) -> bool:
    """A Postgres warehouse fault names the warehouse's database, not the registry's."""
    url = settings.warehouse_url or ""
    if url == EMBEDDED_WAREHOUSE_URL:
        url = f"postgresql:///{EMBEDDED_WAREHOUSE}"
    if not url.startswith("postgres"):
        return False
    name = urlsplit(url).path.strip("/")
    registry = urlsplit(settings.database_url or "").path.strip("/")
    return bool(name) and f'"{name}"' in text and name != registry


_UNREACHABLE = re.compile(
    r"(HTTPS?)ConnectionPool\(host='([^']+)', port=(\d+)\): "
    r"(?:Max retries exceeded with url: (\S+)|Read timed out)"
)


# aam.http.errors.SourceUnreachable: the guarded session's own, already without a query
_GAVE_UP = re.compile(r"cannot reach ((https?)://([^/\s:]+):?(\d*)(\S*)) after \d+ attempts")


def _unreachable_url(text: str) -> tuple[str, str] | None:
    """(base URL, URL without query) of a connection error's text, in either wording."""
    pooled = _UNREACHABLE.search(text)
    if pooled:
        scheme, host, port, path = pooled.groups()
        base = f"{scheme.lower()}://{host}:{port}"
        return base, base + (path or "").split("?")[0]
    gave_up = _GAVE_UP.search(text)
    if gave_up:
        url, scheme, host, port, _ = gave_up.groups()
        return f"{scheme}://{host}" + (f":{port}" if port else ""), url
    return None


def http_unreachable(link: Link, settings: Settings) -> Found:
    found = _unreachable_url(link.text)
    if not found:
        return None
    base, url = found
    text = link.text.lower()
    reason = (
        "connection refused"
        if "refused" in text
        else "host name not found"
        if "name or service not known" in text or "name resolution" in text
        else "timed out"
        if "timed out" in text
        else "connection failed"
    )
    sandbox = settings.sandbox_url.rstrip("/")
    hint = (
        "is the sandbox running? start it with `autonomos sandbox serve`"
        if base == sandbox or sandbox.startswith(base + "/")
        else "check the connector's base URL and the network, then run again"
    )
    return SOURCE, f"cannot reach {url} ({reason}): {hint}"


_HTTP_STATUS = re.compile(r"\b(\d{3}) (?:Client|Server) Error: (.*?) for url: (\S+)")
_HTTP_HINTS = {
    401: "check the connector's credentials (`autonomos secrets`)",
    403: "the credentials lack a permission this connector needs",
    404: "check the connector's base URL and endpoint paths",
    429: "rate limited after every retry: lower the connector's rate or run later",
}


def http_status(link: Link, settings: Settings) -> Found:
    found = _HTTP_STATUS.search(link.text)
    if not found:
        return None
    status, reason, url = int(found.group(1)), found.group(2), found.group(3).split("?")[0]
    hint = _HTTP_HINTS.get(status) or (
        "the API is failing: run again later" if status >= 500 else "the API refused the request"
    )
    return SOURCE, f"HTTP {status} {reason} from {url}: {hint}"


def malformed_json(link: Link, settings: Settings) -> Found:
    if link.name != "JSONDecodeError":
        return None
    return SOURCE, f"the API answered with malformed JSON ({_first_line(link.text)})"


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0].strip() if stripped else ""
