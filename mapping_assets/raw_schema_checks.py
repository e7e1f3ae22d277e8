"""The `schema_changes` check on every raw asset, per tenant partition.

Dagster's column-schema change checks compare an asset's latest materialisation with the
previous one whatever its partition, so with tenant partitions they would compare one tenant
with another. This check is ours and partition-aware: it reports what changed in dlt's schema
of the table in this tenant's load (new columns, and dlt's variant columns for retyped values)
and every drift event the observer raised for the table since the tenant's previous load, with
its repair status. It warns, never blocks: the mapping gate decides what canonical may use.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetRecordsFilter,
    AssetSpec,
    DagsterInstance,
    MetadataValue,
)

from autonomos_pipelines.aam.observer import observe
from autonomos_pipelines.aam.schema_fingerprint import Change, diff, tables_of
from autonomos_pipelines.aam.schema_store import DriftEvent, SchemaStore
from autonomos_pipelines.aam.spec_model import AnySpec
from autonomos_pipelines.errors import SourceError

CHECK_NAME = "schema_changes"
UNRESOLVED = ("open", "healing", "needs_review", "failed")


def schema_check_specs(specs: Sequence[AssetSpec]) -> list[AssetCheckSpec]:
    return [
        AssetCheckSpec(
            CHECK_NAME,
            asset=spec.key,
            description="Schema changes of this table for the tenant: columns dlt added in this "
            "load, and the observer's drift events since the previous load (added, removed, "
            "retyped, suspected renames) with their repair status. Warns; never blocks.",
        )
        for spec in specs
    ]


@dataclass(frozen=True)
class LoadedSchema:
    fingerprint: str
    previous_fingerprint: str | None
    changes: list[Change] = field(default_factory=list)


def record_load_schemas(
    store: SchemaStore, tenant_id: str, connector: str, dlt_schema: Any
) -> dict[str, LoadedSchema]:
    """Snapshot dlt's schema of every loaded table and say what changed since the last load."""
    previous = store.latest_schemas(tenant_id, connector, "load")
    tables = tables_of(dlt_schema)
    store.record(tenant_id, connector, tables, "load", detect=False)
    loaded = {}
    for name, schema in tables.items():
        before = previous.get(name)
        changed = before is not None and before.fingerprint != schema.fingerprint
        loaded[name] = LoadedSchema(
            schema.fingerprint,
            before.fingerprint if before else None,
            diff(before, schema) if changed and before else [],
        )
    return loaded


def observe_if_changed(  # noqa: PLR0913
    context: Any,
    loaded: dict[str, LoadedSchema],
    spec: AnySpec,
    tenant_id: str,
    options: dict[str, Any],
    settings: Any,
) -> list[DriftEvent]:
    """A load whose dlt schema grew (a new field, a renamed one, a retyped value) has met
    drift before the observer's next tick: observe the source now, so this run's mapping step
    repairs or gates it before any canonical table is built from the new shape. The first load
    of a connector observes too, so that there is a baseline to compare with."""
    store = SchemaStore.for_settings(settings)
    changed = any(table.changes for table in loaded.values())
    if not changed and store.latest_schemas(tenant_id, spec.name, "observer"):
        return []
    try:
        events = observe(spec, tenant_id, options, settings, store)
    except SourceError as error:  # the sensor will try again; the load itself succeeded
        context.log.warning(
            f"schema changed in the load but the source could not be observed: {error}"
        )
        return []
    for event in events:
        context.log.info(f"drift event {event.id} raised by the load: {event.source_table}")
    return events


def previous_load_time(instance: DagsterInstance, key: AssetKey, tenant_id: str) -> datetime:
    """When this tenant's partition of the asset last materialised (epoch if never)."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key, asset_partitions=[tenant_id]), limit=1
    ).records
    return datetime.fromtimestamp(records[0].timestamp if records else 0, tz=UTC)


def relevant_events(
    store: SchemaStore, tenant_id: str, connector: str, table: str, since: datetime
) -> list[DriftEvent]:
    return [
        event
        for event in store.events(tenant_id=tenant_id, connector=connector, source_table=table)
        if event.detected_at > since or event.status in UNRESOLVED
    ]


def schema_check_result(
    key: AssetKey, loaded: LoadedSchema | None, events: Iterable[DriftEvent]
) -> AssetCheckResult:
    events = list(events)
    load_changes = loaded.changes if loaded else []
    rows = [f"| load | {_describe(c)} | — |" for c in load_changes] + [
        f"| drift event {e.id} | {'; '.join(_describe(c) for c in _changes(e))} | {e.status} |"
        for e in events
    ]
    unresolved = [e for e in events if e.status in UNRESOLVED]
    return AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=not rows,
        severity=AssetCheckSeverity.WARN,
        description=(
            f"{len(load_changes)} change(s) in this load's schema, {len(events)} drift "
            f"event(s) ({len(unresolved)} unresolved)"
            if rows
            else "schema unchanged since the previous load"
            if loaded and loaded.previous_fingerprint
            else "first load of this table for the tenant: schema recorded"
        ),
        metadata={
            "schema_changes_in_load": len(load_changes),
            "drift_events": len(events),
            "unresolved_drift_events": len(unresolved),
            "schema_fingerprint": (loaded.fingerprint[:16] if loaded else "not loaded"),
            "previous_fingerprint": (
                loaded.previous_fingerprint[:16] if loaded and loaded.previous_fingerprint else ""
            ),
            "changes": MetadataValue.md(
                "| where | change | status |\n|---|---|---|\n" + "\n".join(rows)
            ),
        },
    )


def _changes(event: DriftEvent) -> list[Change]:
    return [Change(**change) for change in event.changes]


def _describe(change: Change) -> str:
    if change.kind == "renamed_suspected":
        return f"`{change.column}` renamed to `{change.renamed_to}`?"
    if change.kind == "type_changed":
        return f"`{change.column}` {change.old_type} → {change.new_type}"
    return f"`{change.column}` {change.kind}"
