"""The Dagster instance's PostgreSQL: DAGSTER_PG_URL, else a `dagster` database on
DATABASE_URL's server, else on the embedded pgserver. Resolved here once, so the CLI, `dagster
dev`, the daemon, run workers and Celery workers all open the same instance.

This module knows no Dagster: it finds, creates and checks the database, and hands the URL
to operations/instance.py, which exports it as DAGSTER_PG_URL for dagster.yaml to read.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from autonomos_pipelines.core.database import (
    DAGSTER_DATABASE,
    create_database_once,
    embedded_root_uri,
    on_database,
)
from autonomos_pipelines.core.errors import ServiceUnavailable
from autonomos_pipelines.core.settings import Settings

CONNECT_TIMEOUT_S = 10  # an unreachable host must not hang a command
# dagster-postgres sends `NOTIFY run_events, %(id)s`, which only psycopg2's client-side
# binding accepts; SQLAlchemy 2.1 picks psycopg 3 for a bare postgresql:// URL.
DAGSTER_SCHEME = "postgresql+psycopg2"


def dagster_database_url(settings: Settings) -> str:
    """The instance's database URL as dagster-postgres needs it (postgresql+psycopg2://),
    created if missing and checked: an unusable one is a ServiceUnavailable naming
    DAGSTER_PG_URL, password hidden."""
    if settings.dagster_pg_url:
        url = libpq_url(settings.dagster_pg_url)
        maintenance = on_database(url, "postgres")  # where CREATE DATABASE can be run
    elif settings.database_url:
        maintenance = settings.database_url
        url = on_database(maintenance, DAGSTER_DATABASE)
    else:
        maintenance = embedded_root_uri(settings)
        url = on_database(maintenance, DAGSTER_DATABASE)
    try:
        _ensure_database(url, maintenance)
    except Exception as error:  # psycopg's, with the server's reason on its first line
        raise ServiceUnavailable(
            "DAGSTER_PG_URL", settings.dagster_pg_url, _why(settings, error)
        ) from None
    return f"{DAGSTER_SCHEME}://{url.split('://', 1)[1]}"


def libpq_url(url: str) -> str:
    """postgres://, postgresql+psycopg2:// ... -> postgresql:// (what psycopg connects to)."""
    return f"postgresql://{url.split('://', 1)[1]}"


def _ensure_database(url: str, maintenance: str) -> None:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S).close()
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise
        create_database_once(maintenance, urlsplit(url).path.strip("/"))


def _why(settings: Settings, error: Exception) -> str:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    reason = reason.rsplit("failed: ", 1)[-1].removeprefix("FATAL:").strip()
    if settings.dagster_pg_url:
        return f"cannot connect: {reason}"
    server = "DATABASE_URL's server" if settings.database_url else "the embedded PostgreSQL"
    return f"database {DAGSTER_DATABASE!r} on {server} cannot be used: {reason}"
