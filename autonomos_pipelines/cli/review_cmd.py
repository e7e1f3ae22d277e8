"""`autonomos review ...`: the human side of the mapping workflow."""

from __future__ import annotations

import json

import typer

from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.cli.common import ON_BEHALF_HELP, acting_user, friendly_errors, tenant_arg
from autonomos_pipelines.cli.numbers import all_within, within
from autonomos_pipelines.core.limits import PG_BIGINT_MAX
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.dcl import review
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.workflow import Workflow, row_value

app = typer.Typer(help="Review mapping proposals: list, show, approve, reject.")


def workflow() -> Workflow:
    return Workflow(open_registry(get_settings()))


def describe(row: dict) -> str:
    target = row_value(row)["target"] or "(no target)"
    confidence = "" if row["confidence"] is None else f" confidence {row['confidence']:.3f}"
    return (
        f"{row['id']:>6}  {row['tenant_id'] or 'global'}  {row['connector']}.{row['source_table']}"
        f".{row['source_field']} -> {target}  [{row['status']}, {row['method']}{confidence}]"
    )


@app.command("list")
@friendly_errors
def list_pending(tenant: str = typer.Option(None, help="Only this tenant")) -> None:
    """Proposals and flagged mappings waiting for a reviewer, plus detected conflicts; an
    item prints the same line with or without --tenant."""
    queue = review.review_queue(workflow(), tenant_arg(tenant))
    for row in queue.pending:
        typer.echo(describe(row))
    typer.echo(f"{len(queue.pending)} mapping(s) await review")
    for conflict in queue.conflicts:
        typer.echo(conflict.line())


@app.command("show")
@friendly_errors
def show(mapping_id: int = typer.Argument(..., help="Mapping id from `review list`")) -> None:
    """One proposal with its reason and the evidence behind it (candidates, features)."""
    within("mapping id", mapping_id, 1, PG_BIGINT_MAX)
    row = workflow().get(mapping_id)
    typer.echo(describe(row))
    typer.echo(f"reason: {row['reason'] or '-'}")
    typer.echo(f"proposed by {row['created_by']} at {row['created_at']:%Y-%m-%d %H:%M:%S}")
    table = (row["evidence"] or {}).get("table")
    if table:
        typer.echo(f"table taken for {table['entity']}: {table['why']}")
    for candidate in (row["evidence"] or {}).get("candidates", []):
        typer.echo(f"  {candidate['confidence']:.3f}  {candidate['target']}")
        features = {k: v for k, v in candidate.get("features", {}).items() if v}
        typer.echo(f"         {json.dumps(features)}")


@app.command("approve")
@friendly_errors
def approve(
    mapping_ids: list[int] = typer.Argument(..., help="Mapping ids"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
    force: bool = typer.Option(False, help="Approve even if another field feeds the target"),
) -> None:
    """Approve and activate proposals; the next run's canonical tables use them."""
    all_within("mapping id", mapping_ids, 1, PG_BIGINT_MAX)
    flow, actor = workflow(), acting_user(user)
    drift = SchemaStore(flow.engine)
    for mapping_id in mapping_ids:
        row = review.approve(flow, mapping_id, actor, force, None, drift=drift)
        typer.echo("approved " + describe(row))


@app.command("reject")
@friendly_errors
def reject(
    mapping_ids: list[int] = typer.Argument(..., help="Mapping ids"),
    reason: str = typer.Option("", help="Why (kept in the audit log)"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Reject proposals; the same target is never proposed again for that field."""
    all_within("mapping id", mapping_ids, 1, PG_BIGINT_MAX)
    flow, actor = workflow(), acting_user(user)
    drift = SchemaStore(flow.engine)
    for mapping_id in mapping_ids:
        row = review.reject(flow, mapping_id, actor, reason, None, drift=drift)
        typer.echo("rejected " + describe(row))
