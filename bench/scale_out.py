"""Scale-out: N tenants x M connectors refreshed in production mode (dagster-celery), once
with one `autonomos worker` process and once with two.

    PYTHONPATH=. .venv/bin/python bench/scale_out.py [--tenants 10] [--connectors 15]
        [--workers 1,2] [--concurrency 2] [--max-runs 4]       # appends to results.md

Each round starts from empty databases on one pgserver (registry, PostgreSQL warehouse,
Dagster instance), one redis-server and the sandbox; a `dagster-daemon run` on a workspace
that loads the sandbox Definitions, and K workers. Every tenant's refresh is submitted to
the instance's run queue (:func:`trigger_refresh`; swap it for the automation trigger); the
daemon launches the runs (one per tenant, at most --max-runs at once) and their steps go to
the workers through Redis. Reported: wall time from the first submission to the last run's
end, median run time, step-seconds by kind, and the workers' CPU seconds (CPU-bound share).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg
import results_log

ROOT = Path(__file__).resolve().parents[1]
JOB = "__ASSET_JOB"
TERMINAL = ("SUCCESS", "FAILURE", "CANCELED")
DAGSTER_YAML = """\
storage:
  postgres:
    postgres_url: "{url}"
run_queue:
  max_concurrent_runs: {max_runs}
  tag_concurrency_limits:
    - key: "tenant"
      value:
        applyLimitPerUniqueValue: true
      limit: 1
telemetry:
  enabled: false
"""
WORKSPACE = f"""\
load_from:
  - python_module:
      module_name: autonomos_pipelines.sandbox.definitions
      attribute: defs
      working_directory: {ROOT}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database(root: str, name: str) -> str:
    with psycopg.connect(root, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return root.replace("/postgres?", f"/{name}?")


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    """The process and everything it started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time of a process and its live children (the Celery pool)."""
    try:
        parent = psutil.Process(process.pid)
        tree = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for member in tree:
        try:
            times = member.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            continue
    return total


def trigger_refresh(instance, workspace, tenant: str) -> str:  # noqa: ANN001
    """Submit one refresh of ``tenant`` to the run queue (the daemon launches it). The one
    place to switch to the per-tenant automation trigger."""
    from dagster._cli.workspace.cli_target import (
        get_code_location_from_workspace,
        get_remote_job_from_remote_repo,
        get_remote_repository_from_code_location,
    )
    from dagster._core.definitions.selector import JobSubsetSelector

    location = get_code_location_from_workspace(workspace, None)
    repo = get_remote_repository_from_code_location(location, None)
    remote_job = get_remote_job_from_remote_repo(repo, JOB)
    selector = JobSubsetSelector(
        location_name=location.name, repository_name=repo.name, job_name=JOB, op_selection=None
    )
    remote_job = location.get_job(selector)
    plan = location.get_execution_plan(remote_job, {}, None, None, instance=instance)
    run = instance.create_run(
        job_name=JOB, run_id=None, run_config={}, resolved_op_selection=None,
        step_keys_to_execute=None, op_selection=None, status=None, root_run_id=None,
        parent_run_id=None, tags={"dagster/partition": tenant, "tenant": tenant},
        job_snapshot=remote_job.job_snapshot,
        execution_plan_snapshot=plan.execution_plan_snapshot,
        parent_job_snapshot=remote_job.parent_job_snapshot,
        remote_job_origin=remote_job.get_remote_origin(),
        job_code_origin=remote_job.get_python_origin(), asset_selection=None,
        asset_check_selection=None, asset_graph=repo.asset_graph,
    )  # fmt: skip
    instance.submit_run(run.run_id, workspace)
    return run.run_id


def wait_ready(logs: list[Path], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not all(b" ready." in log.read_bytes() for log in logs):
        if time.monotonic() > deadline:
            raise SystemExit(f"workers not ready after {timeout:.0f} s: see {logs}")
        time.sleep(0.5)


def run_round(args, services: dict, workers: int, work: Path) -> dict:  # noqa: ANN001
    from dagster import DagsterInstance, RunsFilter
    from dagster._cli.workspace.cli_target import WorkspaceOpts, get_workspace_from_cli_opts

    from autonomos_pipelines.core.database import dispose_engines
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry
    from autonomos_pipelines.operations.onboarding import onboard_tenant

    home = work / f"round{workers}"
    (home / "dagster_home").mkdir(parents=True)
    dagster_url = database(services["pg"], f"dag{workers}").replace(
        "postgresql://", "postgresql+psycopg2://", 1
    )
    (home / "dagster_home" / "dagster.yaml").write_text(
        DAGSTER_YAML.format(url=dagster_url, max_runs=args.max_runs)
    )
    (home / "workspace.yaml").write_text(WORKSPACE)
    variables = {
        "DATABASE_URL": database(services["pg"], f"reg{workers}"),
        "WAREHOUSE_URL": database(services["pg"], f"wh{workers}"),
        "REDIS_URL": services["redis"],
        "DAGSTER_HOME": str(home / "dagster_home"),
        "AUTONOMOS_HOME": str(home / "home"),
        "AUTONOMOS_SANDBOX_URL": services["sandbox"],
        "AUTONOMOS_EXECUTOR": "celery",
        "AUTONOMOS_NO_LLM": "1",
    }
    os.environ.update(variables)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = []
    try:
        logs = []
        for number in range(workers):
            log = home / f"worker{number}.log"
            worker_env = {**env, "AUTONOMOS_HOME": str(home / f"worker{number}")}
            command = [sys.executable, "-m", "autonomos_pipelines.cli", "worker",
                       "-c", str(args.concurrency), "--name", f"bench{number}@%h"]  # fmt: skip
            processes.append(spawn(command, worker_env, log))
            logs.append(log)
        daemon_bin = str(Path(sys.executable).parent / "dagster-daemon")
        command = [daemon_bin, "run", "-w", str(home / "workspace.yaml")]
        daemon = spawn(command, env, home / "daemon.log")
        connectors = sorted(_catalogue())[: args.connectors]
        tenants = [f"t{number:02d}" for number in range(args.tenants)]
        with DagsterInstance.get() as instance:
            registry = open_registry(Settings.from_env())
            for tenant in tenants:
                onboard_tenant(tenant, connectors, {}, registry, instance, "bench")
            wait_ready(logs)
            opts = WorkspaceOpts(workspace=[str(home / "workspace.yaml")])
            with get_workspace_from_cli_opts(instance, "bench", opts) as workspace:
                cpu_before = sum(cpu_seconds(p) for p in processes)
                started = time.time()
                run_ids = [trigger_refresh(instance, workspace, t) for t in tenants]
                while True:
                    runs = instance.get_runs(RunsFilter(run_ids=run_ids))
                    if all(run.status.value in TERMINAL for run in runs):
                        break
                    time.sleep(1)
                cpu_used = sum(cpu_seconds(p) for p in processes) - cpu_before
            return summarise(instance, run_ids, started, cpu_used, workers)
    finally:
        for process in [*processes, locals().get("daemon")]:
            if process is not None:
                stop(process)
        dispose_engines()


def _catalogue() -> list[str]:
    from autonomos_pipelines.aam.specs.spec_loader import default_specs

    return list(default_specs())


def summarise(instance, run_ids: list[str], started: float, cpu: float, workers: int) -> dict:  # noqa: ANN001
    from dagster import RunsFilter

    records = instance.get_run_records(RunsFilter(run_ids=run_ids))
    durations = [r.end_time - r.start_time for r in records if r.start_time and r.end_time]
    kinds = {"ingest": 0.0, "mapping": 0.0, "build": 0.0}
    for run_id in run_ids:
        for step in instance.get_run_step_stats(run_id):
            if step.start_time and step.end_time:
                kind = ("ingest" if step.step_key.startswith("raw_") else
                        "mapping" if "field_mappings" in step.step_key else "build")  # fmt: skip
                kinds[kind] += step.end_time - step.start_time
    return {
        "workers": workers,
        "wall": max(r.end_time or started for r in records) - started,
        "median_run": statistics.median(durations) if durations else float("nan"),
        "succeeded": sum(r.dagster_run.status.value == "SUCCESS" for r in records),
        "runs": len(records),
        "steps": kinds,
        "cpu": cpu,
    }


def start_services(work: Path) -> tuple[dict, list]:
    import pgserver

    from autonomos_pipelines.sandbox.server import SandboxServer

    server = pgserver.get_server(work / "pg", cleanup_mode="stop")
    sandbox = SandboxServer().start()
    port = free_port()
    redis = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    services = {"pg": server.get_uri(), "sandbox": sandbox.url}
    services["redis"] = f"redis://127.0.0.1:{port}/0"
    return services, [server.cleanup, sandbox.stop, redis.terminate]


def report(args, rounds: list[dict]) -> list[str]:  # noqa: ANN001
    memory = round(psutil.virtual_memory().total / 2**30)
    lines = [
        "",
        f"## Scale-out on Celery workers — {datetime.date.today()} ({platform.machine()}, "
        f"{os.cpu_count()} cores, {memory} GB, load average before "
        f"{os.getloadavg()[0]:.1f})",
        "",
        f"`PYTHONPATH=. .venv/bin/python bench/scale_out.py --tenants {args.tenants} "
        f"--connectors {args.connectors} --workers {args.workers} --concurrency "
        f"{args.concurrency} --max-runs {args.max_runs}`: every tenant's refresh submitted to "
        "the run queue at once, a daemon launching them, steps on Celery worker processes.",
        "",
        "| workers | runs ok | wall, all tenants | median run | ingest step-s | mapping "
        "step-s | build step-s | worker CPU s | CPU / step-s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rounds:
        steps = sum(r["steps"].values())
        lines.append(
            f"| {r['workers']} | {r['succeeded']}/{r['runs']} | {r['wall']:.1f} s | "
            f"{r['median_run']:.1f} s | {r['steps']['ingest']:.0f} | {r['steps']['mapping']:.0f}"
            f" | {r['steps']['build']:.0f} | {r['cpu']:.0f} | "
            f"{r['cpu'] / steps if steps else 0:.2f} |"
        )
    if len(rounds) >= 2:
        ratio = rounds[1]["wall"] / rounds[0]["wall"]
        lines += ["", f"Wall time {rounds[1]['workers']} workers / {rounds[0]['workers']}: "
                  f"**{ratio:.2f}**."]  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--connectors", type=int, default=15)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--max-runs", type=int, default=4)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scaleout"))
    services, cleanups = start_services(work)
    try:
        rounds = [run_round(args, services, int(n), work) for n in args.workers.split(",")]
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
        shutil.rmtree(work, ignore_errors=True)
    print(results_log.append(report(args, rounds)))


if __name__ == "__main__":
    main()
