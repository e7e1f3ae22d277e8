"""Drift observer capacity: connectors observed per minute with one and with two dagster-celery
workers, against the sandbox serving 34 tenants x 15 catalogue connectors (510 instances).

    cd bench && PYTHONPATH=.. ../.venv/bin/python observer_capacity.py [--tenants 34] [--repeats 3]

Everything is real and local: PostgreSQL (pgserver; the registry and a `dagster` database for
the instance's run, event-log and schedule storage, shared by every process), a redis-server
as Celery broker and result backend, the sandbox in its own process, Celery workers started
with `celery -A dagster_celery.app worker` (concurrency 1 each). Each pass: the
schema_observer sensor plans the observe runs; each run is executed like a run worker would,
one process per run (all at once, as the run queue allows 8), with dagster-celery's executor,
so its steps (one per connector batch) go to whichever worker is free. A first pass records the
baseline schemas and is not counted.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import results_log
import stack

from autonomos_pipelines.asset_graph.queues import QUEUES

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable


def services(work: Path, processes: list) -> dict:  # type: ignore[type-arg]
    """pgserver, redis-server and the sandbox; returns the environment every process gets."""
    pg = stack.start_postgres(work)
    root = pg.get_uri()
    stack.fresh_database(root, "dagster")
    redis, broker = stack.start_redis(dict(os.environ), work)
    processes.append(redis)
    sandbox_port = stack.free_port()
    home, dagster_home, conf = work / "home", work / "dagster_home", work / "celeryconf"
    for folder in (home, dagster_home, conf):
        folder.mkdir(parents=True)
    # psycopg2: Dagster's NOTIFY binds its channel payload client-side
    dagster_url = root.replace("/postgres?", "/dagster?")
    dagster_url = dagster_url.replace("postgresql://", "postgresql+psycopg2://", 1)
    (dagster_home / "dagster.yaml").write_text(
        f"storage:\n  postgres:\n    postgres_url: {json.dumps(dagster_url)}\n"
        "telemetry:\n  enabled: false\n"
    )
    (conf / "dagster_celery_config.py").write_text(
        f"broker_url = {broker!r}\nresult_backend = {broker!r}\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": root,
        "AUTONOMOS_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "AUTONOMOS_SANDBOX_URL": f"http://127.0.0.1:{sandbox_port}",
        "REDIS_URL": "",
        "BENCH_CELERY_BROKER": broker,
        "RUNTIME__LOG_LEVEL": "ERROR",
        "AUTONOMOS_NO_LLM": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH), str(conf)]),
    }
    sandbox = stack.spawn(
        [PYTHON, "-m", "autonomos_pipelines.cli", "sandbox", "serve", "--port", str(sandbox_port)],
        env,
        work / "sandbox.log",
    )
    processes.append(sandbox)
    stack.wait_for(
        lambda: urllib.request.urlopen(env["AUTONOMOS_SANDBOX_URL"] + "/_sandbox/stats"),
        "the sandbox",
    )
    env["BENCH_SANDBOX_PID"] = str(sandbox.pid)
    return env


def onboard(env: dict, tenants: int) -> int:
    os.environ.update(env)
    from dagster import DagsterInstance

    from autonomos_pipelines.aam.specs.spec_loader import default_specs
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry
    from autonomos_pipelines.operations.onboarding import onboard_tenant

    registry, names = open_registry(Settings.from_env()), sorted(default_specs())
    with DagsterInstance.get() as instance:
        for number in range(tenants):
            onboard_tenant(f"t{number:02d}", names, {}, registry, instance, "bench")
    return tenants * len(names)


def plan(cursor: str | None) -> tuple[list[dict], str]:
    """One evaluation of the schema_observer sensor: the observe runs it asks for."""
    from dagster import DagsterInstance, build_sensor_context

    from autonomos_pipelines.sandbox.definitions import sandbox_resources
    from mapping_assets.raw.observer_sensor import schema_observer

    resources = sandbox_resources()
    with (
        DagsterInstance.get() as instance,
        build_sensor_context(
            instance=instance,
            cursor=cursor,
            resources={name: resources[name] for name in ("registry", "connectors")},
        ) as context,
    ):
        result = schema_observer(context)
    runs = [
        {"run_config": r.run_config, "tags": r.tags}
        for r in result.run_requests or []
        if r.job_name == "observe"
    ]
    return runs, result.cursor or ""


def execute_one(request: dict, executor: str) -> dict:
    """What a run worker does with one observe run (called in a process of its own)."""
    import observer_location
    from dagster import DagsterEventType, DagsterInstance, execute_job, reconstructable

    target = (
        observer_location.celery_observe
        if executor == "celery"
        else (observer_location.local_observe)
    )
    with DagsterInstance.get() as instance:
        result = execute_job(
            reconstructable(target),
            instance,
            run_config=request["run_config"],
            tags=request["tags"],
        )
        steps = [
            {
                k: getattr(v, "value", v)
                for k, v in e.dagster_event.event_specific_data.metadata.items()
            }  # type: ignore[union-attr]
            for e in instance.all_logs(result.run_id, of_type=DagsterEventType.STEP_OUTPUT)
            if e.dagster_event.step_key.startswith("observe_batch[")  # type: ignore[union-attr]
        ]
    return {"success": result.success, "steps": steps}


def execute(requests: list[dict], env: dict, executor: str, work: Path) -> tuple[float, list]:
    """Every planned run in a process of its own, all at once; wall seconds and the steps."""
    started, running = time.monotonic(), []
    for number, request in enumerate(requests):
        spec = work / f"run{number}.json"
        spec.write_text(json.dumps(request))
        running.append(
            (
                spec,
                subprocess.Popen(
                    [
                        PYTHON,
                        str(BENCH / "observer_capacity.py"),
                        "--run",
                        str(spec),
                        "--executor",
                        executor,
                    ],
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    outcomes = [
        json.loads(process.communicate()[0].strip().splitlines()[-1]) for _, process in running
    ]
    wall = time.monotonic() - started
    if not all(o["success"] for o in outcomes):
        raise SystemExit("an observe run failed; see the Dagster event log")
    return wall, [step for o in outcomes for step in o["steps"]]


def start_workers(count: int, env: dict, work: Path) -> list[subprocess.Popen]:
    workers = [
        stack.spawn(
            [
                str(Path(PYTHON).parent / "celery"),
                "-A",
                "dagster_celery.app",
                "worker",
                "-Q",
                ",".join(QUEUES),  # observe batches go to `ingest`
                "--concurrency=1",
                "--prefetch-multiplier=1",
                "-n",
                f"bench{i}@%h",
                "-l",
                "WARNING",
            ],
            env,
            work / f"worker{count}_{i}.log",
        )
        for i in range(count)
    ]
    from celery import Celery

    app = Celery(broker=env["BENCH_CELERY_BROKER"], backend=env["BENCH_CELERY_BROKER"])
    stack.wait_for(lambda: len(app.control.ping(timeout=1)) >= count, f"{count} workers", 120)
    return workers


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sandbox_requests(env: dict) -> int:
    with urllib.request.urlopen(env["AUTONOMOS_SANDBOX_URL"] + "/_sandbox/stats") as reply:
        return sum(json.load(reply)["requests"].values())


def run_overhead(env: dict, work: Path, repeats: int) -> tuple[float, float]:
    """An observe run with nothing to observe, in a process of its own: wall and CPU."""
    empty = {
        "run_config": {"ops": {"observe_batches": {"config": {"batches": []}}}},
        "tags": {"observe_shard": "empty"},
    }
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(execute([empty], env, "in_process", work)[0])
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def measure(args: argparse.Namespace) -> None:
    work, processes = Path(tempfile.mkdtemp(prefix="obscap")), []
    try:
        env = services(work, processes)
        connectors = onboard(env, args.tenants)
        overhead_wall, overhead_cpu = run_overhead(env, work, args.repeats)
        figures, cursor, steps_seen = {}, None, []
        for count in (2, 1, 2) if not args.skip_warmup else (1, 2):
            workers = start_workers(count, env, work)
            try:
                if not args.skip_warmup and "warm" not in figures:  # the baseline, not counted
                    requests, cursor = plan(cursor)
                    figures["warm"] = [execute(requests, env, "celery", work)[0]]
                    continue
                figures[count] = []
                for _ in range(args.repeats):
                    requests, cursor = plan(cursor)
                    sandbox_cpu, served = (
                        process_cpu(int(env["BENCH_SANDBOX_PID"])),
                        (sandbox_requests(env)),
                    )
                    wall, steps = execute(requests, env, "celery", work)
                    figures[count].append(
                        {
                            "wall": wall,
                            "runs": len(requests),
                            "steps": len(steps),
                            "workers": len({s["worker"] for s in steps}),
                            "observed": sum(s["observed"] for s in steps),
                            "failed": sum(s["failed"] for s in steps),
                            "sandbox_cpu": process_cpu(int(env["BENCH_SANDBOX_PID"])) - sandbox_cpu,
                            "requests": sandbox_requests(env) - served,
                        }
                    )
                    steps_seen += steps
            finally:
                for worker in workers:
                    stack.stop(worker)
        report(args, connectors, figures, steps_seen, overhead_wall, overhead_cpu)
    finally:
        for process in reversed(processes):
            stack.stop(process)
        shutil.rmtree(work, ignore_errors=True)


def report(args, connectors, figures, steps, overhead_wall, overhead_cpu) -> None:  # type: ignore[no-untyped-def]
    per_wall = statistics.median(s["seconds"] / s["observed"] for s in steps if s["observed"])
    per_cpu = statistics.median(s["cpu_seconds"] / s["observed"] for s in steps if s["observed"])
    rate = {
        n: statistics.median(60 * p["observed"] / p["wall"] for p in figures[n]) for n in (1, 2)
    }
    passes = [p for n in (1, 2) for p in figures[n]]
    served = sum(p["requests"] for p in passes) / max(sum(p["sandbox_cpu"] for p in passes), 1e-9)
    needed = 1000 * per_wall / 60
    load = os.getloadavg()[0]
    lines = [
        f"\n## Drift observer capacity — {datetime.date.today()} "
        f"({platform.machine()}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"load average {load:.1f} at the end)\n",
        f"`cd bench && PYTHONPATH=.. ../.venv/bin/python observer_capacity.py --tenants "
        f"{args.tenants} --repeats {args.repeats}`: {connectors} tenant x connector instances "
        f"on one sandbox; the schema_observer sensor plans observe runs (AUTONOMOS_OBSERVE_BATCH "
        f"15 per step, AUTONOMOS_OBSERVE_SHARD 150 per run); each run in a process of its own "
        f"with dagster-celery's executor on Redis, Dagster instance on PostgreSQL.\n",
        "| workers | pass wall (median) | connectors / min (median) | runs / steps | "
        "workers used | failed | passes |",
        "|---:|---:|---:|---|---:|---:|---|",
    ]
    for n in (1, 2):
        p = figures[n]
        lines.append(
            f"| {n} | {statistics.median(x['wall'] for x in p):.1f} s | {rate[n]:.0f} | "
            f"{p[0]['runs']} / {p[0]['steps']} | {max(x['workers'] for x in p)} | "
            f"{max(x['failed'] for x in p)} | " + ", ".join(f"{x['wall']:.1f} s" for x in p) + " |"
        )
    lines += [
        "",
        f"* two workers / one: **{rate[2] / rate[1]:.2f}x** connectors per minute.",
        f"* per connector, inside the worker (median over batches): **{per_wall * 1000:.0f} ms "
        f"wall, {per_cpu * 1000:.0f} ms CPU**.",
        f"* per observe run, an empty one in its own process (what a run worker costs the "
        f"launching machine): **{overhead_wall:.1f} s wall, {overhead_cpu:.1f} s CPU** "
        f"(median of {args.repeats}).",
        f"* the sandbox served {served:.0f} requests per CPU-second of its process "
        f"({sum(p['requests'] for p in passes) // len(passes)} requests per pass, "
        f"{statistics.median(p['sandbox_cpu'] / p['wall'] for p in passes):.0%} of one core "
        f"during a pass): not the bottleneck.",
        f"* 1,000 connectors within one 60 s interval: 1,000 x {per_wall:.3f} s = "
        f"{1000 * per_wall:.0f} worker-seconds per interval / 60 s = {needed:.1f} -> "
        f"**{int(-(-needed // 1))} workers** busy the whole interval (each on a core of its own); "
        f"with the orchestration of ceil(1,000 / 150) = 7 runs x {overhead_cpu:.1f} s CPU on the "
        f"launching machine.",
    ]
    print(results_log.append(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=34)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-warmup", action="store_true")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--executor", default="celery", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(execute_one(json.loads(Path(args.run).read_text()), args.executor)))
        return
    measure(args)


if __name__ == "__main__":
    main()
