"""The `schema_changes` check on every raw asset, per tenant partition.

Dagster's column-schema change checks compare an asset's latest materialisation with the
previous one whatever its partition, so with tenant partitions they would compare one tenant
with another. This check is ours and partition-aware: it reports what changed in dlt's schema
of the table in this tenant's load (new columns, and dlt's variant columns for retyped values)
and every drift event the observer raised for the table since the tenant's previous load, with
its repair status. It warns, never blocks: the mapping gate decides what canonical may use.
"""

from collections.abc import Iterable, Sequence

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetSpec,
    MetadataValue,
)

from autonomos_pipelines.aam.drift.fingerprint import Change
from autonomos_pipelines.aam.drift.loads import LoadedSchema
from autonomos_pipelines.aam.drift.store import DriftEvent
from quality_checks.partitioned import tenant_check_spec

CHECK_NAME = "schema_changes"


def schema_check_specs(specs: Sequence[AssetSpec]) -> list[AssetCheckSpec]:
    return [
        tenant_check_spec(
            CHECK_NAME,
            asset=spec.key,
            description="Schema changes of this table for the tenant: columns dlt added in this "
            "load, and the observer's drift events since the previous load (added, removed, "
            "retyped, suspected renames) with their repair status. Warns; never blocks.",
        )
        for spec in specs
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
    unresolved = [e for e in events if e.unresolved]
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
