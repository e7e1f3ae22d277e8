"""HTTP lookups under load: `autonomos serve --workers 2` driven by locust, headless.

    PYTHONPATH=. .venv/bin/python bench/api_load.py [--duration 30] [--fields 20000]
        [--scenarios hot,cold,batch,health] [--no-write]        # appends to results.md

One embedded PostgreSQL with a fresh registry, one redis-server, one tenant seeded with
--fields active mappings (one connector, 50 fields per table), a token of an admin. Scenarios,
each for --duration seconds at a constant target rate (locust `constant_throughput` users):

  hot    1,000 lookups/s over 1,000 fields every worker has cached (goal p95 < 10 ms)
  cold   200 lookups/s, each of a field never asked before: one indexed query (p95 < 20 ms)
  batch  20 requests/s of 100 fields each, drawn from the cached 1,000
  health 1,000 GET /healthz/s: no auth, no database: the floor of uvicorn + FastAPI + locust

Locust shares the 2 cores with the server. Before the load, the costs of what one request
does are timed in this process, with nothing else running: the auth dependency's database
work, a hot and a cold lookup.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
import results_log
import stack

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autonomos_pipelines.core.audit import Actor  # noqa: E402
from autonomos_pipelines.core.settings import Settings  # noqa: E402
from autonomos_pipelines.core.tenant_id import TenantId  # noqa: E402
from autonomos_pipelines.dcl.model.canonical_model import canonical_model  # noqa: E402
from autonomos_pipelines.dcl.registry.bootstrap import open_registry  # noqa: E402
from autonomos_pipelines.dcl.registry.field_lookup import FieldLookup  # noqa: E402
from autonomos_pipelines.dcl.registry.field_query import find_active  # noqa: E402
from autonomos_pipelines.dcl.registry.identity import Identities  # noqa: E402
from autonomos_pipelines.dcl.registry.proposals import Proposal  # noqa: E402
from autonomos_pipelines.dcl.registry.refs import FieldRef  # noqa: E402
from autonomos_pipelines.dcl.registry.workflow import Workflow  # noqa: E402

TENANT = TenantId("bench")
CONNECTOR = "hubspot"
PER_TABLE = 50
HOT = 1000
LOCUSTFILE = Path(__file__).parent / "api_locustfile.py"
# scenario -> (target requests/s in all, locust users)
RATES = {"hot": (1000, 50), "cold": (200, 20), "batch": (20, 10), "health": (1000, 50)}


def seed(settings: Settings, fields: int) -> str:
    """The tenant, its active mappings, an admin's token (returned)."""
    registry = open_registry(settings)
    workflow = Workflow(registry)
    workflow.set_role("bench", "admin", "bench")
    registry.add_tenant(TENANT, {CONNECTOR: {}}, "bench")
    targets = [f"{e.name}.{f.name}" for e in canonical_model().values() for f in e.fields]
    proposals = [
        Proposal(
            FieldRef(TENANT, CONNECTOR, f"table_{n // PER_TABLE}", f"field_{n}"),
            targets[n % len(targets)],
            0.9,
            "manual",
            activate=True,
        )
        for n in range(fields)
    ]
    workflow.propose_many(proposals, "bench")
    return Identities(registry.engine).issue_token("bench", 1, Actor("bench")).token


def timed_ms(call, repeats: int) -> tuple[float, float]:  # noqa: ANN001
    """p50 and p95 of `call()` in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18]


def request_costs(settings: Settings, token: str, fields: int) -> dict[str, tuple[float, float]]:
    """What one lookup request does, piece by piece, in this process (no load)."""
    registry = open_registry(settings)
    identities = Identities(registry.engine)
    lookups = FieldLookup(registry)
    name = (CONNECTOR, "table_0", "field_0")
    lookups.get(TENANT, name)
    numbers = iter(range(HOT, fields))

    def auth() -> None:  # what a request whose token is not remembered yet costs
        identities.verify_api_token(token)
        registry.tenants()

    def cold() -> None:
        n = next(numbers)
        find_active(registry.engine, TENANT, (CONNECTOR, f"table_{n // PER_TABLE}", f"field_{n}"))

    return {
        "auth, token not remembered (token + role, tenant list)": timed_ms(auth, 1000),
        "cold lookup (one indexed query, tenant session)": timed_ms(cold, 1000),
        "hot lookup (per-worker cache)": timed_ms(lambda: lookups.get(TENANT, name), 10000),
    }


def warm(base: str, token: str) -> None:
    """Every worker caches the hot fields: batches on new connections, spread by the kernel."""
    fields = [
        {"connector": CONNECTOR, "table": f"table_{n // PER_TABLE}", "field": f"field_{n}"}
        for n in range(HOT)
    ]
    for _ in range(12):
        response = httpx.post(f"{base}/v1/tenants/{TENANT}/lookup", json={"fields": fields},
                              headers={"Authorization": f"Bearer {token}"}, timeout=30)  # fmt: skip
        response.raise_for_status()


def cpu_seconds(pid: int) -> float:
    try:
        tree = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for member in tree:
        try:
            times = member.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def start_server(command: list[str], env: dict, log: Path, token: str) -> tuple:
    """The server process and its base URL, ready, every worker's cache warm."""
    port = stack.free_port()
    server = stack.spawn([*command, "--port", str(port)], env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        check = lambda: httpx.get(f"{base}/readyz").status_code == 200  # noqa: E731
        stack.wait_for(check, " ".join(command[:4]), 120)
        warm(base, token)
    except BaseException:
        stack.stop(server)
        raise
    return server, base


def run_locust(label: str, base: str, env: dict, work: Path, args, server_pid: int) -> dict:  # noqa: ANN001
    """Scenario `label` (`hot`, or `hot@200` for another target rate) under locust."""
    scenario, _, asked_rate = label.partition("@")
    rate, users = RATES[scenario]
    if asked_rate:  # about 20 requests/s per user, as at the default rates
        rate, users = int(asked_rate), max(1, min(50, int(asked_rate) // 20))
    scenario_env = {
        **env,
        "BENCH_SCENARIO": scenario,
        "BENCH_USER_RATE": str(rate / users),
        "BENCH_FIELDS": str(args.fields),
        "BENCH_HOT": str(HOT),
        "BENCH_PER_TABLE": str(PER_TABLE),
        "BENCH_CONNECTOR": CONNECTOR,
        "BENCH_TENANT": TENANT,
    }
    prefix = work / label.replace("@", "_")
    command = [str(Path(sys.executable).with_name("locust")), "-f", str(LOCUSTFILE), "--headless",
               "-u", str(users), "-r", str(users), "-t", f"{args.duration}s", "--host", base,
               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
               "--stop-timeout", "5"]  # fmt: skip
    server_cpu = cpu_seconds(server_pid)
    locust_cpu = _children_cpu()
    started = time.monotonic()
    locust = subprocess.run(command, env=scenario_env, capture_output=True, text=True,
                            timeout=args.duration + 120)  # fmt: skip
    wall = time.monotonic() - started
    server_cpu = cpu_seconds(server_pid) - server_cpu
    locust_cpu = _children_cpu() - locust_cpu
    with Path(f"{prefix}_stats.csv").open() as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    if locust.returncode not in (0, 1):  # 1: some requests failed (reported, not fatal)
        raise SystemExit(f"locust failed: {locust.stderr[-2000:]}")
    return {
        "scenario": label,
        "target": rate,
        "users": users,
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": row["50%"],
        "p95": row["95%"],
        "p99": row["99%"],
        "server_cpu": server_cpu / wall,
        "locust_cpu": locust_cpu / wall,
        "locust_warned": "CPU usage" in locust.stderr,
    }


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (the locust runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(args, costs: dict, results: list[dict], load_before: float) -> list[str]:  # noqa: ANN001
    today = datetime.date.today().isoformat()
    lines = [
        "",
        f"## HTTP lookups under load — {today} ({platform.machine()}, nproc {os.cpu_count()}, "
        f"Python {platform.python_version()}, load average before {load_before:.1f})",
        "",
        f"`PYTHONPATH=. .venv/bin/python bench/api_load.py --duration {args.duration} "
        f"--fields {args.fields} --scenarios {args.scenarios}"
        + f"`: `autonomos serve --workers {args.workers}` with Redis, "
        "locust (FastHttpUser, headless) on the same 2 cores.",
        "",
        "| scenario | target req/s (users) | achieved req/s | requests | failures | p50 ms "
        "| p95 ms | p99 ms | server CPU (cores) | locust CPU (cores) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        warned = " (locust warned: CPU > 90 %)" if r["locust_warned"] else ""
        lines.append(
            f"| {r['scenario']} | {r['target']} ({r['users']}) | {r['rps']:.0f} | "
            f"{r['requests']} | {r['failures']} | {r['p50']} | {r['p95']} | {r['p99']} | "
            f"{r['server_cpu']:.2f} | "
            f"{r['locust_cpu']:.2f}{warned} |"
        )
    lines += ["", "In-process, no load (p50 / p95 ms):", ""]
    lines += [f"* {what}: {p50:.3f} / {p95:.3f}" for what, (p50, p95) in costs.items()]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--fields", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenarios", default="hot,cold,batch,health")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="apiload"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    postgres = stack.start_postgres(work)
    processes = []
    try:
        env["DATABASE_URL"] = stack.fresh_database(postgres.get_uri(), "autonomos")
        redis, env["REDIS_URL"] = stack.start_redis(env, work)
        processes.append(redis)
        env.update(AUTONOMOS_HOME=str(work / "home"), PYTHONPATH=str(ROOT))
        settings = Settings.from_values(env)
        token = seed(settings, args.fields)
        costs = request_costs(settings, token, args.fields)
        env["BENCH_TOKEN"] = token
        serve = [sys.executable, "-m", "autonomos_pipelines.cli", "serve",
                 "--workers", str(args.workers)]  # fmt: skip
        server, base = start_server(serve, env, work / "serve.log", token)
        processes.append(server)
        results = [
            run_locust(s, base, env, work, args, server.pid) for s in args.scenarios.split(",")
        ]
        stack.stop(server)
        lines = report(args, costs, results, load_before)
        print(results_log.append(lines) if not args.no_write else "\n".join(lines))
    finally:
        for process in reversed(processes):
            stack.stop(process)
        postgres.cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
