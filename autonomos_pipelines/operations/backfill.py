"""Backfills of tenant partitions, as Dagster's own asset backfills: one entry in the UI's
Backfills tab, executed by the daemon's backfill loop through the run queue (one run per
tenant, each tagged `tenant` by the run coordinator), each tenant's run selecting only the
assets of its own connectors."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from dagster import AssetKey, AssetSelection, DagsterInstance, Definitions, RunsFilter
from dagster._core.definitions.partitions.context import partition_loading_context
from dagster._core.definitions.selector import (
    PartitionRangeSelector,
    PartitionsByAssetSelector,
    PartitionsSelector,
)
from dagster._core.execution.backfill import PartitionBackfill

from autonomos_pipelines.asset_graph.partitions import add_missing_tenants
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.operations.runs import tenant_selection

BACKFILL_DAEMON = "BACKFILL"
HEARTBEAT_FRESH_SECONDS = 60


def selected_keys(defs: Definitions, select: str | None) -> set[AssetKey] | None:
    """``--select`` in Dagster's asset selection syntax (as `dagster asset materialize
    --select` reads it; comma-separated), where a bare connector name stands for its raw tables
    (`stripe` = `key:"raw/stripe/*"`); None for everything."""
    if not select:
        return None
    graph = defs.resolve_asset_graph()
    connectors = {key.path[1] for key in graph.get_all_asset_keys() if key.path[0] == "raw"}
    parts = [f'key:"raw/{p}/*"' if p in connectors else p for p in select.split(",")]
    try:
        keys = AssetSelection.from_coercible(parts).resolve(graph)
    except Exception as error:  # Dagster's own message names the unknown key
        raise ConfigError(f"--select {select!r}: {str(error).splitlines()[0]}") from None
    return set(keys)


def tenant_assets(
    defs: Definitions, connectors: dict[TenantId, list[str]], select: set[AssetKey] | None
) -> dict[AssetKey, list[TenantId]]:
    """Each asset to backfill and the tenants it is backfilled for: a tenant's own connectors'
    raw tables and everything downstream, cut to ``select``."""
    by_asset: dict[AssetKey, list[TenantId]] = {}
    for tenant, names in connectors.items():
        raw, downstream = tenant_selection(defs, names)
        for key in raw + downstream:
            if select is None or key in select:
                by_asset.setdefault(key, []).append(tenant)
    if not by_asset:
        raise ConfigError("--select matches no asset of the chosen tenants' connectors")
    return by_asset


def create_backfill(
    instance: DagsterInstance,
    defs: Definitions,
    by_asset: dict[AssetKey, list[TenantId]],
    tags: dict[str, str],
) -> str:
    """Add the backfill to the instance (the daemon picks it up); returns its id."""
    add_missing_tenants(instance, sorted({t for tenants in by_asset.values() for t in tenants}))
    backfill_id = uuid.uuid4().hex[:8]
    with partition_loading_context(dynamic_partitions_store=instance):
        backfill = from_tenants(instance, defs, by_asset, tags, backfill_id)
    instance.add_backfill(backfill)
    return backfill_id


def from_tenants(
    instance: DagsterInstance,
    defs: Definitions,
    by_asset: dict[AssetKey, list[TenantId]],
    tags: dict[str, str],
    backfill_id: str,
) -> PartitionBackfill:
    return PartitionBackfill.from_partitions_by_assets(
        backfill_id=backfill_id,
        asset_graph=defs.resolve_asset_graph(),
        backfill_timestamp=time.time(),
        tags=tags,
        dynamic_partitions_store=instance,
        partitions_by_assets=[
            PartitionsByAssetSelector(asset_key=key, partitions=one_by_one(tenants))
            for key, tenants in sorted(by_asset.items())
        ],
        title=f"autonomos backfill of {len({t for v in by_asset.values() for t in v})} tenants",
        description=None,
        run_config=None,
    )


def one_by_one(tenants: list[TenantId]) -> PartitionsSelector:
    """The tenants as single-key ranges (dynamic partitions have no meaningful order)."""
    return PartitionsSelector(
        ranges=[PartitionRangeSelector(start=t, end=t) for t in sorted(tenants)]
    )


def daemon_alive(instance: DagsterInstance, now: float | None = None) -> bool:
    """Whether a daemon running the backfill loop has reported in the last minute."""
    beat = instance.get_daemon_heartbeats().get(BACKFILL_DAEMON)
    return beat is not None and (now or time.time()) - beat.timestamp < HEARTBEAT_FRESH_SECONDS


def unknown_tenants(asked: Iterable[TenantId], known: Iterable[str]) -> list[str]:
    return sorted(set(asked) - set(known))


def backfill_runs(instance: DagsterInstance, backfill_id: str) -> dict[str, tuple[str, str]]:
    """run id -> (tenant, status) of every run the backfill has launched so far."""
    return {
        record.dagster_run.run_id: (
            record.dagster_run.tags.get("tenant")
            or record.dagster_run.tags.get("dagster/partition", "?"),
            record.dagster_run.status.value,
        )
        for record in instance.get_run_records(RunsFilter.for_backfill(backfill_id))
    }


def backfill_status(instance: DagsterInstance, backfill_id: str) -> str:
    backfill = instance.get_backfill(backfill_id)
    return backfill.status.value if backfill else "MISSING"
