"""Production mode: tenant runs whose steps execute on two real `autonomos worker` processes
(dagster-celery on a real redis-server), a Dagster instance and a warehouse on PostgreSQL.

The workers start once for the module, each with its own AUTONOMOS_HOME (as on two
machines); every run is orchestrated by a `dagster asset materialize` subprocess, as a run
launcher would. The killed-worker test runs last: it leaves one worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from autonomos_pipelines.code_location import build_definitions
from autonomos_pipelines.core.database import dispose_engines
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant, tenant_selection
from autonomos_pipelines.sandbox.definitions import sandbox_definitions
from autonomos_pipelines.warehouse.store import Warehouse
from tests.conftest import create_database, start_redis

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]
ROOT = Path(__file__).resolve().parents[1]
CONNECTORS = ["stripe", "hubspot"]
VISIBILITY_TIMEOUT = 120  # longer than any step here (on a busy box): only a lost step is redone
WORKERS = ("w1@celerytest", "w2@celerytest")
DAGSTER_YAML = """\
storage:
  postgres:
    postgres_url: "{url}"
telemetry:
  enabled: false
"""


class Stack:
    def __init__(self, tmp: Path, environment: dict[str, str]) -> None:
        self.tmp, self.environment = tmp, environment
        self.workers: dict[str, subprocess.Popen] = {}

    def start_worker(self, name: str) -> None:
        home = self.tmp / name.split("@")[0]
        log = (self.tmp / f"{name}.log").open("wb")
        self.workers[name] = subprocess.Popen(
            [sys.executable, "-m", "autonomos_pipelines.cli", "worker", "-c", "2", "--name", name],
            env={**self.environment, "AUTONOMOS_HOME": str(home)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool dies with it
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        for name in self.workers:
            while b" ready." not in (self.tmp / f"{name}.log").read_bytes():
                assert self.workers[name].poll() is None, self.log(name)
                assert time.monotonic() < deadline, f"{name} not ready: {self.log(name)}"
                time.sleep(0.2)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def kill(self, name: str) -> None:
        process = self.workers.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def materialize(self, tenant: str, keys: list[str]) -> subprocess.Popen:
        """A run orchestrated in its own process, its steps sent to the workers."""
        return subprocess.Popen(
            [sys.executable, "-m", "dagster", "asset", "materialize",
             "-m", "autonomos_pipelines.sandbox.definitions", "-a", "defs",
             "--select", ",".join(keys), "--partition", tenant],
            env={**self.environment, "AUTONOMOS_HOME": str(self.tmp / "orchestrator")},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip


@pytest.fixture(scope="module")
def stack(pg_root, sandbox, tmp_path_factory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("celery")
    redis_process, redis_url = start_redis()
    dagster_home = tmp / "dagster_home"
    dagster_home.mkdir()
    dagster_db = create_database(pg_root, "dag")
    # dagster-postgres speaks psycopg2 (SQLAlchemy 2.1 would pick psycopg 3 for postgresql://)
    dagster_url = dagster_db.replace("postgresql://", "postgresql+psycopg2://", 1)
    (dagster_home / "dagster.yaml").write_text(DAGSTER_YAML.format(url=dagster_url))
    variables = {
        "DATABASE_URL": create_database(pg_root, "reg"),
        "WAREHOUSE_URL": create_database(pg_root, "wh"),
        "REDIS_URL": redis_url,
        "DAGSTER_HOME": str(dagster_home),
        "AUTONOMOS_HOME": str(tmp / "home"),
        "AUTONOMOS_SANDBOX_URL": sandbox.url,
        "AUTONOMOS_EXECUTOR": "celery",
        "AUTONOMOS_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "AUTONOMOS_NO_LLM": "1",
    }
    environment = {**os.environ, **variables, "PYTHONPATH": str(ROOT)}
    stack = Stack(tmp, environment)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        try:
            for name in WORKERS:
                stack.start_worker(name)
            yield stack
        finally:
            for name in list(stack.workers):
                stack.kill(name)
            redis_process.terminate()
            redis_process.wait(10)
            dispose_engines()


@pytest.fixture(scope="module")
def instance(stack) -> Iterator[DagsterInstance]:
    """The Postgres instance; first the baseline run, while the workers start."""
    with DagsterInstance.get() as dagster_instance:
        yield dagster_instance


@pytest.fixture(scope="module")
def baseline(stack, instance) -> dict:
    """Row counts of the same tenant's data built in-process (no workers involved)."""
    settings = Settings.from_env()
    onboard_tenant("solo", CONNECTORS, {}, open_registry(settings), instance, "test")
    summary = run_tenant(sandbox_definitions(), "solo", CONNECTORS, instance, settings)
    assert summary.success, summary.failures
    stack.wait_ready()
    return {"canonical": summary.canonical_rows, "raw": raw_rows(settings, "solo")}


def asset_keys() -> list[str]:
    raw, downstream = tenant_selection(sandbox_definitions(), CONNECTORS)
    return [key.to_user_string() for key in raw + downstream]


def onboard(instance: DagsterInstance, tenant: str) -> None:
    onboard_tenant(tenant, CONNECTORS, {}, open_registry(Settings.from_env()), instance, "test")


def finish(process: subprocess.Popen, timeout: float = 600) -> None:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output.decode(errors="replace")[-3000:]


def latest_run(instance: DagsterInstance, tenant: str):
    runs = instance.get_runs(RunsFilter(tags={"dagster/partition": tenant}), limit=1)
    return runs[0] if runs else None


def materialized(instance: DagsterInstance, run_id: str) -> dict[str, dict[str, str]]:
    """asset key -> its materialisation's metadata, as text."""
    found = {}
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        assert materialization is not None
        found[materialization.asset_key.to_user_string()] = {
            name: str(value.value) for name, value in materialization.metadata.items()
        }
    return found


def canonical_rows(found: dict[str, dict[str, str]]) -> dict[str, int]:
    return {
        key.split("/", 1)[1]: int(meta["dagster/row_count"])
        for key, meta in found.items()
        if key.startswith("canonical/")
    }


def raw_rows(settings: Settings, tenant: str) -> dict[str, int]:
    """schema (without the tenant) . table -> rows, for every raw table loaded."""
    counts = {}
    with psycopg.connect(settings.warehouse_url or "") as connection:
        tables = connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema LIKE %s AND table_name NOT LIKE '\\_dlt%%'",
            (f"{tenant}\\_\\_raw\\_%",),
        ).fetchall()
        for schema, table in tables:
            query = f'SELECT count(*) FROM "{schema}"."{table}"'
            counts[f"{schema.split('__', 1)[1]}.{table}"] = connection.execute(query).fetchone()[0]
    return counts


def worker_of(meta: dict[str, str]) -> str:
    return meta["worker"].rsplit(":", 1)[0]


def test_two_tenants_at_once_each_spread_over_both_workers(stack, instance, baseline):
    for tenant in ("north", "south"):
        onboard(instance, tenant)
    runs = [stack.materialize(tenant, asset_keys()) for tenant in ("north", "south")]
    for process in runs:
        finish(process)
    for tenant in ("north", "south"):
        run = latest_run(instance, tenant)
        assert run.status == DagsterRunStatus.SUCCESS
        found = materialized(instance, run.run_id)
        assert {worker_of(meta) for meta in found.values()} == set(WORKERS), tenant
        assert canonical_rows(found) == baseline["canonical"]
        assert raw_rows(Settings.from_env(), tenant) == baseline["raw"]


def step_worker(instance: DagsterInstance, tenant: str, step: str) -> str | None:
    """The worker a step was handed to, once it started there."""
    run = latest_run(instance, tenant)
    if run is None:
        return None
    for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT):
        if entry.step_key == step and "Executing steps" in entry.message:
            data = entry.dagster_event.engine_event_data  # type: ignore[union-attr]
            return str(data.metadata["Celery worker"].value)
    return None


def test_sigterm_stops_a_worker_and_its_pool_within_seconds(stack):
    """What a service manager or `docker stop` sends to the worker's main process alone:
    Celery's warm shutdown, then no pool process is left behind."""
    import psutil

    name = "w3@celerytest"
    stack.start_worker(name)
    stack.wait_ready()
    process = stack.workers.pop(name)
    pool = psutil.Process(process.pid).children(recursive=True)
    assert pool, stack.log(name)  # -c 2: the prefork pool is up
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, stack.log(name)
    assert time.monotonic() - started < 15, stack.log(name)
    _, alive = psutil.wait_procs(pool, timeout=5)
    assert not alive, f"pool processes left: {alive}"


def test_a_killed_worker_s_step_is_redone_by_the_other(stack, instance, baseline, sandbox):
    onboard(instance, "survivor")
    sandbox.controls.configure("hubspot", {"latency_s": 2.0})  # raw_hubspot is mid-load
    try:
        process = stack.materialize("survivor", asset_keys())
        deadline = time.monotonic() + 600  # the orchestrator starts slowly on a busy box
        while (victim := step_worker(instance, "survivor", "raw_hubspot")) is None:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.2)
        time.sleep(1.0)  # its first pages are in flight
        stack.kill(victim)
    finally:
        sandbox.controls.configure("hubspot", {"latency_s": 0.0})
    finish(process, timeout=VISIBILITY_TIMEOUT * 2 + 600)
    run = latest_run(instance, "survivor")
    assert run.status == DagsterRunStatus.SUCCESS
    found = materialized(instance, run.run_id)
    (survivor,) = set(WORKERS) - {victim}
    assert worker_of(found["raw/hubspot/owners"]) == survivor
    assert canonical_rows(found) == baseline["canonical"]
    assert raw_rows(Settings.from_env(), "survivor") == baseline["raw"]


@pytest.mark.parametrize(
    ("variables", "named"),
    [({"WAREHOUSE_URL": ""}, "WAREHOUSE_URL"), ({"REDIS_URL": ""}, "REDIS_URL")],
)
def test_celery_mode_is_refused_in_one_line_without_its_services(
    variables, named, tmp_path, monkeypatch
):
    given = {
        "AUTONOMOS_HOME": str(tmp_path),
        "AUTONOMOS_EXECUTOR": "celery",
        "WAREHOUSE_URL": "postgresql://wh@127.0.0.1:1/wh",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        **variables,
    }
    worker = subprocess.run(
        [sys.executable, "-m", "autonomos_pipelines.cli", "worker"],
        env={**os.environ, "PYTHONPATH": str(ROOT), **given},
        capture_output=True,
        text=True,
    )
    assert worker.returncode == 2
    assert worker.stderr.count("\n") == 1, worker.stderr
    assert f"AUTONOMOS_EXECUTOR=celery needs {named}" in worker.stderr
    for name, value in given.items():  # loading the Definitions refuses it the same way
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"AUTONOMOS_EXECUTOR=celery needs {named}"):
        build_definitions()


def test_the_worker_names_what_it_serves_without_the_password():
    settings = Settings.from_values({"REDIS_URL": "redis://:hunter2@redis:6379/0"})
    from autonomos_pipelines.operations.workers import WorkerPlan, describe

    line = describe(WorkerPlan("w@h", ("ingest",), 4), settings)
    assert "hunter2" not in line and "ingest" in line and "redis:6379" in line
    assert json.dumps(line).count("\\n") == 0


def test_parallel_steps_create_a_tenant_schema_once(pg_root):
    """Canonical steps of one run on two workers both create the tenant's schema: the one
    that loses the race goes on instead of failing its step."""
    settings = Settings.from_values({"WAREHOUSE_URL": create_database(pg_root, "race")})
    store = Warehouse(settings)
    with store.session("acme") as first, store.session("acme") as second:
        first.replace_table("acme__canonical", "account", "SELECT 1 AS one")  # not committed
        errors: list[BaseException] = []
        built: list[int] = []

        def create() -> None:  # waits on the first one's schema until it commits
            try:
                built.append(second.replace_table("acme__canonical", "invoice", "SELECT 2"))
            except BaseException as error:  # the test thread reports it
                errors.append(error)

        racing = threading.Thread(target=create)
        racing.start()
        time.sleep(0.5)
        first.connection.commit()
        racing.join(10)
        assert not errors and not racing.is_alive() and built == [1]
