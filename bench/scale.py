"""Onboarding at scale: 1,000 synthetic connectors x 50 fields mapped end to end, no LLM.

    .venv/bin/python bench/scale.py [--connectors 1000] [--fields 50] [--embedder onnx]
    # appends to results.md; --embedder: onnx (default), int8 or torch (AUTONOMOS_EMBEDDER)

The connectors are variations of the real catalogue fields (bench/data/business_fields.jsonl):
each field name re-spelled (camelCase, PascalCase, UPPER_SNAKE, dotted and dlt `__` paths,
abbreviations, vendor prefixes) with its real type and sample values; each catalogue table is
re-spelled once per connector, so the fields a connector draws from one table share a table
(until stop 54 each field's table was spelled anew: tables of one to three fields, no key,
which since stop 53 no table decision founds, so nearly all waited for a person; so did
bench/encoders.py's figures, which draw the same connectors, before stop 54). One
tenant onboards them all through `map_tenant_fields` — embed, retrieve (pgvector), score,
write proposals and auto-approvals to the registry — on an embedded PostgreSQL started here
(and stopped after).
What a process or an installation prepares once is timed apart before it: the model, the
canonical model's vectors, the global baseline's example corpus. Then the warm path:
a second pass over the same fields, hot in-process lookups, and single-field lookup latency
cold (index rebuilt from Postgres) and hot.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import shutil
import signal
import statistics
import tempfile
import time
from pathlib import Path

import business_set
import results_log

from autonomos_pipelines.dcl.mapping_outcomes import stages_said
from autonomos_pipelines.dcl.matching.source_field import SourceField

ABBREVIATE = {"customer": "cust", "amount": "amt", "number": "nbr", "date": "dt",
              "quantity": "qty", "description": "desc", "account": "acct", "address": "addr",
              "company": "co", "currency": "ccy", "created": "crt", "status": "sts"}  # fmt: skip
PREFIXES = ("", "", "", "x_", "c_", "custom_", "properties__", "attributes.", "data.")
SYSTEMS = ("crm", "erp", "billing", "helpdesk", "marketing", "finance", "ops", "sales")


def respell(name: str, rng: random.Random) -> str:
    words = [w for w in name.replace(".", "_").split("_") if w]
    words = [ABBREVIATE.get(w, w) if rng.random() < 0.3 else w for w in words]
    style = rng.randrange(5)
    if style == 0:
        spelled = words[0] + "".join(w.title() for w in words[1:])
    elif style == 1:
        spelled = "".join(w.title() for w in words)
    elif style == 2:
        spelled = "_".join(words).upper()
    else:
        spelled = "_".join(words)
    return rng.choice(PREFIXES) + spelled


def synthetic_connectors(connectors: int, per_connector: int, seed: int = 7) -> list[SourceField]:
    rng = random.Random(seed)
    rows = business_set.load()
    fields = []
    for n in range(connectors):
        system = f"{rng.choice(SYSTEMS)}_{n:04d}"
        names: set[str] = set()
        tables: dict[str, str] = {}  # each catalogue table spelled once per connector
        for row in rng.sample(rows, per_connector):
            name = respell(row["field"], rng)
            while name in names:
                name += "_2"
            names.add(name)
            if row["source_entity"] not in tables:
                tables[row["source_entity"]] = respell(row["source_entity"], rng).strip("._")
            entity = tables[row["source_entity"]]
            samples = tuple(str(s) for s in row["samples"])
            fields.append(SourceField(system, entity, name, row["type"], None, None, samples))
    return fields


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(connectors: int, per_connector: int) -> dict:
    """One onboarding on a fresh embedded PostgreSQL, stopped and removed afterwards."""
    from autonomos_pipelines.core.settings import Settings

    for name in ("DATABASE_URL", "REDIS_URL", "GEMINI_API_KEY"):
        os.environ.pop(name, None)
    os.environ["AUTONOMOS_HOME"] = tempfile.mkdtemp(prefix="ap-scale-", dir="/tmp")
    settings = Settings.from_env()
    try:
        return _measure(settings, connectors, per_connector)
    finally:
        stop_embedded(settings.pg_datadir)
        shutil.rmtree(settings.home, ignore_errors=True)


def stop_embedded(pgdata: Path) -> None:
    """Stop the run's own PostgreSQL (the registry starts it to outlive its process, as a
    deployment wants; a benchmark's throwaway one must not)."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().split()[0])
    os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown
    for _ in range(100):
        if not pid_file.exists():
            return
        time.sleep(0.1)


def _measure(settings, connectors: int, per_connector: int) -> dict:
    from autonomos_pipelines.dcl.mapping_run import map_tenant_fields
    from autonomos_pipelines.dcl.matching.embeddings import default_embedder
    from autonomos_pipelines.dcl.matching.matcher import Matcher
    from autonomos_pipelines.dcl.matching.targets import canonical_targets
    from autonomos_pipelines.dcl.matching.vector_store import refresh_examples
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry

    started = time.perf_counter()
    registry = open_registry(settings)
    result_setup = time.perf_counter() - started
    registry.add_tenant("scale", {}, "bench")
    fields = synthetic_connectors(connectors, per_connector)
    result: dict = {"fields": len(fields), "setup_s": result_setup}

    started = time.perf_counter()
    default_embedder().encode(["warm up"])  # model load, reported apart
    result["model_load_s"] = time.perf_counter() - started
    result["embedder"] = default_embedder().backend
    # what a process prepares once (the canonical model's vectors, kept by the embedder) and
    # an installation once (the global baseline's example corpus), reported apart too
    started = time.perf_counter()
    Matcher(canonical_targets(), default_embedder())
    result["targets_s"] = time.perf_counter() - started
    started = time.perf_counter()
    refresh_examples(registry.engine, default_embedder(), None)
    result["baseline_corpus_s"] = time.perf_counter() - started
    started = time.perf_counter()
    run = map_tenant_fields(registry, "scale", fields)
    result["onboard_s"] = time.perf_counter() - started
    result["statuses"] = dict(run.counts("status"))
    result["stages_s"], result["texts_encoded"] = dict(run.seconds), run.texts_encoded

    decided = [o.source for o in run.outcomes if o.status != "unmapped"]
    started = time.perf_counter()
    again = map_tenant_fields(registry, "scale", decided)
    result["second_pass_s"] = time.perf_counter() - started
    result["second_pass_fields"] = len(decided)
    assert again.resolved_now == 0, "decided fields must be answered from the registry"

    keys = [(f.source_system, f.source_entity, f.field) for f in fields]
    registry.mapping_index("scale")
    started = time.perf_counter()
    hits = sum(1 for key in keys if registry.lookup("scale", *key) is not None)
    result["hot_lookups_per_s"] = len(keys) / (time.perf_counter() - started)
    result["hot_hits"] = hits
    hot, cold = [], []
    for key in random.Random(3).sample(keys, min(2_000, len(keys))):
        started = time.perf_counter()
        registry.lookup("scale", *key)
        hot.append(time.perf_counter() - started)
    for key in random.Random(4).sample(keys, min(15, len(keys))):
        registry.invalidate("scale")
        started = time.perf_counter()
        registry.lookup("scale", *key)
        cold.append(time.perf_counter() - started)
    result["hot_p50_us"] = statistics.median(hot) * 1e6
    result["hot_p95_us"] = percentile(hot, 0.95) * 1e6
    result["cold_p50_ms"] = statistics.median(cold) * 1e3
    result["cold_p95_ms"] = percentile(cold, 0.95) * 1e3
    return result


def stages_line(result: dict) -> str:
    stages = result["stages_s"]
    return (
        f"{stages.get('pass', 0.0):.1f} s in all: {stages_said(stages)}; encoding, part of the "
        "first two, "
        f"{stages.get('encoding', 0.0):.1f} s for {result['texts_encoded']:,} distinct texts"
    )


def report(result: dict) -> str:
    fields = result["fields"]
    return (
        f"\n## Scale, no LLM — {datetime.date.today()} on {platform.machine()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}), "
        f"encoder {result['embedder']}\n\n"
        f"- onboarding {fields:,} fields: {result['onboard_s']:.1f} s "
        f"({fields / result['onboard_s']:,.0f} fields/s; before it, once per process: model "
        f"load {result['model_load_s']:.1f} s, the canonical model's vectors "
        f"{result['targets_s']:.1f} s; once per installation: the global baseline's example "
        f"corpus {result['baseline_corpus_s']:.1f} s); outcome {result['statuses']}\n"
        f"- its stages (MappingRun.stage): {stages_line(result)}\n"
        f"- second pass over the {result['second_pass_fields']:,} decided fields (registry "
        f"hits and pending proposals): {result['second_pass_s']:.2f} s "
        f"({result['second_pass_fields'] / result['second_pass_s']:,.0f} fields/s)\n"
        f"- hot in-process resolution: {result['hot_lookups_per_s']:,.0f} fields/s "
        f"({result['hot_hits']:,} hits)\n"
        f"- single lookup: hot p50 {result['hot_p50_us']:.1f} µs / "
        f"p95 {result['hot_p95_us']:.1f} µs; cold (tenant index rebuilt from Postgres) "
        f"p50 {result['cold_p50_ms']:.0f} ms / "
        f"p95 {result['cold_p95_ms']:.0f} ms\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connectors", type=int, default=1000)
    parser.add_argument("--fields", type=int, default=50)
    parser.add_argument("--embedder", choices=("onnx", "int8", "torch"), default="onnx")
    arguments = parser.parse_args()
    os.environ["AUTONOMOS_EMBEDDER"] = arguments.embedder
    print(results_log.append([report(measure(arguments.connectors, arguments.fields))]))
