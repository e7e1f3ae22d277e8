"""`autonomos connectors ...`: list, validate, scaffold specs; regenerate their JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from autonomos_pipelines.aam.specs.scaffold import scaffold as write_scaffold
from autonomos_pipelines.aam.specs.spec_loader import (
    SCHEMA_FILE_NAME,
    catalogue_dirs,
    default_specs,
    load_spec_file,
    specs_dir,
)
from autonomos_pipelines.aam.specs.spec_model import json_schema, resource_names
from autonomos_pipelines.cli.common import friendly_errors

app = typer.Typer(help="Connector specs.")


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def _statuses(tenant: str | None) -> dict[str, str]:
    """connector -> status for one tenant (disabled / healthy / degraded with the reason)."""
    if tenant is None:
        return {}
    from autonomos_pipelines.aam.connector_status import connector_statuses
    from autonomos_pipelines.aam.health import HealthStore
    from autonomos_pipelines.core.database import get_engine
    from autonomos_pipelines.core.settings import get_settings
    from autonomos_pipelines.core.tenant_id import TenantId
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry

    settings = get_settings()
    tenant_id = TenantId(tenant)  # friendly_errors made it one
    enabled = open_registry(settings).tenant_connectors(tenant_id)
    found = connector_statuses(HealthStore(get_engine(settings)), tenant_id, enabled)
    return {status.name: status.label() for status in found}


@app.command("list")
@friendly_errors
def list_connectors(
    tenant: str = typer.Option(None, help="Also show this tenant's status per connector"),
) -> None:
    """Every connector: name, domain, implementation, entities fed, tables (and status)."""
    statuses = _statuses(tenant)
    header = f"{'connector':18} {'domain':13} {'impl':8} {'kind':18} entities"
    typer.echo(header + ("  | status" if tenant else ""))
    for name, spec in default_specs().items():
        line = (
            f"{name:18} {spec.domain:13} {spec.implementation.type:8} {spec.kind:18} "
            f"{','.join(spec.entities)}  [{len(resource_names(spec))} tables]"
        )
        typer.echo(line + (f"  | {statuses[name]}" if tenant else ""))


@app.command("validate")
@friendly_errors
def validate(files: list[Path] = typer.Argument(None, help="Spec files (default: all)")) -> None:
    """Validate connector specs; errors name the file, the JSON path and the problem."""
    paths = files or [
        path
        for folder in catalogue_dirs()
        for path in sorted(folder.glob("*.json"))
        if path.name != SCHEMA_FILE_NAME
    ]
    for path in paths:
        spec = load_spec_file(path)
        typer.echo(
            f"ok  {path.name}: {spec.kind} ({spec.implementation.type}), feeds "
            f"{', '.join(spec.entities)}"
        )


@app.command("scaffold")
@friendly_errors
def scaffold(
    name: str = typer.Argument(..., help="Connector name: lower case, digits, underscores"),
    kind: str = typer.Option("generic_rest", help="Connector kind to scaffold"),
    directory: Path = typer.Option(
        None, help="Where to write (default: AUTONOMOS_CONNECTOR_SPECS, else connector_specs/)"
    ),
) -> None:
    """Write a commented spec skeleton to fill in; the standard suite picks it up."""
    for path in write_scaffold(name, kind, directory or specs_dir()):
        typer.echo(f"wrote {path}")
    typer.echo("next: fill in the TODOs, then `autonomos connectors validate`")


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
