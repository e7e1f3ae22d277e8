"""Tenants side by side: 10 tenants loaded concurrently against 10 loaded one after another,
and one tenant's latency next to a noisy neighbour held at its api_calls_per_minute quota.

    cd bench && ../.venv/bin/python tenants.py [--tenants 10] [--repeats 3]   # -> results.md

Every run is `autonomos materialize TENANT` in its own process, as the daemon's run workers
start them, on one registry (pgserver), one sandbox and one Dagster instance. Each tenant is
fresh and has the same three connectors (stripe, hubspot, pipedrive): every run is the same
first load, so the concurrent total against the serial total is the scaling figure (2 cores
here: 10 runs cannot all progress at once; "linear in work" means concurrent total <= serial
total). The noisy neighbour runs all 15 connectors with api_calls_per_minute set to 120, so
the whole of its run is throttled at its quota; the quiet tenant's run time alone and beside
it are compared (medians).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import results_log
from ingest import HOME, start_services

CONNECTORS = ["stripe", "hubspot", "pipedrive"]
CLI = [str(Path(sys.executable).with_name("autonomos"))]
NOISY_QUOTA = 120


def onboard(tenants: dict[str, list[str]]) -> None:
    from autonomos_pipelines.core.quotas import Quotas
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry
    from autonomos_pipelines.operations.instance import get_instance
    from autonomos_pipelines.operations.onboarding import onboard_tenant

    settings = Settings.from_env()
    registry = open_registry(settings)
    for tenant, connectors in tenants.items():
        onboard_tenant(tenant, connectors, {}, registry, get_instance(settings), "bench")
    if "noisy" in tenants:
        Quotas(registry.engine).set("noisy", "api_calls_per_minute", NOISY_QUOTA, "bench")


def start(tenant: str) -> tuple[subprocess.Popen, float]:
    process = subprocess.Popen(
        [*CLI, "materialize", tenant], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return process, time.perf_counter()


def finish(process: subprocess.Popen, started: float, tenant: str) -> float:
    output, _ = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{tenant} failed:\n{output[-3000:]}")
    return elapsed


def run_all(tenants: list[str], concurrently: bool) -> tuple[float, list[float]]:
    """(wall time of the whole batch, each run's own wall time)."""
    began = time.perf_counter()
    if concurrently:
        running = [(tenant, *start(tenant)) for tenant in tenants]
        each = [finish(process, t0, tenant) for tenant, process, t0 in running]
    else:
        each = [finish(*start(tenant), tenant) for tenant in tenants]
    return time.perf_counter() - began, each


def noisy_neighbour(repeats: int) -> tuple[list[float], list[float], float]:
    """(quiet alone, quiet beside the neighbour, the neighbour's API calls per minute)."""
    alone, beside, noisy_seconds = [], [], 0.0
    for _ in range(repeats):
        alone.append(finish(*start("quiet"), "quiet"))
        noisy, noisy_started = start("noisy")
        time.sleep(5)  # the neighbour is past its start-up and drawing on its quota
        beside.append(finish(*start("quiet"), "quiet"))
        noisy.kill()  # mid-load: a SIGTERM waits for dlt's extract threads
        noisy.wait()
        noisy_seconds += time.perf_counter() - noisy_started
    return alone, beside, api_calls("noisy") / noisy_seconds * 60


def api_calls(tenant: str) -> float:
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.core.usage import UsageMeter

    return UsageMeter.for_settings(Settings.from_env()).totals(tenant, 1)[tenant]["api_calls"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    services = start_services()  # noqa: F841 (kept alive until the end)
    os.environ["DAGSTER_HOME"] = str(HOME / "dagster")
    from autonomos_pipelines.aam.specs.spec_loader import default_specs

    # fresh tenants on both sides: every run is a first load of the same three connectors
    serial = [f"s{i:02d}" for i in range(args.tenants)]
    concurrent = [f"c{i:02d}" for i in range(args.tenants)]
    everything = list(default_specs())
    onboard(
        {t: CONNECTORS for t in ["warm", *serial, *concurrent]}
        | {"quiet": CONNECTORS, "noisy": everything}
    )
    finish(*start("warm"), "warm")  # the shared caches: baseline corpus, compiled code
    serial_total, serial_each = run_all(serial, concurrently=False)
    concurrent_total, concurrent_each = run_all(concurrent, concurrently=True)
    finish(*start("quiet"), "quiet")  # its first load, so every timed quiet run is alike
    alone, beside, noisy_rate = noisy_neighbour(args.repeats)
    median = statistics.median
    section = results_log.append(
        [
            f"\n## Tenants side by side — {datetime.date.today()} "
            f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})",
            "",
            f"`cd bench && ../.venv/bin/python tenants.py --tenants {args.tenants} "
            f"--repeats {args.repeats}`: each run is `autonomos materialize T` in its own "
            f"process; every tenant has {', '.join(CONNECTORS)}.",
            "",
            "| | total wall time | per run: median | per run: max |",
            "|---|---:|---:|---:|",
            f"| {args.tenants} tenants one after another | {serial_total:.1f} s "
            f"| {median(serial_each):.1f} s | {max(serial_each):.1f} s |",
            f"| {args.tenants} tenants at once | {concurrent_total:.1f} s "
            f"| {median(concurrent_each):.1f} s | {max(concurrent_each):.1f} s |",
            "",
            f"Concurrent / serial total: **{concurrent_total / serial_total:.2f}** "
            "(1.0 = linear in work; below 1, the runs overlap their I/O waits).",
            "",
            f"Noisy neighbour (all 15 connectors, api_calls_per_minute = {NOISY_QUOTA}; it "
            f"made {noisy_rate:.0f} calls per minute while running, {args.repeats} repeats): "
            "the quiet tenant's run takes "
            f"{median(alone):.1f} s alone and {median(beside):.1f} s beside it "
            f"(median; ratio **{median(beside) / median(alone):.2f}**; "
            f"runs alone {', '.join(f'{x:.1f}' for x in alone)}, "
            f"beside {', '.join(f'{x:.1f}' for x in beside)}).",
        ]
    )
    print(section)


if __name__ == "__main__":
    main()
