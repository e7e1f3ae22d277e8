"""The registry's PostgreSQL: DATABASE_URL, or the embedded pgserver in AUTONOMOS_HOME."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.errors import ServiceUnavailable
from autonomos_pipelines.settings import Settings

EMBEDDED_DATABASE = "autonomos"
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def sqlalchemy_url(url: str) -> str:
    """postgresql://... -> postgresql+psycopg://... (psycopg 3 driver)."""
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else url


def embedded_server_url(settings: Settings) -> str:
    """Start (or attach to) the pgserver instance in AUTONOMOS_HOME; return a libpq URL."""
    import pgserver

    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        # cleanup_mode=None: the default would stop the server when this process exits,
        # i.e. after every Dagster run.
        server = pgserver.get_server(settings.pg_datadir, cleanup_mode=None)
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE}';")  # noqa: S608
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {EMBEDDED_DATABASE};")
    except Exception as error:  # pgserver raises plain exceptions with the server log
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ServiceUnavailable(
            "DATABASE_URL", None, f"embedded PostgreSQL in {settings.pg_datadir} failed: {reason}"
        ) from None
    host = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    return f"postgresql://postgres@/{EMBEDDED_DATABASE}?host={host}"


def registry_url(settings: Settings) -> str:
    return settings.database_url or embedded_server_url(settings)


def get_engine(settings: Settings) -> Engine:
    """One pooled engine per URL per process; checks the connection once."""
    url = registry_url(settings)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = sa.create_engine(sqlalchemy_url(url), pool_pre_ping=True, pool_size=5)
            try:
                with engine.connect() as connection:
                    connection.execute(sa.text("SELECT 1"))
            except sa.exc.OperationalError as error:
                engine.dispose()
                reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
                raise ServiceUnavailable(
                    "DATABASE_URL", settings.database_url, f"cannot connect: {reason}"
                ) from None
            _engines[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every pooled connection of this process (tests, and before a fork)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
