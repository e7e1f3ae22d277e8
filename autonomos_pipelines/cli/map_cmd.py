"""`autonomos map`: the batch mapping interface (read-only; see ARCHITECTURE.md)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import typer

from autonomos_pipelines.cli.common import friendly_errors, tenant_arg
from autonomos_pipelines.cli.map_input import read_fields, read_target_schema
from autonomos_pipelines.cli.numbers import within
from autonomos_pipelines.core.limits import finite_or_none


def write_atomically(path: Path, lines: list[str]) -> None:
    """All or nothing: a failure half-way never leaves a truncated output file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as out:
        out.writelines(line + "\n" for line in lines)
    os.replace(out.name, path)


def output_row(row: dict, resolution: Any, top_k: int) -> dict:
    """One output line: the input row and the decision. A score that is not a finite number
    is written as null, with a note saying so (JSON has no NaN or Infinity)."""
    confidence = finite_or_none(resolution.confidence)
    out = {
        **row,
        "candidates": [
            {"target": c.target, "score": finite_or_none(c.confidence)}
            for c in resolution.candidates[:top_k]
        ],
        "mapping": resolution.mapping,
        "confidence": None if confidence is None else round(confidence, 4),
        "method": resolution.method,
        "status": resolution.status,
    }
    if confidence is None or any(c["score"] is None for c in out["candidates"]):
        out["note"] = "null confidence or score: the matcher produced no finite number"
    return out


@friendly_errors
def map_fields(
    input: Path = typer.Option(..., "--input", help="FIELDS.jsonl: one source field per line"),
    output: Path = typer.Option(..., "--output", help="OUT.jsonl: same lines, same order"),
    target_schema: Path = typer.Option(None, help="Map onto this schema instead of canonical"),
    top_k: int = typer.Option(5, help="Candidates per field (1 to 100)"),
    tenant: str = typer.Option(None, help="Use this tenant's approved mappings as evidence"),
    no_llm: bool = typer.Option(False, "--no-llm", help="Never call the LLM"),
) -> None:
    """Map source fields to the canonical model (or any target schema). Writes nothing to any
    registry: it is how mapping quality is measured."""
    from autonomos_pipelines.core.settings import get_settings
    from autonomos_pipelines.dcl.llm.config import llm_config
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry
    from autonomos_pipelines.dcl.service import build_resolver

    within("--top-k", top_k, 1, 100)
    settings = get_settings()
    rows, fields = read_fields(input)
    schema = read_target_schema(target_schema)
    registry = open_registry(settings) if schema is None else None
    llm = None if no_llm else llm_config(settings)
    tenant_id = tenant_arg(tenant)
    resolver = build_resolver(registry, tenant_id, schema, llm=llm)
    with typer.progressbar(length=len(fields), label="mapping", file=sys.stderr) as bar:
        resolutions = resolver.resolve(fields, top_k, tenant_id, progress=bar.update)
    lines = [
        json.dumps(output_row(row, resolution, top_k), ensure_ascii=False, allow_nan=False)
        for row, resolution in zip(rows, resolutions, strict=True)
    ]
    write_atomically(output, lines)
    counts: dict[str, int] = {}
    for resolution in resolutions:
        counts[resolution.status] = counts.get(resolution.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    typer.echo(f"mapped {len(resolutions)} fields -> {output} ({summary})", err=True)
