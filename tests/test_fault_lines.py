"""One clear line per fault, and faults that count against the right thing, through real runs:
the registry's database refusing connections in the middle of a load, a corrupt tenant
warehouse file, the breaker's bookkeeping write refused after the data landed, and a sandbox
that is not running. Real PostgreSQL, DuckDB, sandbox HTTP APIs, dlt and Dagster."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import duckdb
import psycopg
import pytest
from dagster import instance_for_test

from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions

pytestmark = pytest.mark.e2e
TENANT = "faulty"
CONNECTORS = ["stripe", "pipedrive"]
CLI = [sys.executable, "-m", "autonomos_pipelines.cli"]
WRAPPER_NOISE = ("DagsterExecutionStepExecutionError", "Error occurred while executing op")


def registry_connections(pg_root: str, allowed: bool) -> None:
    """Let the test's registry database accept connections, or refuse them and drop every
    open one: to the run it looks like the database server went away."""
    name = urlsplit(os.environ["DATABASE_URL"]).path.strip("/")
    with psycopg.connect(pg_root, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )


def when_first_request(sandbox, api: str, action) -> threading.Thread:  # type: ignore[no-untyped-def]
    """Run ``action`` as soon as the sandbox serves its first request for ``api``."""
    seen = len(sandbox.controls.log)

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if any(r.api == api for r in list(sandbox.controls.log)[seen:]):
                action()
                return
            time.sleep(0.005)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_registry_gone_mid_run_gives_one_line_per_step_naming_database_url(
    env, pg_root, sandbox, tmp_path, capfd
):
    with instance_for_test() as instance:
        onboard_tenant(TENANT, CONNECTORS, {}, open_registry(env), instance, "t")
        watcher = when_first_request(
            sandbox, "stripe", lambda: registry_connections(pg_root, allowed=False)
        )
        log_file = tmp_path / "run.log"
        try:
            summary = run_tenant(sandbox_definitions(), TENANT, CONNECTORS, instance, env, log_file)
        finally:
            watcher.join(5)
            registry_connections(pg_root, allowed=True)
        terminal = capfd.readouterr()
        assert not summary.success and summary.exit_code == 1
        assert summary.failures and any(
            f.startswith("dcl__field_mappings") for f in summary.failures
        )
        for line in summary.failures:
            assert "\n" not in line and not any(noise in line for noise in WRAPPER_NOISE), line
            assert "the registry database is unreachable (DATABASE_URL=" in line, line
            assert "not currently accepting connections" in line, line
            assert "check that PostgreSQL is running" in line, line
        assert "Stack Trace" not in terminal.err + terminal.out  # the tracebacks are in the log
        assert "DagsterExecutionStepExecutionError" in log_file.read_text(encoding="utf-8")

        again = run_tenant(sandbox_definitions(), TENANT, CONNECTORS, instance, env)
        assert again.success, again.failures  # back: nothing counted against the connectors
        store = HealthStore(get_engine(env))
        assert all(store.get(TENANT, c).consecutive_failures == 0 for c in CONNECTORS)


def test_a_corrupt_warehouse_names_the_file_and_counts_against_no_connector(env, tmp_path):
    cli_env = {**os.environ}
    added = subprocess.run(
        [*CLI, "tenants", "add", TENANT, "--connectors", ",".join(CONNECTORS)],
        capture_output=True, text=True, timeout=300, env=cli_env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    warehouse = env.warehouse_dir / f"{TENANT}.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    warehouse.write_bytes(b"not a duckdb file " * 4096)
    for _ in range(2):  # twice: a third would have degraded every connector
        run = subprocess.run(
            [*CLI, "materialize", TENANT],
            capture_output=True, text=True, timeout=600, env=cli_env,
        )  # fmt: skip
        assert run.returncode == 1, run.stdout + run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    steps = sorted(line.split(":")[1].strip() for line in errors)
    assert steps == ["dcl__field_mappings", "raw_pipedrive", "raw_stripe"]  # all it read
    for line in errors:
        assert f"the tenant warehouse {warehouse} is not a valid DuckDB file" in line, line
        assert "credentials" not in line and "internet connection" not in line, line
    assert "Traceback" not in run.stderr and "Stack Trace" not in run.stderr
    assert len(run.stderr.splitlines()) == 4, run.stderr  # three errors and the log's path
    log_line = next(line for line in run.stderr.splitlines() if line.startswith("run log"))
    assert "IO Error" in open(log_line.split(": ", 1)[1], encoding="utf-8").read()
    store = HealthStore(get_engine(env))
    assert all(store.get(TENANT, c).consecutive_failures == 0 for c in CONNECTORS)


def test_a_refused_bookkeeping_write_does_not_fail_a_load_that_landed(env, pg_root):
    with instance_for_test() as instance:
        onboard_tenant(TENANT, ["stripe"], {}, open_registry(env), instance, "t")
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as admin:
            admin.execute("REVOKE INSERT, UPDATE ON aam_connector_health FROM autonomos_tenant")
        summary = run_tenant(sandbox_definitions(), TENANT, ["stripe"], instance, env)
        assert summary.success, summary.failures
        with duckdb.connect(str(env.warehouse_dir / f"{TENANT}.duckdb"), read_only=True) as db:
            assert db.execute("SELECT count(*) FROM raw_stripe.customers").fetchone()[0] > 0  # type: ignore[index]
        logs = instance.all_logs(summary.run_id.split(", ")[0])
        assert any("success was not recorded" in (e.user_message or "") for e in logs)


def test_a_sandbox_that_is_not_running_is_named_with_a_hint(env, monkeypatch):
    with instance_for_test() as instance:
        onboard_tenant(TENANT, ["stripe"], {}, open_registry(env), instance, "t")
        closed = "http://127.0.0.1:9"  # discard port: nothing listens
        monkeypatch.setenv("AUTONOMOS_SANDBOX_URL", closed)
        settings = Settings.from_env()
        summary = run_tenant(sandbox_definitions(), TENANT, ["stripe"], instance, settings)
    assert not summary.success
    (line,) = summary.failures
    assert line.startswith("raw_stripe: stripe for tenant faulty: cannot reach ")
    assert f"{closed}/stripe/v1/customers (connection refused)" in line
    assert "is the sandbox running? start it with `autonomos sandbox serve`" in line
    assert "Max retries" not in line and "?" not in line.split("(connection")[0]
