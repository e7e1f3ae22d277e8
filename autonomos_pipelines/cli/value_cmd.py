"""`autonomos mappings values | set-value | value-history | value-rollback`: the value
mappings of a source field mapped onto a canonical enumeration (statuses, priorities,
channels). Registered on the `mappings` app by cli/main.py."""

from __future__ import annotations

import typer

from autonomos_pipelines.cli.common import ON_BEHALF_HELP, acting_user, friendly_errors
from autonomos_pipelines.cli.mappings_cmd import field_ref
from autonomos_pipelines.cli.numbers import within
from autonomos_pipelines.cli.review_cmd import describe_value, value_workflow
from autonomos_pipelines.core.limits import PG_INTEGER_MAX
from autonomos_pipelines.dcl.registry.value_refs import ValueRef
from autonomos_pipelines.dcl.value_review import field_values

FIELD = typer.Argument(..., help="CONNECTOR.TABLE.FIELD")
VALUE = typer.Argument(..., help="The source value, as the source sends it")


def values(
    field: str = FIELD,
    tenant: str = typer.Option(None, help="Tenant (its values and its own or inherited map)"),
) -> None:
    """A field's active value map, the proposals waiting for review, and (with --tenant) the
    values the last mapping pass saw with how many rows hold each: `unknown` ones are kept
    in the canonical tables as sent and noted in extras._unmapped_values."""
    ref = field_ref(tenant, field)
    found = field_values(value_workflow(), ref)
    typer.echo(f"{ref.key} -> {found.target}: {', '.join(found.canonical_values)}")
    for mapped in found.active:
        scope = "global" if mapped.tenant_id is None else "tenant"
        typer.echo(f"  {mapped.source_value!r} -> {mapped.canonical_value!r}  [v{mapped.id} "
                   f"version {mapped.version}, {scope}, {mapped.method}]")  # fmt: skip
    for row in found.pending:
        typer.echo("  review: " + describe_value(row))
    for value, rows, state in found.seen:
        typer.echo(f"  seen {value!r}: {rows} rows, {state}")
    unknown = sum(state == "unknown" for _, _, state in found.seen)
    typer.echo(f"{len(found.active)} value(s) mapped, {len(found.pending)} in review"
               + (f", {unknown} seen without a mapping" if tenant else ""))  # fmt: skip


def set_value(
    field: str = FIELD,
    source_value: str = VALUE,
    canonical_value: str = typer.Argument(..., help="A value of the canonical field's set"),
    tenant: str = typer.Option(None, help="Tenant (default: the global baseline)"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Map one source value onto a canonical value by hand (a new active version); the next
    canonical build applies it."""
    flow = value_workflow()
    ref = ValueRef(field_ref(tenant, field), source_value)
    new_id = flow.set(ref, canonical_value, acting_user(user))
    typer.echo("now " + describe_value(flow.store.get(new_id, ref.tenant_id)))


def value_history(
    field: str = FIELD,
    source_value: str = VALUE,
    tenant: str = typer.Option(None, help="Tenant (its versions and the global baseline's)"),
) -> None:
    """Every version of one source value's mapping, oldest first."""
    ref = ValueRef(field_ref(tenant, field), source_value)
    for row in value_workflow().store.history(ref):
        typer.echo(f"version {row['version']}  " + describe_value(row)
                   + f"  by {row['created_by']}")  # fmt: skip


def value_rollback(
    field: str = FIELD,
    source_value: str = VALUE,
    version: int = typer.Option(..., help="Version to restore (see `mappings value-history`)"),
    tenant: str = typer.Option(None, help="Tenant whose value mapping to roll back"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Restore an earlier version's canonical value as a new active version."""
    within("--version", version, 1, PG_INTEGER_MAX)
    flow = value_workflow()
    ref = ValueRef(field_ref(tenant, field), source_value)
    new_id = flow.rollback(ref, version, acting_user(user))
    typer.echo("now " + describe_value(flow.store.get(new_id, ref.tenant_id)))


def register(app: typer.Typer) -> None:
    """Add the value-mapping commands to the `mappings` app."""
    for name, command in (
        ("values", values),
        ("set-value", set_value),
        ("value-history", value_history),
        ("value-rollback", value_rollback),
    ):
        app.command(name)(friendly_errors(command))
