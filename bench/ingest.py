"""Ingest throughput per connector kind from the sandbox, and the framework's overhead.

    .venv/bin/python bench/ingest.py [--repeats 5]     # appends to results.md

1. Every connector of the catalogue loads from the local sandbox into DuckDB through the AAM
   path (spec -> source factory -> guarded HTTP session -> dlt); records/s per connector and
   per kind. Client rate limits are switched off here: they would measure the limit, not us.
2. Overhead: the same 1,000 Stripe-shaped records, same sandbox, same DuckDB destination:
   a bare dlt rest_api pipeline written by hand vs the AAM source built from the spec, vs the
   whole Dagster materialisation of the raw asset (registry lookup, breaker, metadata).
   Runs alternate and the medians are compared (machines are noisy).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import results_log

os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
HOME = Path(tempfile.mkdtemp(prefix="ingest"))


def start_services() -> object:
    import pgserver

    server = pgserver.get_server(HOME / "pg", cleanup_mode="stop")
    os.environ.update(
        DATABASE_URL=server.get_uri(), AUTONOMOS_HOME=str(HOME / "home"), DAGSTER_HOME=""
    )
    from autonomos_pipelines.sandbox.server import SandboxServer

    sandbox = SandboxServer().start()
    os.environ["AUTONOMOS_SANDBOX_URL"] = sandbox.url
    return server, sandbox


def aam_load(spec, settings, name: str) -> tuple[float, int]:
    import dlt

    from autonomos_pipelines.aam.adapters.factory import build_source
    from autonomos_pipelines.aam.runtime import ConnectorRuntime
    from autonomos_pipelines.sandbox.plug import LocalSandbox

    runtime = ConnectorRuntime.from_settings(settings, LocalSandbox(settings))
    connection = runtime.connection(spec, "bench", {})
    pipeline = dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(HOME / f"{name}.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(HOME / "pipelines"),
        dev_mode=True,  # a fresh dataset and state each run: full loads, no incremental skip
    )
    started = time.perf_counter()
    pipeline.run(build_source(spec, connection))
    elapsed = time.perf_counter() - started
    counts = pipeline.last_trace.last_normalize_info.row_counts
    return elapsed, sum(v for k, v in counts.items() if "__" not in k and not k.startswith("_"))


def bare_load(base_url: str, name: str) -> float:
    """Hand-written dlt rest_api config for the same endpoint: what a dlt user would write."""
    import dlt
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(
        {
            "client": {
                "base_url": base_url,
                "auth": {"type": "bearer", "token": "sk_test_kNtaU4i5GpIpatEJc2vPjjeJ"},
                "paginator": {
                    "type": "cursor",
                    "cursor_path": "data[-1].id",
                    "cursor_param": "starting_after",
                    "has_more_path": "has_more",
                },
            },
            "resources": [
                {
                    "name": "customers",
                    "endpoint": {
                        "path": "customers",
                        "params": {"limit": 100},
                        "data_selector": "data",
                    },
                }
            ],
        },
        name="stripe",
    )
    pipeline = dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(HOME / f"{name}.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(HOME / "pipelines"),
        dev_mode=True,
    )
    started = time.perf_counter()
    pipeline.run(source)
    return time.perf_counter() - started


def stripe_customers_only():
    from autonomos_pipelines.aam.specs.spec_loader import get_spec

    spec = get_spec("stripe").model_copy(deep=True)
    spec.resources = [r for r in spec.resources if r.name == "customers"]
    spec.rate_limit = None
    return spec


def dagster_load(defs_assets, settings, instance) -> float:
    from dagster import materialize

    from autonomos_pipelines.sandbox.definitions import sandbox_resources

    started = time.perf_counter()
    result = materialize(
        defs_assets, partition_key="bench", instance=instance, resources=sandbox_resources()
    )
    assert result.success
    return time.perf_counter() - started


def overhead_section(sandbox, spec, settings, asset, instance, size, repeats) -> list[str]:  # type: ignore[no-untyped-def]
    bare, aam, dag = [], [], []
    for i in range(repeats):
        bare.append(bare_load(sandbox.url + "/stripe/v1/", f"bare_{size}_{i}"))
        seconds, records = aam_load(spec, settings, f"aam_{size}_{i}")
        assert records == size, records
        aam.append(seconds)
        dag.append(dagster_load(asset, settings, instance))
    b, a, d = (statistics.median(x) for x in (bare, aam, dag))
    verdict = "met" if a / b <= 1.10 else "NOT met"
    lines = [
        "",
        f"{size:,} Stripe customers ({size // 100} pages), sandbox -> DuckDB, medians:",
        "",
        "| path | median s | vs bare dlt |",
        "|---|---|---|",
        f"| bare dlt rest_api, hand-written config | {b:.3f} | 1.00 |",
        f"| AAM source from the spec (guarded session) | {a:.3f} | {a / b:.2f} |",
        f"| Dagster materialisation of the raw asset | {d:.3f} | {d / b:.2f} |",
        "",
        f"Goal <= 10 % overhead (AAM source): {verdict}; through Dagster {d / b:.2f}x.",
    ]
    if size == 1000:
        lines.append(
            f"1,000 records from a generic REST connector < 2 s: "
            f"{'met' if a < 2 else 'NOT met'} ({a:.2f} s; through Dagster {d:.2f} s)."
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--sizes", type=lambda text: [int(n) for n in text.split(",")], default=[1000, 10000]
    )
    args = parser.parse_args()
    server, sandbox = start_services()
    from dagster import instance_for_test

    from autonomos_pipelines.aam.specs.spec_loader import default_specs
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry
    from autonomos_pipelines.operations.onboarding import onboard_tenant
    from mapping_assets.raw.assets import raw_assets_for

    settings = Settings.from_env()
    lines = [
        f"\n## Ingest ({datetime.date.today()}, {platform.node() or 'host'}, "
        f"{os.cpu_count()} cores, repeats {args.repeats})\n",
        "| connector | kind | records | median s | records/s |",
        "|---|---|---|---|---|",
    ]
    by_kind: dict[str, list[float]] = {}
    for name, spec in default_specs().items():
        spec = spec.model_copy(update={"rate_limit": None})
        runs = [aam_load(spec, settings, f"{name}_{i}") for i in range(args.repeats)]
        seconds = statistics.median(r[0] for r in runs)
        records = runs[0][1]
        by_kind.setdefault(spec.kind, []).append(records / seconds)
        lines.append(
            f"| {name} | {spec.kind} | {records} | {seconds:.2f} | {records / seconds:,.0f} |"
        )
    lines += ["", "| kind | median records/s over its connectors |", "|---|---|"]
    lines += [f"| {k} | {statistics.median(v):,.0f} |" for k, v in sorted(by_kind.items())]

    spec = stripe_customers_only()
    with instance_for_test() as instance:
        onboard_tenant("bench", ["stripe"], {}, open_registry(settings), instance, "b")
        asset = [raw_assets_for(spec)]
        for size in args.sizes:
            customers = sandbox.apis["stripe"].data["customers"]
            sandbox.apis["stripe"].grow("customers", size - len(customers))
            lines += overhead_section(sandbox, spec, settings, asset, instance, size, args.repeats)
    print(results_log.append(lines))
    sandbox.stop()  # type: ignore[attr-defined]
    server.cleanup()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
