"""SQL sandboxes: seeded databases created on the project's own PostgreSQL server (the
embedded pgserver or DATABASE_URL's server), so the sql connector reads a real Postgres."""

from __future__ import annotations

import psycopg
from psycopg import sql

from autonomos_pipelines.core.database import registry_url
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.sandbox.data.billing_seed import SEED_SQL

SEEDS = {"billing": SEED_SQL}
_LOCK_KEY = 7_311_043


def _with_database(url: str, name: str) -> str:
    head, _, tail = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{tail}" if tail else "")


def sandbox_database_url(spec, settings: Settings) -> str:
    """Create and seed the spec's sandbox database once; returns its SQLAlchemy URL."""
    dataset, name = spec.sandbox.dataset, spec.sandbox.database
    if dataset not in SEEDS:
        raise ValueError(f"{spec.name}: no SQL sandbox dataset {dataset!r}; have {sorted(SEEDS)}")
    server = registry_url(settings)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if found.fetchone() is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                with psycopg.connect(_with_database(server, name), autocommit=True) as target:
                    target.execute(SEEDS[dataset])
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    url = _with_database(server, name)
    return "postgresql+psycopg://" + url.split("://", 1)[1]
