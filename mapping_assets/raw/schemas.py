"""Schema bookkeeping around a raw load: when the tenant's partition last loaded, and an
observation of the source when the load's schema grew."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

from autonomos_pipelines.aam.drift.loads import LoadedSchema
from autonomos_pipelines.aam.drift.store import DriftEvent
from autonomos_pipelines.aam.runtime import ConnectorRuntime
from autonomos_pipelines.aam.specs.spec_model import AnySpec
from autonomos_pipelines.core.errors import SourceError
from autonomos_pipelines.core.tenant_id import TenantId


def observe_if_changed(  # noqa: PLR0913
    context: Any,
    loaded: dict[str, LoadedSchema],
    spec: AnySpec,
    tenant_id: TenantId,
    options: dict[str, Any],
    runtime: ConnectorRuntime,
) -> list[DriftEvent]:
    """A load whose dlt schema grew (a new field, a renamed one, a retyped value) has met
    drift before the observer's next tick: observe the source now, so this run's mapping step
    repairs or gates it before any canonical table is built from the new shape. The first load
    of a connector observes too, so that there is a baseline to compare with."""
    changed = any(table.changes for table in loaded.values())
    if not changed and runtime.schemas.latest_schemas(tenant_id, spec.name, "observer"):
        return []
    try:
        events = runtime.observe(spec, tenant_id, options)
    except SourceError as error:  # the sensor will try again; the load itself succeeded
        context.log.warning(
            f"schema changed in the load but the source could not be observed: {error}"
        )
        return []
    for event in events:
        context.log.info(f"drift event {event.id} raised by the load: {event.source_table}")
    return events


def previous_load_time(instance: DagsterInstance, key: AssetKey, tenant_id: TenantId) -> datetime:
    """When this tenant's partition of the asset last materialised (epoch if never)."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key, asset_partitions=[tenant_id]), limit=1
    ).records
    return datetime.fromtimestamp(records[0].timestamp if records else 0, tz=UTC)
