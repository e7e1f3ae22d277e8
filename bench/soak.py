"""Soak: a small tenant run N times, each run hit by a random fault, each fault followed by a
recovery run; rows lost and rows duplicated against a clean run, and the time to recover.

    cd bench && ../.venv/bin/python soak.py [--runs 10] [--seed 16]   # -> results.md

Every run is `autonomos materialize soak` in its own process, on one registry (pgserver), one
sandbox and (for the Redis fault) one redis-server. The faults are the fault-injection
suite's (tests/test_fault_injection.py), dealt from a deck shuffled with the printed seed
(each once per eight runs), at a random moment:
kill -9 during the load or the canonical build, the registry's PostgreSQL stopped mid-run and
started again, Redis killed mid-run, a 5xx or 429 storm, a truncated page or an oversized
body on one connector. After the recovery run, every raw and canonical table is compared with
the clean tenant's: rows lost (fewer), rows duplicated (more, or rows beyond distinct keys).
Recovery time is the recovery run's wall time.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import results_log
from ingest import HOME, start_services

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.faults, shared helpers
from tests.faults import (  # noqa: E402
    CLI,
    Materialize,
    start_postgres,
    step_started,
    stop_postgres,
    warehouse_counts,
)

CONNECTORS = ["pipedrive", "stripe"]
ENTITIES = ["account", "contact", "invoice", "opportunity", "payment", "subscription"]
FAULTS = [
    "kill_load",
    "kill_canonical",
    "registry_down",
    "redis_down",
    "storm_5xx",
    "storm_429",
    "truncated",
    "oversized",
]


def onboard(tenant: str) -> None:
    subprocess.run(
        [*CLI, "tenants", "add", tenant, "--connectors", ",".join(CONNECTORS)], check=True
    )


def materialize(tenant: str, env: dict[str, str] | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    run = Materialize(tenant, env)
    return run.finish(), time.perf_counter() - started


def start_redis() -> tuple[subprocess.Popen, str] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def inject(fault: str, rng: random.Random, sandbox, server) -> str:  # type: ignore[no-untyped-def]
    """Run the tenant once under `fault`; returns what exactly was done."""
    connector = rng.choice(CONNECTORS)
    controls = sandbox.controls
    if fault in ("kill_load", "registry_down", "redis_down"):
        controls.configure(connector, {"latency_s": 0.2})
        env = dict(os.environ)
        redis = start_redis() if fault == "redis_down" else None
        if redis:
            env["REDIS_URL"] = redis[1]
        run = Materialize("soak", env)
        run.wait_for(step_started(f"raw_{connector}"))
        delay = rng.uniform(0, 2)
        time.sleep(delay)
        if fault == "kill_load":
            run.kill()
        elif fault == "registry_down":
            stop_postgres(server)
            run.finish(240)
            start_postgres(server)
        elif redis:
            redis[0].kill()
            redis[0].wait()
            run.finish()
        controls.reset()
        return f"{fault} ({connector}, {delay:.1f} s into its load)"
    if fault == "kill_canonical":
        entity = rng.choice(ENTITIES)
        run = Materialize("soak")
        run.wait_for(step_started(f"canonical__{entity}"))
        run.kill()
        return f"{fault} (at canonical/{entity})"
    behaviour, env = {
        "storm_5xx": ({"failure_rate": 1.0, "fail_status": rng.choice([500, 502, 503])}, {}),
        "storm_429": ({"failure_rate": 1.0, "fail_status": 429}, {}),
        "truncated": ({"corrupt_after": rng.randint(0, 2)}, {}),
        "oversized": ({"pad_bytes": 300_000}, {"AUTONOMOS_MAX_RESPONSE_MB": "0.25"}),
    }[fault]
    controls.configure(connector, behaviour)
    materialize("soak", {**os.environ, **env})
    controls.reset()
    return f"{fault} ({connector}, {behaviour})"


def compare(clean: dict[str, int]) -> tuple[int, int]:
    """(rows lost, rows duplicated) of the soak tenant against the clean one."""
    rows, beyond_keys = warehouse_counts(HOME / "home" / "warehouse" / "soak.duckdb")
    lost = sum(max(0, n - rows.get(table, 0)) for table, n in clean.items())
    extra = sum(max(0, n - clean.get(table, 0)) for table, n in rows.items())
    return lost, extra + sum(beyond_keys.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    print(f"seed {args.seed}", flush=True)
    server, sandbox = start_services()  # type: ignore[misc]
    rng = random.Random(args.seed)
    # a shuffled deck, not independent draws: every fault comes once per len(FAULTS) runs
    rounds = -(-args.runs // len(FAULTS))
    deck = [fault for _ in range(rounds) for fault in rng.sample(FAULTS, len(FAULTS))]
    onboard("clean")
    onboard("soak")
    assert materialize("clean")[0] == 0, "the clean run failed"
    clean = warehouse_counts(HOME / "home" / "warehouse" / "clean.duckdb")[0]
    log, recoveries, lost_total, duplicated_total = [], [], 0, 0
    for number in range(1, args.runs + 1):
        what = inject(deck[number - 1], rng, sandbox, server)
        code, seconds = materialize("soak")
        lost, duplicated = compare(clean)
        recoveries.append(seconds)
        lost_total, duplicated_total = lost_total + lost, duplicated_total + duplicated
        line = f"| {number} | {what} | {code} | {seconds:.1f} s | {lost} | {duplicated} |"
        print(line, flush=True)
        log.append(line)
    median, worst = statistics.median(recoveries), max(recoveries)
    section = results_log.append(
        [
            f"\n## Soak: random faults and recovery — {datetime.date.today()} "
            f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})",
            "",
            f"`cd bench && ../.venv/bin/python soak.py --runs {args.runs} --seed {args.seed}`: "
            f"tenant with {', '.join(CONNECTORS)}; each fault run is followed by one recovery "
            "run, then every raw and canonical table is compared with a clean tenant's.",
            "",
            "| # | fault | recovery exit code | recovery run | rows lost | rows duplicated |",
            "|---:|---|---:|---:|---:|---:|",
            *log,
            "",
            f"Rows lost **{lost_total}**, rows duplicated **{duplicated_total}** (both must be "
            f"0); recovery run median {median:.1f} s, max {worst:.1f} s.",
        ]
    )
    print(section)


if __name__ == "__main__":
    main()
