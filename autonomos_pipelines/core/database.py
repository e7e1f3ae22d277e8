"""The registry's PostgreSQL: DATABASE_URL, or the embedded pgserver in AUTONOMOS_HOME.

Every transaction on it is opened by `tenant_session` or `admin_session` (a test forbids
plain ``engine.begin()`` elsewhere). A tenant session runs as the RLS-bound role
`autonomos_tenant` with `autonomos.tenant` set, so row-level security, not the query's WHERE
clause, decides what it can see and write.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from autonomos_pipelines.core import migrate
from autonomos_pipelines.core.errors import ServiceUnavailable
from autonomos_pipelines.core.rls import TENANT_ROLE, TENANT_SETTING
from autonomos_pipelines.core.settings import EMBEDDED_WAREHOUSE_URL, Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.tracing_instrument import instrument_engine

EMBEDDED_DATABASE = "autonomos"
EMBEDDED_WAREHOUSE = "warehouse"
DAGSTER_DATABASE = "dagster"  # the Dagster instance's, next to the registry's by default
# one round trip; both settings end with the transaction, so a pooled connection goes back
# to the pool as the admin it was opened as, with no tenant set
_ENTER_TENANT = sa.text(
    f"SELECT set_config('role', '{TENANT_ROLE}', true), set_config('{TENANT_SETTING}', :t, true)"
)
_engines: dict[str, Engine] = {}
_migrated: set[sa.URL] = set()
_embedded: dict[Path, str] = {}
_servers: dict[Path, str] = {}
_embedded_warehouse: dict[Path, str] = {}
_embedded_lock = threading.Lock()
_lock = threading.Lock()


def sqlalchemy_url(url: str) -> str:
    """postgresql://... -> postgresql+psycopg://... (psycopg 3 driver)."""
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else url


def embedded_root_uri(settings: Settings) -> str:
    """Start (or attach to) the pgserver instance in AUTONOMOS_HOME, once per process; the
    libpq URL of its `postgres` database."""
    with _embedded_lock:
        if settings.pg_datadir not in _servers:
            _servers[settings.pg_datadir] = _start_embedded(settings)
        return _servers[settings.pg_datadir]


def _start_embedded(settings: Settings) -> str:
    import pgserver

    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        # cleanup_mode=None: the default would stop the server when this process exits,
        # i.e. after every Dagster run.
        return str(pgserver.get_server(settings.pg_datadir, cleanup_mode=None).get_uri())
    except Exception as error:  # pgserver raises plain exceptions with the server log
        raise _embedded_failed(settings, error) from None


def _embedded_failed(settings: Settings, error: Exception) -> ServiceUnavailable:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ServiceUnavailable(
        "DATABASE_URL", None, f"embedded PostgreSQL in {settings.pg_datadir} failed: {reason}"
    )


def embedded_server_url(settings: Settings, database: str = EMBEDDED_DATABASE) -> str:
    """A database on the embedded server (created on first use): the registry's by default."""
    root = embedded_root_uri(settings)
    try:
        create_database_once(root, database)
    except Exception as error:
        raise _embedded_failed(settings, error) from None
    host = parse_qs(urlsplit(root).query)["host"][0]
    return f"postgresql://postgres@/{database}?host={host}"


def warehouse_url(settings: Settings) -> str | None:
    """WAREHOUSE_URL; ``embedded``: a `warehouse` database on the embedded server, so that
    one machine can try the PostgreSQL warehouse (and Celery workers) without a server."""
    if settings.warehouse_url != EMBEDDED_WAREHOUSE_URL:
        return settings.warehouse_url
    with _embedded_lock:
        known = _embedded_warehouse.get(settings.pg_datadir)
    if known is None:  # the lock is not held here: embedded_root_uri takes it
        url = embedded_server_url(settings, EMBEDDED_WAREHOUSE)
        known = _embedded_warehouse.setdefault(settings.pg_datadir, url)
    return known


def on_database(url: str, name: str) -> str:
    """The same server (host, port, user, options), another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def create_database_once(server_uri: str, name: str) -> None:
    """CREATE DATABASE unless it exists. Two processes starting on a fresh AUTONOMOS_HOME
    both see it missing: the loser's duplicate error means it exists now, which is all we
    need (no psql subprocess, so nothing is printed either way)."""
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(server_uri, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if found.fetchone():
            return
        try:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except (errors.DuplicateDatabase, errors.UniqueViolation):
            return  # created by the other process in between


def registry_url(settings: Settings) -> str:
    """DATABASE_URL, or the embedded server's (started or attached to once per process)."""
    if settings.database_url:
        return settings.database_url
    with _embedded_lock:
        known = _embedded.get(settings.pg_datadir)
    if known is None:  # the lock is not held here: embedded_root_uri takes it
        known = _embedded.setdefault(settings.pg_datadir, embedded_server_url(settings))
    return known


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
            instrument_engine(engine)  # a span per registry query when tracing is on
            _engines[url] = engine
    return engine


def migrated_engine(settings: Settings) -> Engine:
    """The engine, its database migrated to head once per process (every part's tables: the
    platform's, AAM's and the DCL's)."""
    engine = get_engine(settings)
    with _lock:
        if engine.url not in _migrated:
            migrate.upgrade(engine)
            _migrated.add(engine.url)
    return engine


def dispose_engines() -> None:
    """Close every pooled connection of this process (tests, and before a fork)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _migrated.clear()
        _embedded.clear()
        _servers.clear()


@contextmanager
def tenant_session(engine: Engine, tenant_id: TenantId) -> Iterator[Connection]:
    """A transaction that sees only ``tenant_id``'s rows (and reads the global baseline),
    and can write only that tenant's rows, whatever its statements' WHERE clauses say."""
    if not tenant_id:
        raise ValueError("tenant_session needs a tenant id; cross-tenant work uses admin_session")
    with engine.begin() as db:
        try:
            db.execute(_ENTER_TENANT, {"t": tenant_id})
        except sa.exc.DBAPIError as error:
            if "role" not in str(error.orig) or "does not exist" not in str(error.orig):
                raise
            raise ServiceUnavailable(
                "DATABASE_URL",
                None,
                f"role {TENANT_ROLE} is missing: the registry is not "
                "migrated (any `autonomos` command that opens the registry migrates it)",
            ) from None
        yield db


def ping(engine: Engine) -> None:
    """One round trip to the database (a readiness probe); raises if it does not answer."""
    with engine.connect() as db:
        db.execute(sa.text("SELECT 1"))


@contextmanager
def admin_session(engine: Engine) -> Iterator[Connection]:
    """A transaction that row-level security does not restrict: migrations, the global
    baseline, reviewers' decisions on baseline rows, operator listings across tenants and the
    drift sensor's tenant list. Every use is listed in tests/test_rls.py."""
    with engine.begin() as db:
        yield db


@contextmanager
def session(engine: Engine, tenant_id: TenantId | None) -> Iterator[Connection]:
    """`tenant_session` for a tenant; `admin_session` for None (global or all tenants)."""
    scope = tenant_session(engine, tenant_id) if tenant_id else admin_session(engine)
    with scope as db:
        yield db
