"""Scale-out: N tenants x M connectors refreshed by automation in production mode
(dagster-celery), once with one `autonomos worker` process and once with two.

    PYTHONPATH=. .venv/bin/python bench/scale_out.py [--tenants 10] [--connectors 15]
        [--workers 1,2] [--concurrency 1]                       # appends to results.md

Each round starts from empty databases on one embedded PostgreSQL (registry, PostgreSQL
warehouse, Dagster instance with the dagster.yaml the CLI writes: run queue, one run per
tenant, run monitoring), one redis-server and the sandbox; a `dagster-daemon run` on a
workspace that loads the sandbox Definitions, and K workers serving every queue. Every tenant
gets the same cron cadence, one tick a minute or two ahead; from then on nothing is launched
by the benchmark: the `tenant_refresh` sensor asks for each tenant's load, the daemon's run
queue launches it, its steps go to the workers through Redis, and the `tenant_automation`
sensor follows with the tenant's mappings and canonical tables (the drift observer is set to
one tick at start: its runs are not the refresh measured). The round ends when every tenant
run since the tick has ended and nothing new was launched for --quiet seconds. Reported: wall time
from the tick to the last run's end, per-tenant latency, step-seconds by kind, the workers
that executed steps and their CPU seconds.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
import results_log
import stack

ROOT = Path(__file__).resolve().parents[1]
TERMINAL = ("SUCCESS", "FAILURE", "CANCELED")
WORKSPACE = f"""\
load_from:
  - python_module:
      module_name: autonomos_pipelines.sandbox.definitions
      attribute: defs
      working_directory: {ROOT}
"""


def cpu_seconds(process) -> float:  # noqa: ANN001
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


def wait_ready(logs: list[Path], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not all(b" ready." in log.read_bytes() for log in logs):
        if time.monotonic() > deadline:
            raise SystemExit(f"workers not ready after {timeout:.0f} s: see {logs}")
        time.sleep(0.5)


def round_environment(services: dict, workers: int, home: Path) -> dict[str, str]:
    """Fresh registry, warehouse and Dagster databases; our dagster.yaml in DAGSTER_HOME."""
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.operations.instance import ensure_dagster_home

    os.environ.update(
        {
            "DATABASE_URL": stack.fresh_database(services["pg"], f"reg{workers}"),
            "WAREHOUSE_URL": stack.fresh_database(services["pg"], f"wh{workers}"),
            "DAGSTER_PG_URL": stack.fresh_database(services["pg"], f"dag{workers}"),
            "REDIS_URL": services["redis"],
            "DAGSTER_HOME": str(home / "dagster_home"),
            "AUTONOMOS_HOME": str(home / "home"),
            "AUTONOMOS_SANDBOX_URL": services["sandbox"],
            "AUTONOMOS_EXECUTOR": "celery",
            "AUTONOMOS_NO_LLM": "1",
            # the drift observer's runs are not the refresh being measured: one at start only
            "AUTONOMOS_OBSERVER_INTERVAL": "1000000",
        }
    )
    ensure_dagster_home(Settings.from_env())
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def start_workers(args, env: dict, count: int, home: Path) -> tuple[list, list[Path]]:  # noqa: ANN001
    processes, logs = [], []
    for number in range(count):
        log = home / f"worker{number}.log"
        worker_env = {**env, "AUTONOMOS_HOME": str(home / f"worker{number}")}
        command = [sys.executable, "-m", "autonomos_pipelines.cli", "worker",
                   "-c", str(args.concurrency), "--name", f"bench{number}@%h"]  # fmt: skip
        processes.append(stack.spawn(command, worker_env, log))
        logs.append(log)
    return processes, logs


def schedule_once(tenants: list[str], lead: float) -> datetime.datetime:
    """Give every tenant a daily cron whose next tick is the first minute at least ``lead``
    seconds away; that tick."""
    from autonomos_pipelines.core.cadence import Cadences
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.core.tenant_id import TenantId
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry

    now = datetime.datetime.now(datetime.UTC)
    tick = (now + datetime.timedelta(seconds=lead + 60)).replace(second=0, microsecond=0)
    cadences = Cadences(open_registry(Settings.from_env()).engine)
    for tenant in tenants:
        cadences.set(TenantId(tenant), f"{tick.minute} {tick.hour} * * *", "UTC", "bench")
    return tick


def wait_for_quiet(instance, tick: datetime.datetime, tenants: list[str], args) -> list:  # noqa: ANN001
    """The run records since ``tick`` once every one has ended, each tenant has a successful
    load, and nothing new started for ``args.quiet`` seconds (the automation had its say)."""
    from dagster import RunsFilter

    deadline = time.time() + args.timeout
    while time.time() < deadline:
        time.sleep(5)
        records = [  # tenant runs: loads and what automation launched after them
            r
            for r in instance.get_run_records(RunsFilter(created_after=tick))
            if "tenant" in r.dagster_run.tags
        ]
        if not records or any(r.dagster_run.status.value not in TERMINAL for r in records):
            continue
        loaded = {
            r.dagster_run.tags.get("tenant")
            for r in records
            if r.dagster_run.job_name == "load" and r.dagster_run.status.value == "SUCCESS"
        }
        last_end = max(r.end_time or 0 for r in records)
        if set(tenants) <= loaded and time.time() - last_end > args.quiet:
            return records
    raise SystemExit(f"runs still going {args.timeout:.0f} s after the tick")


def run_round(args, services: dict, workers: int, work: Path) -> dict:  # noqa: ANN001
    from dagster import DagsterInstance

    from autonomos_pipelines.core.database import dispose_engines
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry
    from autonomos_pipelines.operations.onboarding import onboard_tenant

    home = work / f"round{workers}"
    home.mkdir(parents=True)
    env = round_environment(services, workers, home)
    (home / "workspace.yaml").write_text(WORKSPACE)
    processes, logs = start_workers(args, env, workers, home)
    daemon_bin = str(Path(sys.executable).parent / "dagster-daemon")
    daemon = [daemon_bin, "run", "-w", str(home / "workspace.yaml")]
    processes.append(stack.spawn(daemon, env, home / "daemon.log"))
    try:
        connectors = sorted(_catalogue())[: args.connectors]
        tenants = [f"t{number:02d}" for number in range(args.tenants)]
        with DagsterInstance.get() as instance:
            registry = open_registry(Settings.from_env())
            for tenant in tenants:
                onboard_tenant(tenant, connectors, {}, registry, instance, "bench")
            wait_ready(logs)
            tick = schedule_once(tenants, args.lead)
            time.sleep(max(0.0, tick.timestamp() - time.time()))
            cpu_before = sum(cpu_seconds(p) for p in processes[:workers])
            records = wait_for_quiet(instance, tick, tenants, args)
            cpu_used = sum(cpu_seconds(p) for p in processes[:workers]) - cpu_before
            return summarise(instance, records, tick.timestamp(), cpu_used, workers)
    finally:
        for process in processes:
            stack.stop(process)
        dispose_engines()


def _catalogue() -> list[str]:
    from autonomos_pipelines.aam.specs.spec_loader import default_specs

    return list(default_specs())


def step_kind(step_key: str) -> str:
    if step_key.startswith("raw_"):
        return "ingest"
    return "mapping" if "field_mappings" in step_key else "build"


def step_workers(instance, run_id: str) -> set[str]:  # noqa: ANN001
    """The `autonomos worker` names in the run's materialisations (mapping_assets.step_worker)."""
    from dagster import DagsterEventType

    names = set()
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        metadata = entry.dagster_event.event_specific_data.materialization.metadata  # type: ignore[union-attr]
        if "worker" in metadata:
            names.add(str(metadata["worker"].value).split("@", 1)[0])
    return names


def summarise(instance, records: list, tick: float, cpu: float, workers: int) -> dict:  # noqa: ANN001
    kinds = {"ingest": 0.0, "mapping": 0.0, "build": 0.0}
    used: set[str] = set()
    for record in records:
        run_id = record.dagster_run.run_id
        for step in instance.get_run_step_stats(run_id):
            if step.start_time and step.end_time:
                kinds[step_kind(step.step_key)] += step.end_time - step.start_time
        used |= step_workers(instance, run_id)
    tenant_end: dict[str, float] = {}
    for record in records:
        tenant = record.dagster_run.tags.get("tenant", "?")
        tenant_end[tenant] = max(tenant_end.get(tenant, 0.0), record.end_time or tick)
    jobs: dict[str, list[int]] = {}
    for record in records:
        counts = jobs.setdefault(record.dagster_run.job_name, [0, 0])
        counts[0] += record.dagster_run.status.value == "SUCCESS"
        counts[1] += 1
    latencies = [end - tick for end in tenant_end.values()]
    return {
        "workers": workers,
        "wall": max(latencies),
        "tenant_median": statistics.median(latencies),
        "jobs": jobs,
        "steps": kinds,
        "used": len(used),
        "cpu": cpu,
    }


def start_services(work: Path) -> tuple[dict, list]:
    from autonomos_pipelines.sandbox.server import SandboxServer

    server = stack.start_postgres(work)
    sandbox = SandboxServer().start()
    redis, redis_url = stack.start_redis(dict(os.environ), work)
    services = {"pg": server.get_uri(), "sandbox": sandbox.url, "redis": redis_url}
    return services, [server.cleanup, sandbox.stop, lambda: stack.stop(redis)]


def report(args, rounds: list[dict], load_before: float) -> list[str]:  # noqa: ANN001
    memory = round(psutil.virtual_memory().total / 2**30)
    lines = [
        "",
        f"## Scale-out on Celery workers, refreshed by automation — {datetime.date.today()} "
        f"({platform.machine()}, {os.cpu_count()} cores, {memory} GB, load average before "
        f"{load_before:.1f})",
        "",
        f"`PYTHONPATH=. .venv/bin/python bench/scale_out.py --tenants {args.tenants} "
        f"--connectors {args.connectors} --workers {args.workers} --concurrency "
        f"{args.concurrency}`: every tenant on the same cron tick; the `tenant_refresh` sensor "
        "launches the loads, `tenant_automation` the mappings and canonical tables; the run "
        "queue admits 8 runs, one per tenant; steps on Celery worker processes.",
        "",
        "| workers | runs ok (by job) | tick → last run end | per tenant, median | ingest "
        "step-s | mapping step-s | build step-s | workers used | worker CPU s | CPU / step-s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rounds:
        steps = sum(r["steps"].values())
        jobs = ", ".join(
            f"{'automation' if job == '__ASSET_JOB' else job} {ok}/{n}"
            for job, (ok, n) in sorted(r["jobs"].items())
        )
        lines.append(
            f"| {r['workers']} | {jobs} | {r['wall']:.1f} s | {r['tenant_median']:.1f} s | "
            f"{r['steps']['ingest']:.0f} | {r['steps']['mapping']:.0f} | "
            f"{r['steps']['build']:.0f} | {r['used']} | {r['cpu']:.0f} | "
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
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--lead", type=float, default=45, help="seconds before the tick")
    parser.add_argument("--quiet", type=float, default=75, help="seconds with no new run")
    parser.add_argument("--timeout", type=float, default=5400)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="scaleout"))
    services, cleanups = start_services(work)
    try:
        rounds = [run_round(args, services, int(n), work) for n in args.workers.split(",")]
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
    print(results_log.append(report(args, rounds, load_before)))
    shutil.rmtree(work, ignore_errors=True)  # kept when a round failed: its logs are there


if __name__ == "__main__":
    main()
