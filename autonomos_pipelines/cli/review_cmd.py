"""`autonomos review ...`: the human side of the mapping workflow. Field-mapping proposals
have numeric ids (`12`), value-mapping proposals `v` ids (`v12`); every command takes both."""

from __future__ import annotations

import json

import typer

from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.cli.common import ON_BEHALF_HELP, acting_user, friendly_errors, tenant_arg
from autonomos_pipelines.cli.numbers import within
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.limits import PG_BIGINT_MAX
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.dcl import review, table_review
from autonomos_pipelines.dcl.matching.thresholds import REVIEW
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.value_refs import REVIEW_PREFIX, review_id
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from autonomos_pipelines.dcl.registry.workflow import Workflow, row_value
from autonomos_pipelines.dcl.value_review import decide_value

app = typer.Typer(
    help="Review mapping proposals: list, show, approve, reject (ids: 12 for a field mapping, "
    "v12 for a value mapping)."
)
IDS_HELP = "Ids from `review list`: 12 (a field mapping) or v12 (a value mapping)"


def workflow() -> Workflow:
    return Workflow(open_registry(get_settings()))


def value_workflow() -> ValueWorkflow:
    return ValueWorkflow(workflow())


def parse_id(text: str) -> tuple[bool, int]:
    """`12` -> (False, 12), a field mapping; `v12` -> (True, 12), a value mapping."""
    is_value = text[:1].lower() == REVIEW_PREFIX
    try:
        number = int(text[1:] if is_value else text)
    except ValueError:
        raise ConfigError(
            f"mapping id {text[:30]!r}: expected a number (a field mapping) or v and a number "
            "(a value mapping)"
        ) from None
    return is_value, within("value mapping id" if is_value else "mapping id", number, 1,
                            PG_BIGINT_MAX)  # fmt: skip


def describe_value(row: dict) -> str:
    """One value-mapping row on one line, its id with the `v` that `review` expects."""
    confidence = "" if row["confidence"] is None else f" confidence {row['confidence']:.3f}"
    return (
        f"{review_id(row):>6}  {row['tenant_id'] or 'global'}  {row['connector']}."
        f"{row['source_table']}.{row['source_field']} = {row['source_value']!r} -> "
        f"{row['canonical_entity']}.{row['canonical_field']} = {row['canonical_value']!r}  "
        f"[{row['status']}, {row['method']}{confidence}]"
    )


def describe(row: dict) -> str:
    target = row_value(row)["target"] or "(no target)"
    confidence = "" if row["confidence"] is None else f" confidence {row['confidence']:.3f}"
    computed = f" = {row['expression']}" if row.get("expression") else ""
    return (
        f"{row['id']:>6}  {row['tenant_id'] or 'global'}  {row['connector']}.{row['source_table']}"
        f".{row['source_field']} -> {target}{computed}  "
        f"[{row['status']}, {row['method']}{confidence}]"
    )


@app.command("list")
@friendly_errors
def list_pending(tenant: str = typer.Option(None, help="Only this tenant")) -> None:
    """Proposals and flagged mappings waiting for a reviewer, plus detected conflicts, then
    value-mapping proposals (ids v…); an item prints the same line with or without --tenant."""
    flow = workflow()
    queue = review.review_queue(flow, tenant_arg(tenant))
    for row in queue.pending:
        typer.echo(describe(row))
    typer.echo(f"{len(queue.pending)} mapping(s) await review")
    values = ValueWorkflow(flow).store.pending(tenant_arg(tenant))
    for row in values:
        typer.echo(describe_value(row))
    typer.echo(f"{len(values)} value mapping(s) await review")
    for conflict in queue.conflicts:
        typer.echo(conflict.line())


@app.command("show")
@friendly_errors
def show(mapping_id: str = typer.Argument(..., help=IDS_HELP)) -> None:
    """One proposal with its reason and the evidence behind it (candidates, features)."""
    is_value, number = parse_id(mapping_id)
    if is_value:
        show_value(number)
        return
    row = workflow().get(number)
    typer.echo(describe(row))
    typer.echo(f"reason: {row['reason'] or '-'}")
    typer.echo(f"proposed by {row['created_by']} at {row['created_at']:%Y-%m-%d %H:%M:%S}")
    listed = (row["evidence"] or {}).get("list")  # an aggregate of a nested list's field
    if listed:
        typer.echo(f"reads the list {listed['table']} nested in {row['source_table']}'s records; "
                   f"the candidates of {listed['table']}.{listed['field']}:")  # fmt: skip
    table = (row["evidence"] or {}).get("table")
    if table:
        typer.echo(f"table taken for {table['entity']}: {table['why']}")
    for candidate in (row["evidence"] or {}).get("candidates", []):
        typer.echo(f"  {candidate['confidence']:.3f}  {candidate['target']}")
        features = {k: v for k, v in candidate.get("features", {}).items() if v}
        typer.echo(f"         {json.dumps(features)}")


def show_value(value_id: int) -> None:
    row = value_workflow().store.get(value_id)
    typer.echo(describe_value(row))
    typer.echo(f"reason: {row['reason'] or '-'}")
    typer.echo(f"proposed by {row['created_by']} at {row['created_at']:%Y-%m-%d %H:%M:%S}")
    for value, similarity in (row["evidence"] or {}).get("candidates", []):
        typer.echo(f"  {similarity:.3f}  {value}")


@app.command("approve")
@friendly_errors
def approve(
    mapping_ids: list[str] = typer.Argument(..., help=IDS_HELP),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
    force: bool = typer.Option(False, help="Approve even if another field feeds the target"),
) -> None:
    """Approve and activate proposals; the next run's canonical tables use them."""
    ids = [parse_id(text) for text in mapping_ids]
    flow, actor = workflow(), acting_user(user)
    drift = SchemaStore(flow.engine)
    baseline = flow.decides_baseline(actor)  # the baseline every tenant inherits: an admin's
    for is_value, number in ids:
        if is_value:
            decided = decide_value(ValueWorkflow(flow), number, actor, "approve", None, baseline)
            typer.echo("approved " + describe_value(decided))
            continue
        row = review.approve(flow, number, actor, force, None, baseline, drift=drift)
        typer.echo("approved " + describe(row))
        hint = review.feeding_hint(flow, row)
        if hint:
            typer.echo(f"  note: {hint}")


@app.command("tables")
@friendly_errors
def tables(tenant: str = typer.Option(None, help="Only this tenant")) -> None:
    """The source tables with proposals waiting, each with its key's proposal (which decides
    the canonical table it feeds): what `review approve-table` decides together."""
    found = table_review.pending_tables(workflow(), tenant_arg(tenant))
    for table in found:
        typer.echo(
            f"{table.tenant_id or 'global'}  {table.connector}.{table.table}  "
            f"{len(table.rows)} waiting  {table_review.key_said(table)}"
        )
    typer.echo(
        f"{len(found)} table(s) with proposals waiting; decide one with "
        "`autonomos review approve-table CONNECTOR.TABLE [--tenant T] [--dry-run]`"
    )


@app.command("approve-table")
@friendly_errors
def approve_table(
    table: str = typer.Argument(..., help="connector.table, as `review list` shows it"),
    tenant: str = typer.Option(None, help="The tenant's proposals (default: the baseline's)"),
    floor: float = typer.Option(REVIEW, "--min-confidence", help="Leave any below this"),
    dry_run: bool = typer.Option(False, help="Say what would be approved and left; decide nothing"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Approve a source table's new mappings together: its key first (it decides which
    canonical table the table feeds), then its other fields, most confident first. Left for a
    person, with why: below --min-confidence, flagged, no counterpart, a replacement of an
    active mapping, another entity's target, a target another field feeds, older versions."""
    connector, _, name = table.partition(".")
    if not connector or not name:
        raise ConfigError(f"table {table[:80]!r}: expected connector.table, e.g. stripe.customers")
    if not 0.0 <= floor <= 1.0:  # NaN fails too
        raise ConfigError(f"--min-confidence {floor!r}: expected a number from 0 to 1")
    flow = workflow()
    done = table_review.approve_table(
        flow, tenant_arg(tenant), connector, name, acting_user(user), floor,
        drift=SchemaStore(flow.engine), dry_run=dry_run,
    )  # fmt: skip
    verb, leave = ("would approve", "would leave") if dry_run else ("approved", "left")
    for row in done.approved:
        typer.echo(f"{verb} {describe(row)}")
    for row, why in done.left:
        typer.echo(f"{leave} {describe(row)}: {why}")
    feeds = f"feeds {done.entity}" if done.entity else "maps to no entity"
    typer.echo(
        f"{connector}.{name} {feeds}: {len(done.approved)} {verb}, {len(done.left)} {leave} "
        "for a person"
    )
    hint = review.feeding_hint(flow, done.approved[0]) if done.approved and not dry_run else None
    if hint:  # its key was left: what was approved waits for it
        typer.echo(f"  note: {hint}")


@app.command("reject")
@friendly_errors
def reject(
    mapping_ids: list[str] = typer.Argument(..., help=IDS_HELP),
    reason: str = typer.Option("", help="Why (kept in the audit log)"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Reject proposals; the same target (or canonical value) is never proposed again for
    that field (or source value)."""
    ids = [parse_id(text) for text in mapping_ids]
    flow, actor = workflow(), acting_user(user)
    drift = SchemaStore(flow.engine)
    baseline = flow.decides_baseline(actor)
    for is_value, number in ids:
        if is_value:
            values = ValueWorkflow(flow)
            rejected = decide_value(values, number, actor, "reject", None, baseline, reason)
            typer.echo("rejected " + describe_value(rejected))
            continue
        row = review.reject(flow, number, actor, reason, None, baseline, drift=drift)
        typer.echo("rejected " + describe(row))
