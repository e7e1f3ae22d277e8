"""`autonomos drift ...`: schema drift events, their repairs, and an observer pass on demand."""

from __future__ import annotations

import json

import typer

from autonomos_pipelines.aam.drift.report import change_summary, event_detail, find_event
from autonomos_pipelines.aam.drift.store import EVENT_STATUSES, SchemaStore
from autonomos_pipelines.cli.common import friendly_errors, tenant_arg
from autonomos_pipelines.cli.numbers import within
from autonomos_pipelines.core.errors import SpecError
from autonomos_pipelines.core.limits import PG_BIGINT_MAX
from autonomos_pipelines.core.tenant_id import TenantId

app = typer.Typer(help="Schema drift: events detected by the observer and their repairs.")


def _store() -> SchemaStore:
    from autonomos_pipelines.core.database import migrated_engine
    from autonomos_pipelines.core.settings import get_settings

    return SchemaStore(migrated_engine(get_settings()))


@app.command("list")
@friendly_errors
def list_events(
    tenant: str = typer.Option(None, help="Only this tenant"),
    status: str = typer.Option(None, help=" | ".join(EVENT_STATUSES)),
) -> None:
    """Drift events, oldest first: id, tenant, table, status, what changed; then how many
    are unresolved, counted as the raw `schema_changes` check and the run summary count."""
    if status is not None and status not in EVENT_STATUSES:
        raise SpecError(f"--status {status!r}: one of {', '.join(EVENT_STATUSES)}")
    events = _store().events(tenant_id=tenant_arg(tenant), status=status)
    if not events:
        typer.echo("no drift events")
        return
    for e in events:
        window, took = e.detection_window_seconds, e.repair_seconds
        typer.echo(
            f"{e.id:>5}  {e.tenant_id:12} {e.connector}.{e.source_table:24} {e.status:13} "
            f"{e.detected_at:%Y-%m-%d %H:%M:%S}"
            + (f"  detected within {window:.1f}s" if window is not None else "")
            + (f"  repaired in {took:.1f}s" if took is not None else "")
            + f"  {change_summary(e.changes)}"
        )
    unresolved = sum(e.unresolved for e in events)
    typer.echo(f"{len(events)} drift event(s), {unresolved} unresolved")


@app.command("show")
@friendly_errors
def show(event_id: int = typer.Argument(..., help="Drift event id")) -> None:
    """One event: the changes, the old and new schema fingerprints, and the repairs made."""
    within("event id", event_id, 1, PG_BIGINT_MAX)
    store = _store()
    event = find_event(store, event_id, None)
    report = event_detail(store, event)
    typer.echo(f"drift event {event.id}: {event.tenant_id} {event.connector}.{event.source_table}")
    typer.echo(f"status {event.status}, detected {event.detected_at:%Y-%m-%d %H:%M:%S %Z}")
    if event.detection_window_seconds is not None:
        typer.echo(
            f"the change happened at most {event.detection_window_seconds:.1f}s before "
            f"detection (schema last seen unchanged {event.unchanged_at:%H:%M:%S})"
        )
    if event.repair_seconds is not None:
        typer.echo(f"repaired {event.repair_seconds:.1f}s after detection")
    typer.echo(f"schema {report['old_fingerprint'][:12]} -> {report['new_fingerprint'][:12]}")
    for change in event.changes:
        typer.echo(f"  {json.dumps(change)}")
    for repair in report["repairs"]:
        decided = "applied" if repair["applied"] else "waiting for review"
        typer.echo(
            f"  repair: {repair['action']} {repair['field']} -> {repair['target']} "
            f"(confidence {repair['confidence']}, {decided})"
        )


@app.command("observe")
@friendly_errors
def observe_now(tenant: str = typer.Option(None, help="Only this tenant")) -> None:
    """One observer pass now, in this process (what the observe runs planned by the
    schema_observer sensor do every tick)."""
    from autonomos_pipelines.aam.specs.spec_loader import default_specs
    from autonomos_pipelines.cli.dev import connector_runtime
    from autonomos_pipelines.core.settings import get_settings
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry

    settings = get_settings()
    registry = open_registry(settings)
    tenants = {
        t: registry.tenant_connectors(t)
        for t in ([TenantId(tenant)] if tenant else registry.tenants())
    }
    runtime, specs = connector_runtime(settings, list(tenants.values())), default_specs()
    for tenant_id, connectors in tenants.items():
        for name, options in connectors.items():
            try:
                events = runtime.observe(specs[name], tenant_id, options)
            except Exception as error:  # report and go on, as the sensor does
                typer.echo(f"{tenant_id}/{name}: {error}")  # observe() redacts secrets
                continue
            for e in events:
                typer.echo(
                    f"drift event {e.id}: {tenant_id}/{name}.{e.source_table}: "
                    f"{change_summary(e.changes)}"
                )
            if not events:
                typer.echo(f"{tenant_id}/{name}: no change")
