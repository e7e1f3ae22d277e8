"""The embedded PostgreSQL on a fresh AUTONOMOS_HOME: processes that start at the same moment
all see the registry database missing and all create it; the losers go on silently."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres
STARTERS = 4
SCRIPT = """
import sys, time
from autonomos_pipelines.core.database import embedded_server_url
from autonomos_pipelines.core.settings import Settings
go = float(sys.argv[1])
settings = Settings.from_values({"AUTONOMOS_HOME": sys.argv[2]})
time.sleep(max(0.0, go - time.time()))  # every process asks at the same moment
print(embedded_server_url(settings))
"""


def test_processes_racing_to_create_the_registry_database_all_succeed_silently():
    import pgserver

    home = Path(tempfile.mkdtemp(prefix="arace"))  # short: Unix socket path limits
    server = pgserver.get_server(home / "pgdata", cleanup_mode="stop")  # initdb done once
    try:
        go = time.time() + 8  # after every interpreter has imported what it needs
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", SCRIPT, str(go), str(home)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            )
            for _ in range(STARTERS)
        ]
        outcomes = [process.communicate(timeout=120) for process in processes]
        for process, (out, err) in zip(processes, outcomes, strict=True):
            assert process.returncode == 0, err
            assert "/autonomos?" in out
            assert "ERROR" not in err and "already exists" not in err, err
        databases = server.psql("SELECT count(*) FROM pg_database WHERE datname = 'autonomos';")
        assert " 1\n" in databases
    finally:
        server.cleanup()
        shutil.rmtree(home, ignore_errors=True)


def test_warehouse_url_embedded_is_a_warehouse_database_on_the_embedded_server():
    """WAREHOUSE_URL=embedded (the README's one-machine Celery walkthrough): tenant schemas
    land in a `warehouse` database beside the registry's, on the same embedded server."""
    import pgserver
    import psycopg

    from autonomos_pipelines.core.errors import ConfigError
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.core.tenant_id import TenantId
    from autonomos_pipelines.warehouse.store import Warehouse

    home = Path(tempfile.mkdtemp(prefix="awh"))  # short: Unix socket path limits
    server = pgserver.get_server(home / "pgdata", cleanup_mode="stop")
    try:
        settings = Settings.from_values({"AUTONOMOS_HOME": str(home), "WAREHOUSE_URL": "embedded"})
        warehouse = Warehouse(settings)
        assert warehouse.is_postgres and warehouse.url and "/warehouse?host=" in warehouse.url
        tenant = TenantId("acme")
        schema = warehouse.canonical_schema(tenant)
        with warehouse.session(tenant) as session:
            session.connection.execute(f'CREATE SCHEMA "{schema}"')
            session.connection.execute(f'CREATE TABLE "{schema}".t AS SELECT 7 AS n')
        with psycopg.connect(server.get_uri().replace("/postgres?", "/warehouse?")) as db:
            assert db.execute(f'SELECT n FROM "{schema}".t').fetchone() == (7,)
        assert "@localhost/warehouse?host=" in warehouse._dlt_postgres_credentials()
        with pytest.raises(ConfigError, match="WAREHOUSE_URL must be a postgresql:// URL"):
            Settings.from_values({"AUTONOMOS_HOME": str(home), "WAREHOUSE_URL": "embeded"})
    finally:
        server.cleanup()
        shutil.rmtree(home, ignore_errors=True)
