"""`autonomos connectors ...`: validate specs and regenerate their JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from autonomos_pipelines.aam.spec_loader import SCHEMA_FILE_NAME, load_spec_file, specs_dir
from autonomos_pipelines.aam.spec_model import json_schema
from autonomos_pipelines.cli.common import friendly_errors

app = typer.Typer(help="Connector specs.")


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


@app.command("validate")
@friendly_errors
def validate(files: list[Path] = typer.Argument(None, help="Spec files (default: all)")) -> None:
    """Validate connector specs; errors name the file, the JSON path and the problem."""
    paths = files or sorted(p for p in specs_dir().glob("*.json") if p.name != SCHEMA_FILE_NAME)
    for path in paths:
        spec = load_spec_file(path)
        typer.echo(f"ok  {path.name}: {spec.kind}, feeds {', '.join(spec.entities)}")


@app.command("schema")
@friendly_errors
def schema(
    write: bool = typer.Option(False, help="Write connector_specs/" + SCHEMA_FILE_NAME),
) -> None:
    """Print (or write) the JSON Schema that connector specs validate against."""
    if write:
        (specs_dir() / SCHEMA_FILE_NAME).write_text(schema_text(), encoding="utf-8")
        typer.echo(f"wrote {specs_dir() / SCHEMA_FILE_NAME}")
    else:
        typer.echo(schema_text(), nl=False)
