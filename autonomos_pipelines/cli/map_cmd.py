"""`autonomos map`: the batch mapping interface (read-only; see ARCHITECTURE.md)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import typer

from autonomos_pipelines.cli.common import friendly_errors, tenant_arg
from autonomos_pipelines.cli.map_input import read_fields, read_target_schema
from autonomos_pipelines.cli.numbers import within
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.dcl.mapping_batch import MAX_TOP_K


def write_atomically(path: Path, lines: list[str]) -> None:
    """All or nothing: a failure half-way never leaves a truncated output file, nor the
    temporary file it was written to."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8")
    try:
        with out:  # a full disk may fail the last flush, as the file closes
            out.writelines(line + "\n" for line in lines)
        os.replace(out.name, path)
    except BaseException:
        Path(out.name).unlink(missing_ok=True)
        raise


def check_writable(path: Path) -> None:
    """Refuse an --output that cannot be written before any field is mapped: a directory,
    or a folder that cannot be made or written to."""
    if path.is_dir():
        raise ConfigError(f"--output {path}: is a directory; give a file name")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the nearest folder that exists is where one would be made
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"--output {path}: cannot write in {folder}")


@friendly_errors
def map_fields(
    input: Path = typer.Option(..., "--input", help="FIELDS.jsonl: one source field per line"),
    output: Path = typer.Option(
        ..., "--output", help="OUT.jsonl: same lines, same order, with the decision's keys"
    ),
    target_schema: Path = typer.Option(None, help="Map onto this schema instead of canonical"),
    top_k: int = typer.Option(5, help=f"Candidates per field (1 to {MAX_TOP_K})"),
    tenant: str = typer.Option(None, help="Use this tenant's approved mappings as evidence"),
    no_llm: bool = typer.Option(False, "--no-llm", help="Never call the LLM"),
) -> None:
    """Map source fields to the canonical model (or any target schema). Writes nothing to any
    registry: it is how mapping quality is measured. Each output line is its input line with
    the decision's keys (candidates, mapping, confidence, method, status, reason, and table,
    aggregate, note where they apply) written over any the input had."""
    from autonomos_pipelines.core.settings import get_settings
    from autonomos_pipelines.dcl.llm.config import llm_config
    from autonomos_pipelines.dcl.mapping_batch import map_batch, status_counts
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry

    within("--top-k", top_k, 1, MAX_TOP_K)
    check_writable(output)
    settings = get_settings()
    rows, fields = read_fields(input)
    schema = read_target_schema(target_schema)
    registry = open_registry(settings) if schema is None else None
    llm = None if no_llm else llm_config(settings)
    with typer.progressbar(length=len(fields), label="mapping", file=sys.stderr) as bar:
        out_rows = map_batch(
            rows, fields, registry, tenant_arg(tenant), schema, top_k, llm, progress=bar.update
        )
    lines = [json.dumps(row, ensure_ascii=False, allow_nan=False) for row in out_rows]
    try:
        write_atomically(output, lines)
    except OSError as error:  # the disk filled, the folder went away meanwhile
        raise ConfigError(f"--output {output}: cannot write: {error.strerror}") from None
    counts = status_counts(out_rows)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"
    typer.echo(f"mapped {len(out_rows)} fields -> {output} ({summary})", err=True)
