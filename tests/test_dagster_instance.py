"""The Dagster instance on PostgreSQL, and tenant partitions that follow the registry: a run
the CLI starts lands in the Dagster database (read back over SQL and by a second process,
the `dagster` CLI), an unreachable DAGSTER_PG_URL is one line, and a registry tenant whose
partition the instance lacks gets it back from `autonomos materialize` and from the sensor."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from dagster import SensorResult, build_sensor_context
from typer.testing import CliRunner

from autonomos_pipelines.asset_graph.partitions import TENANTS_PARTITION
from autonomos_pipelines.cli.main import app
from autonomos_pipelines.core.database import on_database
from autonomos_pipelines.core.instance_database import dagster_database_url, libpq_url
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations import instance as instance_module
from autonomos_pipelines.operations.instance import get_instance, write_dagster_yaml
from autonomos_pipelines.sandbox.definitions import sandbox_resources
from mapping_assets.tenant_partitions import tenant_partitions
from tests.conftest import create_dagster_database

CLI = [sys.executable, "-m", "autonomos_pipelines.cli"]
DAGSTER = str(Path(sys.executable).with_name("dagster"))


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=600, env={**os.environ}
    )


def runs_table(url: str) -> list[tuple[str, str, str]]:
    """(run id, status, tenant tag) of every run in a Dagster database, read over SQL."""
    with psycopg.connect(url) as db:
        return db.execute(
            "SELECT r.run_id, r.status, t.value FROM runs r "
            "LEFT JOIN run_tags t ON t.run_id = r.run_id AND t.key = 'tenant' ORDER BY r.id"
        ).fetchall()


@pytest.mark.e2e
def test_a_wiped_instance_gets_the_tenant_back_and_keeps_runs_in_postgres(
    env, pg_root, dagster_template, monkeypatch
):
    added = cli("tenants", "add", "acme", "--connectors", "stripe")
    assert added.returncode == 0, added.stderr
    # a new, empty Dagster database and no DAGSTER_HOME: the registry still has acme
    shutil.rmtree(env.dagster_home)
    fresh = create_dagster_database(pg_root, dagster_template)
    monkeypatch.setenv("DAGSTER_PG_URL", fresh)

    run = cli("materialize", "acme")

    assert run.returncode == 0, run.stdout + run.stderr
    assert "tenant partition acme re-created from the registry" in run.stderr
    assert "DagsterUnknownPartitionError" not in run.stdout + run.stderr
    stored = runs_table(libpq_url(fresh))
    assert [(status, tenant) for _, status, tenant in stored] == [("SUCCESS", "acme")] * 2
    assert "postgres" in (env.dagster_home / "dagster.yaml").read_text()
    assert fresh not in (env.dagster_home / "dagster.yaml").read_text()  # named, never written
    listed = subprocess.run(  # a second process, Dagster's own CLI, on the same instance
        [DAGSTER, "run", "list"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "DAGSTER_HOME": str(env.dagster_home)},
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert all(f"Run: {run_id}" in listed.stdout for run_id, _, _ in stored), listed.stdout


def test_an_unreachable_dagster_database_is_one_line_without_its_password(env, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DAGSTER_PG_URL", f"postgresql://app:s3cr3t-pw@127.0.0.1:{port}/dagster")

    result = CliRunner().invoke(app, ["tenants", "add", "acme", "--connectors", "stripe"])

    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(
        f"autonomos: error: cannot use DAGSTER_PG_URL=postgresql://app:***@127.0.0.1:{port}/"
        "dagster: cannot connect: "
    ), result.stderr
    assert "s3cr3t" not in result.stdout + result.stderr


def test_without_dagster_pg_url_the_instance_gets_a_dagster_database_beside_the_registry(
    env, monkeypatch
):
    monkeypatch.delenv("DAGSTER_PG_URL")
    settings = Settings.from_env()

    url = dagster_database_url(settings)

    assert libpq_url(url) == on_database(settings.database_url or "", "dagster")
    with psycopg.connect(libpq_url(url)) as db:  # created, and reachable
        assert db.execute("SELECT current_database()").fetchone() == ("dagster",)


def test_our_sqlite_config_is_rewritten_and_the_users_is_kept(env, capfd):
    env.dagster_home.mkdir(parents=True)
    config = env.dagster_home / "dagster.yaml"
    config.write_text(instance_module._SQLITE_YAML)

    assert write_dagster_yaml(env)
    assert config.read_text() == instance_module.DAGSTER_YAML
    notice = capfd.readouterr().err
    assert notice.count("\n") == 1 and "SQLite" in notice and "not migrated" in notice, notice

    users = "storage:\n  sqlite:\n    base_dir: /somewhere\n"
    config.write_text(users)
    assert not write_dagster_yaml(env)
    assert config.read_text() == users


def test_the_partition_sensor_adds_registry_tenants_the_instance_lacks(env):
    registry = open_registry(env)
    for tenant in ("acme", "globex"):  # registry rows only, as after a new Dagster database
        registry.add_tenant(TenantId(tenant), {"stripe": {"endpoint": "sandbox"}}, "test")
    instance = get_instance(env)
    instance.add_dynamic_partitions(TENANTS_PARTITION, ["acme"])
    resources = {"registry": sandbox_resources()["registry"]}

    with build_sensor_context(instance=instance, resources=resources) as context:
        result = tenant_partitions(context)
    assert isinstance(result, SensorResult)
    (request,) = result.dynamic_partitions_requests or []
    assert (request.partitions_def_name, list(request.partition_keys)) == (
        TENANTS_PARTITION,
        ["globex"],
    )
    assert result.skip_reason and "added 1" in result.skip_reason.skip_message
    # what the daemon does with the request; then the next tick finds nothing to add
    instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
    with build_sensor_context(instance=instance, resources=resources) as context:
        again = tenant_partitions(context)
    assert again.skip_message == "all 2 registry tenants have a partition"  # type: ignore[union-attr]


def test_the_deployment_example_configures_the_instance_we_write() -> None:
    """deploy/dagster.yaml (what a multi-machine deployment copies) says what we write."""
    import yaml

    from autonomos_pipelines.operations.instance import DAGSTER_YAML

    example = Path(__file__).resolve().parents[1] / "deploy" / "dagster.yaml"
    assert yaml.safe_load(example.read_text()) == yaml.safe_load(DAGSTER_YAML)
