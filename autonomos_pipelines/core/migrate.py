"""Apply the registry database's Alembic migrations (serialised across processes by an
advisory lock).

One history, kept by its owners: the platform's tables (secrets, usage, quotas, row-level
security) in core/migrations/versions, AAM's (connector health, schema snapshots, drift
events, observations) in aam/migrations, the DCL's (tenants, mappings, examples, reviewers,
LLM usage) in dcl/migrations. Each revision names the one before it, whichever part holds it.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

PACKAGE = Path(__file__).resolve().parents[1]
MIGRATIONS_DIR = PACKAGE / "core" / "migrations"  # the Alembic environment
VERSION_LOCATIONS = (
    MIGRATIONS_DIR / "versions",
    PACKAGE / "aam" / "migrations",
    PACKAGE / "dcl" / "migrations",
)
_LOCK_KEY = 7_311_042  # arbitrary, constant: identifies "autonomos registry migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(map(str, VERSION_LOCATIONS)))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Migrate to head if needed; returns True if a migration ran."""
    if current_revision(engine) == head_revision(engine):
        return False
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
        try:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
            connection.commit()
    return True
