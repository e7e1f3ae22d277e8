"""The `tenant_refresh` sensor: each tenant's cadence lives in the registry (one cron per
tenant, changed at run time), which a static ScheduleDefinition per tenant cannot follow. The
sensor reads every cadence that is on and, when a tick has passed since the last one it
handled, asks for that tenant's load. The mapping and canonical tables follow by declarative
automation (asset_graph.automation), not by this sensor.

Like a Dagster schedule: a tenant just turned on starts with its next tick; ticks missed while
the daemon was down are run once (the latest), not once each; the run key names the tick, so a
tick is never launched twice. A tenant whose previous run is still queued or running skips the
tick (its run queue admits one run per tenant anyway) instead of piling runs up."""

from __future__ import annotations

import json
from datetime import datetime

from dagster import (
    AddDynamicPartitionsRequest,
    AssetKey,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.aam.specs.spec_model import resource_names
from autonomos_pipelines.asset_graph.keys import raw_key
from autonomos_pipelines.asset_graph.partitions import TENANTS_PARTITION
from autonomos_pipelines.asset_graph.run_tags import REFRESH_TICK_TAG, TENANT_TAG
from autonomos_pipelines.core.cadence import Cadence
from autonomos_pipelines.core.tenant_id import TenantId
from mapping_assets.automation import clock
from mapping_assets.jobs import LOAD_JOB, load_job
from resources import RegistryResource, TenancyResource

INTERVAL_SECONDS = 30
BUSY = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


def due_ticks(
    cadences: dict[TenantId, Cadence], cursor: dict[str, str], now: datetime
) -> dict[TenantId, datetime]:
    """Each tenant whose latest tick at or before ``now`` is newer than both the tick last
    handled (``cursor``) and the moment its cadence was last set."""
    due = {}
    for tenant_id, cadence in cadences.items():
        if not cadence.enabled:
            continue
        latest = cadence.latest_tick(now)
        handled = cursor.get(tenant_id)
        since = max([cadence.updated_at] + ([datetime.fromisoformat(handled)] if handled else []))
        if latest > since:
            due[tenant_id] = latest
    return due


def refresh_request(tenant_id: TenantId, tick: datetime, connectors: list[str]) -> RunRequest:
    specs = default_specs()
    keys: list[AssetKey] = [
        raw_key(name, table)
        for name in connectors
        if name in specs
        for table in resource_names(specs[name])
    ]
    return RunRequest(
        run_key=f"refresh:{tenant_id}:{tick.isoformat()}",
        job_name=LOAD_JOB,
        partition_key=tenant_id,
        asset_selection=keys,
        tags={TENANT_TAG: tenant_id, REFRESH_TICK_TAG: tick.isoformat()},
    )


def busy_tenants(context: SensorEvaluationContext) -> set[str]:
    runs = context.instance.get_runs(RunsFilter(statuses=BUSY))
    return {run.tags[TENANT_TAG] for run in runs if TENANT_TAG in run.tags}


def missing_partitions(
    context: SensorEvaluationContext, requests: list[RunRequest]
) -> list[AddDynamicPartitionsRequest]:
    """A due tenant whose partition the instance lost (a new DAGSTER_HOME) gets it back: the
    registry is the source of truth."""
    missing = [
        r.partition_key
        for r in requests
        if r.partition_key
        and not context.instance.has_dynamic_partition(TENANTS_PARTITION, r.partition_key)
    ]
    return [AddDynamicPartitionsRequest(TENANTS_PARTITION, missing)] if missing else []


def next_tick_line(cadences: dict[TenantId, Cadence], now: datetime) -> str:
    upcoming = sorted(
        (cadence.next_ticks(now, 1)[0], tenant_id)
        for tenant_id, cadence in cadences.items()
        if cadence.enabled
    )
    if not upcoming:
        return "no tenant has a refresh cadence on (`autonomos tenants schedule`)"
    tick, tenant_id = upcoming[0]
    return f"next: {tenant_id} at {tick.isoformat(timespec='minutes')}"


@sensor(
    name="tenant_refresh",
    minimum_interval_seconds=INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    job=load_job,  # the tenant's raw tables; a request selects its own connectors
    description="Loads each tenant's raw tables on its own cadence (`autonomos tenants "
    "schedule T CRON`, stored in the registry): one run per due cron tick, tagged `tenant` "
    "and `autonomos/refresh_tick`; missed ticks run once. The mapping and canonical tables "
    "follow through declarative automation (sensor `tenant_automation`).",
)
def tenant_refresh(
    context: SensorEvaluationContext, registry: RegistryResource, tenancy: TenancyResource
) -> SensorResult:
    now = clock.utc_now()
    cadences = tenancy.cadences().all()
    cursor: dict[str, str] = json.loads(context.cursor or "{}")
    due = due_ticks(cadences, cursor, now)
    busy = busy_tenants(context) if due else set()
    requests, skipped = [], []
    for tenant_id, tick in sorted(due.items()):
        cursor[tenant_id] = tick.isoformat()
        connectors = list(registry.get().tenant_connectors(tenant_id))
        if tenant_id in busy or not connectors:
            skipped.append(tenant_id)
            continue
        requests.append(refresh_request(tenant_id, tick, connectors))
    enabled = {str(tenant_id) for tenant_id, cadence in cadences.items() if cadence.enabled}
    cursor = {tenant: tick for tenant, tick in cursor.items() if tenant in enabled}
    summary = (
        f"{len(requests)} tenant(s) due: {', '.join(r.tags[TENANT_TAG] for r in requests)}"
        if requests
        else "no tenant due"
    )
    if skipped:
        summary += f"; skipped (a run still in progress, or no connector): {', '.join(skipped)}"
    summary += f"; {next_tick_line(cadences, now)}"
    context.log.info(summary)
    return SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=missing_partitions(context, requests),
        cursor=json.dumps(cursor, sort_keys=True),
        skip_reason=None if requests else SkipReason(summary),
    )
