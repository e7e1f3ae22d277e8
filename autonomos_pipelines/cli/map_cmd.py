"""`autonomos map`: the batch mapping interface (read-only; see ARCHITECTURE.md)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import typer

from autonomos_pipelines.cli.common import friendly_errors, tenant_arg
from autonomos_pipelines.core.errors import ConfigError, SpecError


def read_fields(path: Path) -> tuple[list[dict], list]:
    from autonomos_pipelines.dcl.matching.source_field import SourceField

    if not path.is_file():
        raise ConfigError(f"--input {path}: no such file")
    rows, fields = [], []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                raise SpecError(f"{path}:{number}: empty line (one JSON object per line)")
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                raise SpecError(f"{path}:{number}: not JSON ({error.msg})") from None
            fields.append(SourceField.from_json(data, f"{path}:{number}"))
            rows.append(data)
    return rows, fields


def read_target_schema(path: Path | None):
    if path is None:
        return None
    from autonomos_pipelines.dcl.matching.targets import targets_from_json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--target-schema {path}: no such file") from None
    except json.JSONDecodeError as error:
        raise SpecError(f"{path}:{error.lineno}:{error.colno}: not JSON ({error.msg})") from None
    return targets_from_json(data, str(path))


def write_atomically(path: Path, lines: list[str]) -> None:
    """All or nothing: a failure half-way never leaves a truncated output file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as out:
        out.writelines(line + "\n" for line in lines)
    os.replace(out.name, path)


@friendly_errors
def map_fields(
    input: Path = typer.Option(..., "--input", help="FIELDS.jsonl: one source field per line"),
    output: Path = typer.Option(..., "--output", help="OUT.jsonl: same lines, same order"),
    target_schema: Path = typer.Option(None, help="Map onto this schema instead of canonical"),
    top_k: int = typer.Option(5, min=1, max=100, help="Candidates per field"),
    tenant: str = typer.Option(None, help="Use this tenant's approved mappings as evidence"),
    no_llm: bool = typer.Option(False, "--no-llm", help="Never call the LLM"),
) -> None:
    """Map source fields to the canonical model (or any target schema). Writes nothing to any
    registry: it is how mapping quality is measured."""
    from autonomos_pipelines.core.settings import get_settings
    from autonomos_pipelines.dcl.llm.config import llm_config
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry
    from autonomos_pipelines.dcl.service import build_resolver

    settings = get_settings()
    rows, fields = read_fields(input)
    schema = read_target_schema(target_schema)
    registry = open_registry(settings) if schema is None else None
    llm = None if no_llm else llm_config(settings)
    tenant_id = tenant_arg(tenant)
    resolver = build_resolver(registry, tenant_id, schema, llm=llm)
    with typer.progressbar(length=len(fields), label="mapping", file=sys.stderr) as bar:
        resolutions = resolver.resolve(fields, top_k, tenant_id, progress=bar.update)
    lines = []
    for row, resolution in zip(rows, resolutions, strict=True):
        out = {
            **row,
            "candidates": [
                {"target": c.target, "score": c.confidence} for c in resolution.candidates[:top_k]
            ],
            "mapping": resolution.mapping,
            "confidence": round(resolution.confidence, 4),
            "method": resolution.method,
            "status": resolution.status,
        }
        lines.append(json.dumps(out, ensure_ascii=False))
    write_atomically(output, lines)
    counts: dict[str, int] = {}
    for resolution in resolutions:
        counts[resolution.status] = counts.get(resolution.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    typer.echo(f"mapped {len(resolutions)} fields -> {output} ({summary})", err=True)
