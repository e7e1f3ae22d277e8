"""Named jobs, the `tenant` tag and one run per tenant on every path, and `autonomos backfill`:
real runs on a real instance, launched by a real `dagster-daemon` (backfills, the run queue)
and by `dagster` commands as subprocesses. One daemon and two small tenants per module."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from autonomos_pipelines.core.database import dispose_engines
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.instance import get_instance
from autonomos_pipelines.operations.onboarding import onboard_tenant
from tests.conftest import SERVICE_VARIABLES, create_dagster_database, create_database

CLI = [sys.executable, "-m", "autonomos_pipelines.cli"]
BIN = Path(sys.executable).parent
LOCATION = "autonomos_pipelines.sandbox.definitions"
pytestmark = pytest.mark.e2e


def cli(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + args, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def stack(pg_root, dagster_template, sandbox, tmp_path_factory) -> Iterator[Path]:
    """Registry, instance and tenants acme, beta (pipedrive) and broken (refused endpoint),
    a workspace on the dev code location, and a dagster-daemon on it; stopped afterwards."""
    root = tmp_path_factory.mktemp("backfill")
    with pytest.MonkeyPatch.context() as patch:
        for name in SERVICE_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setenv("AUTONOMOS_HOME", str(root / "home"))
        patch.setenv("DAGSTER_HOME", str(root / "dagster"))
        patch.setenv("DATABASE_URL", create_database(pg_root, "bf"))
        # the module's own Dagster database: runs and daemon heartbeats of no other test
        patch.setenv("DAGSTER_PG_URL", create_dagster_database(pg_root, dagster_template))
        patch.setenv("AUTONOMOS_SANDBOX_URL", sandbox.url)
        add_tenants(Settings.from_env())
        workspace = root / "workspace.yaml"
        workspace.write_text(f"load_from:\n  - python_module: {LOCATION}\n")
        daemon = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)],
            stdout=subprocess.DEVNULL, stderr=open(root / "daemon.log", "w"),
            start_new_session=True,
        )  # fmt: skip
        try:
            yield workspace
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait(5)


def add_tenants(settings: Settings) -> None:
    registry, dagster = open_registry(settings), get_instance(settings)
    for tenant in ("acme", "beta"):
        onboard_tenant(TenantId(tenant), ["pipedrive"], {}, registry, dagster, "test")
    refused = {"pipedrive": "http://127.0.0.1:9"}
    onboard_tenant(TenantId("broken"), ["pipedrive"], refused, registry, dagster, "test")
    dispose_engines()


def instance() -> DagsterInstance:
    return DagsterInstance.get()  # DAGSTER_HOME of the stack, set for the module


def runs(**tags: str) -> list:
    with instance() as dagster:
        return [r.dagster_run for r in dagster.get_run_records(RunsFilter(tags=tags))]


def test_backfill_of_two_tenants_makes_one_tagged_run_each_and_waits(stack):
    result = cli(["backfill", "--tenants", "acme,beta", "--select", "pipedrive", "--wait"])
    assert result.returncode == 0, result.stdout + result.stderr
    backfill_id = result.stdout.split()[1].rstrip(":")
    assert f"/runs/b/{backfill_id}" in result.stdout
    assert "acme: run" in result.stdout and "beta: run" in result.stdout
    assert f"backfill {backfill_id}: COMPLETED_SUCCESS (2 success)" in result.stdout
    made = runs(**{"dagster/backfill": backfill_id})
    assert sorted(run.tags["tenant"] for run in made) == ["acme", "beta"]
    assert all(run.status == DagsterRunStatus.SUCCESS for run in made)
    for run in made:  # each tenant's run selects its own connector's tables, not the others'
        keys = {key.path[1] for key in run.asset_selection or [] if key.path[0] == "raw"}
        assert keys == {"pipedrive"}


def test_backfill_wait_exits_1_when_a_run_fails(stack):
    result = cli(["backfill", "--tenants", "broken", "--select", "pipedrive", "--wait"])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "broken: run" in result.stdout and "FAILURE" in result.stdout
    assert "COMPLETED_FAILED" in result.stdout


def test_unknown_tenant_is_refused_in_one_line(stack):
    result = cli(["backfill", "--tenants", "acme,nosuch"])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "autonomos: error: --tenants: unknown tenant 'nosuch'; see `autonomos tenants list`"
    ]


def test_without_a_daemon_the_backfill_is_queued_and_says_what_to_run(
    stack, tmp_path, pg_root, dagster_template
):
    # another instance: its own home and database, where no daemon beats
    other = create_dagster_database(pg_root, dagster_template)
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "other"), "DAGSTER_PG_URL": other}
    result = subprocess.run(
        CLI + ["backfill", "--all", "--select", 'key:"raw/pipedrive/*"'],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "3 tenants (acme, beta, broken)" in result.stdout
    assert "no Dagster daemon runs on this instance" in result.stderr
    assert "`autonomos ui` or `dagster-daemon run`" in result.stderr


def test_dagster_job_backfill_line_runs_the_named_job_tagged(stack):
    """The README's `dagster job backfill` line: the coordinator tags the queued run."""
    before = {run.run_id for run in runs(tenant="beta")}
    command = [str(BIN / "dagster"), "job", "backfill", "-w", str(stack), "-j", "load",
               "--partitions", "beta", "--noprompt"]  # fmt: skip
    created = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert created.returncode == 0, created.stdout + created.stderr
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        new = [run for run in runs(tenant="beta") if run.run_id not in before]
        if new and new[0].is_finished:
            break
        time.sleep(2)
    assert len(new) == 1 and new[0].job_name == "load", new
    assert new[0].status == DagsterRunStatus.SUCCESS
