"""`autonomos mappings ...`: history, rollback, set, export and import of field mappings (the
value-mapping commands are in value_cmd.py)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
import yaml

from autonomos_pipelines.cli.common import ON_BEHALF_HELP, acting_user, friendly_errors, tenant_arg
from autonomos_pipelines.cli.numbers import within
from autonomos_pipelines.cli.review_cmd import describe, workflow
from autonomos_pipelines.core.errors import SpecError
from autonomos_pipelines.core.limits import PG_INTEGER_MAX
from autonomos_pipelines.dcl.registry.expression_checks import check_for_target, observed_table_of
from autonomos_pipelines.dcl.registry.file_import import import_file
from autonomos_pipelines.dcl.registry.mapping_file import export_document
from autonomos_pipelines.dcl.registry.value_file import export_values
from autonomos_pipelines.dcl.registry.workflow import FieldRef
from autonomos_pipelines.warehouse.dialects import DuckDbDialect, PostgresDialect

app = typer.Typer(
    help="Field mappings: history, rollback, set, check-expression, export, import; value "
    "mappings: values, "
    "set-value, value-history, value-rollback."
)


def field_ref(tenant: str | None, field: str) -> FieldRef:
    connector, table, name = (field.split(".", 2) + ["", ""])[:3]
    if not (connector and table and name):
        raise SpecError(f"{field!r}: expected CONNECTOR.TABLE.FIELD")
    return FieldRef(tenant_arg(tenant), connector, table, name)


@app.command("history")
@friendly_errors
def history(
    field: str = typer.Argument(..., help="CONNECTOR.TABLE.FIELD"),
    tenant: str = typer.Option(None, help="Tenant (its versions and the global baseline's)"),
) -> None:
    """Every version of a field's mapping, oldest first, each with why it was made (or, for
    a proposal withdrawn, what superseded it)."""
    for row in workflow().history(field_ref(tenant, field)):
        typer.echo(f"v{row['version']}  " + describe(row) + f"  by {row['created_by']}")
        if row["reason"]:
            typer.echo(f"      {row['reason']}")


@app.command("rollback")
@friendly_errors
def rollback(
    field: str = typer.Argument(..., help="CONNECTOR.TABLE.FIELD"),
    version: int = typer.Option(..., help="Version to restore (see `mappings history`)"),
    tenant: str = typer.Option(None, help="Tenant whose mapping to roll back"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Restore an earlier version's target as a new active version."""
    within("--version", version, 1, PG_INTEGER_MAX)
    flow = workflow()
    new_id = flow.rollback(field_ref(tenant, field), version, acting_user(user))
    typer.echo("now " + describe(flow.get(new_id)))


@app.command("set")
@friendly_errors
def set_mapping(
    field: str = typer.Argument(..., help="CONNECTOR.TABLE.FIELD"),
    target: str = typer.Argument(..., help="entity.field, or 'none' for no counterpart"),
    tenant: str = typer.Option(None, help="Tenant (default: the global baseline)"),
    transform: str = typer.Option("none", help="none, unix_seconds, minor_units, upper, ..."),
    expression: str = typer.Option(
        None,
        help='A computed mapping, e.g. "to_decimal(price) * quantity"; FIELD then names the '
        "computed value (a column it replaces, or a name of its own such as is_won)",
    ),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Set a field's mapping by hand (a new active version); with --expression, a computed
    mapping, validated before it is stored (see `mappings check-expression`)."""
    flow = workflow()
    chosen = None if target == "none" else target
    ref = field_ref(tenant, field)
    new_id = flow.edit(ref, chosen, transform, acting_user(user), expression or None)
    typer.echo("now " + describe(flow.get(new_id)))


@app.command("check-expression")
@friendly_errors
def check_expression_cmd(
    expression: str = typer.Argument(..., help="The expression to check"),
    target: str = typer.Option(None, help="entity.field it would feed (checks the type fits)"),
    field: str = typer.Option(
        None, help="CONNECTOR.TABLE.FIELD: check column names and types against the table"
    ),
    tenant: str = typer.Option(None, help="Tenant whose observed table --field names"),
) -> None:
    """Parse and type-check an expression without storing anything: print its type and its
    SQL for DuckDB and PostgreSQL, or why it is refused."""
    columns, lists, table = None, None, None
    if field and tenant:
        ref = field_ref(tenant, field)
        columns, lists = observed_table_of(workflow(), ref)
        table = ref.source_table
    dialects = (DuckDbDialect(), PostgresDialect())
    checked = check_for_target(expression, target, columns, dialects, lists=lists, table=table)
    known = "unknown (every column is text)" if columns is None else f"{len(columns)} observed"
    typer.echo(f"type: {checked.type}")
    typer.echo(f"columns read: {', '.join(sorted(checked.columns)) or '-'}; table: {known}")
    for dialect, sql in checked.sql.items():
        typer.echo(f"{dialect}: {sql}")


@app.command("export")
@friendly_errors
def export(
    output: Path = typer.Argument(..., help="File to write (.json, .yaml or .yml)"),
    tenant: str = typer.Option(None, help="Tenant (default: the global baseline)"),
) -> None:
    """Write the active mappings that apply to a tenant to JSON or YAML, e.g. to keep them in
    git: its own (`scope: tenant`) and those it inherits from the baseline (`scope: global`),
    as the API lists them."""
    registry = workflow().registry
    document = export_document(registry, tenant_arg(tenant))
    document["values"] = export_values(registry, tenant_arg(tenant))
    text = (
        yaml.safe_dump(document, sort_keys=False)
        if output.suffix in (".yaml", ".yml")
        else (json.dumps(document, indent=2) + "\n")
    )
    output.write_text(text, encoding="utf-8")
    rows = document["mappings"]
    own = sum(row["scope"] == "tenant" for row in rows)
    detail = f" ({own} own, {len(rows) - own} inherited from the baseline)" if tenant else ""
    typer.echo(
        f"exported {len(rows)} mappings{detail} and {len(document['values'])} value mappings "
        f"to {output}"
    )


@app.command("import")
@friendly_errors
def import_mappings(
    source: Path = typer.Argument(..., help="File written by `mappings export`"),
    tenant: str | None = typer.Option(None, help="Import into this tenant (default: the file's)"),
    pin_inherited: bool = typer.Option(
        False, help="Make the baseline's rows (scope: global) the tenant's own versions too"
    ),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Apply a mappings file: each field whose target differs gets a new active version.
    Rows the tenant inherited from the baseline are left to the baseline unless
    --pin-inherited."""
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SpecError(f"{source}: cannot read mappings ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("mappings"), list):
        raise SpecError(f"{source}: expected an object with a 'mappings' list")
    tenant = tenant or document.get("tenant") or None  # the file's: validated as it enters
    tenant_id = tenant_arg(tenant)
    flow, actor = workflow(), acting_user(user)
    imported = import_file(flow, tenant_id, document, actor, pin_inherited, str(source))
    done, values = imported.fields, imported.values
    left = (
        f", {done.inherited} inherited from the baseline left to it (--pin-inherited to copy)"
        if done.inherited
        else ""
    )
    typer.echo(
        f"imported {done.total} mappings into {tenant_id or 'the global baseline'}: "
        f"{done.changed} changed, {done.unchanged} unchanged{left}"
    )
    if imported.value_rows:
        typer.echo(
            f"imported {imported.value_rows} value mappings: {len(values.proposals)} changed, "
            f"{values.unchanged} unchanged"
            + (
                f", {values.inherited} inherited from the baseline left to it"
                if values.inherited
                else ""
            )
        )
