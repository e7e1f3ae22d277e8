"""The `canonical_freshness` sensor: evaluates the `freshness` check of every canonical table
a tenant's connectors feed, for every tenant, without a run (the results are reported as
asset check evaluations, per tenant partition, on each table's Checks tab).

A result is reported when it changes (fresh -> stale, stale -> fresh, first seen), so a
stale table fails once, not every minute, and the event log does not grow with every tick.
One query per tenant with a cadence and table (its latest materialisation)."""

from __future__ import annotations

import json
from datetime import datetime

from dagster import (
    AssetCheckEvaluation,
    AssetKey,
    AssetRecordsFilter,
    DefaultSensorStatus,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.asset_graph.keys import canonical_key
from autonomos_pipelines.core.cadence import Cadence
from autonomos_pipelines.core.tenant_id import TenantId
from mapping_assets.automation import clock
from quality_checks.freshness import freshness_evaluation, verdict
from resources import RegistryResource, TenancyResource

INTERVAL_SECONDS = 60


def last_built(context: SensorEvaluationContext, key: AssetKey, tenant_id: str) -> datetime | None:
    records = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key, asset_partitions=[tenant_id]), limit=1
    ).records
    return datetime.fromtimestamp(records[0].timestamp).astimezone() if records else None


def tenant_tables(registry: RegistryResource, tenant_id: TenantId) -> list[str]:
    """The canonical entities the tenant's connectors feed."""
    specs = default_specs()
    connectors = registry.get().tenant_connectors(tenant_id)
    return sorted({entity for c in connectors if c in specs for entity in specs[c].entities})


def evaluate_tenant(
    context: SensorEvaluationContext,
    tenant_id: TenantId,
    tables: list[str],
    cadence: Cadence | None,
    now: datetime,
) -> dict[str, AssetCheckEvaluation]:
    """{"tenant/table": evaluation} for each of the tenant's canonical tables."""
    checked = {}
    for entity in tables:
        key = canonical_key(entity)
        on = cadence is not None and cadence.enabled
        built = last_built(context, key, tenant_id) if on else None
        found = verdict(tenant_id, cadence, built, now)
        checked[f"{tenant_id}/{entity}"] = freshness_evaluation(key, tenant_id, found)
    return checked


@sensor(
    name="canonical_freshness",
    minimum_interval_seconds=INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Evaluates the `freshness` check of each tenant's canonical tables every "
    "minute, without a run: fails when a table is older than two intervals of the tenant's "
    "refresh cadence plus 10 minutes. Reports a result when it changes.",
)
def canonical_freshness(
    context: SensorEvaluationContext, registry: RegistryResource, tenancy: TenancyResource
) -> SensorResult:
    now = clock.utc_now()
    cadences = tenancy.cadences().all()
    reported: dict[str, bool] = json.loads(context.cursor or "{}")
    checked: dict[str, AssetCheckEvaluation] = {}
    for tenant_id in registry.get().tenants():
        tables = tenant_tables(registry, tenant_id)
        checked |= evaluate_tenant(context, tenant_id, tables, cadences.get(tenant_id), now)
    changed = [e for name, e in checked.items() if reported.get(name) != e.passed]
    stale = sorted(name for name, e in checked.items() if not e.passed)
    summary = f"{len(checked)} tables checked, {len(stale)} stale" + (
        f": {', '.join(stale[:20])}" if stale else ""
    )
    return SensorResult(
        asset_events=changed,
        cursor=json.dumps({name: e.passed for name, e in checked.items()}, sort_keys=True),
        skip_reason=SkipReason(f"{summary}; {len(changed)} result(s) reported"),
    )
