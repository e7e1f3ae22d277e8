"""The schema observer: a sensor that only plans. Each tick it asks for repair runs of the
tenant partitions whose drift events were recorded since its cursor, and launches the tick's
observation work as `observe` runs sharded over connectors, executed by whatever workers
exist (the sampling itself happens in mapping_assets/observe/)."""

import json

from dagster import (
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

from autonomos_pipelines.aam.drift.store import DriftEvent
from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.aam.specs.spec_model import resource_names
from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY, canonical_key, raw_key
from autonomos_pipelines.asset_graph.run_tags import DOWNSTREAM_OWN_RUN, DOWNSTREAM_TAG
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.core.tenant_id import TenantId
from mapping_assets.jobs import REFRESH_JOB, refresh_job
from mapping_assets.observe import OBSERVE_JOB, observe_job
from mapping_assets.observe.plan import Shard, shards
from resources import ConnectorsResource, RegistryResource

INTERVAL_SECONDS = get_settings().observer_interval  # a definition, read where it is loaded
IN_PROGRESS = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


def _cursor(context: SensorEvaluationContext) -> dict:
    try:
        return json.loads(context.cursor or "{}")
    except ValueError:
        return {}


def drift_run_request(
    tenant_id: TenantId, connectors: set[str], event_ids: list[int]
) -> RunRequest:
    """Reload the drifted connectors' raw tables, then map (the DCL repairs) and rebuild the
    canonical tables those connectors feed."""
    specs = default_specs()
    keys: list[AssetKey] = [
        raw_key(name, table) for name in sorted(connectors) for table in resource_names(specs[name])
    ]
    # only the canonical tables the drifted connectors feed: the rest cannot have changed
    entities = sorted({entity for name in connectors for entity in specs[name].entities})
    keys += [FIELD_MAPPINGS_KEY, *(canonical_key(entity) for entity in entities)]
    return RunRequest(
        run_key=f"drift:{tenant_id}:{max(event_ids)}",
        job_name=REFRESH_JOB,
        partition_key=tenant_id,
        asset_selection=keys,
        tags={
            "tenant": tenant_id,
            "drift_events": ",".join(map(str, event_ids)),
            DOWNSTREAM_TAG: DOWNSTREAM_OWN_RUN,  # it rebuilds what the drift affects itself
        },
    )


def repair_requests(events: list[DriftEvent]) -> list[RunRequest]:
    """One repair run per tenant for its open events (those a load already settled need none)."""
    by_tenant: dict[TenantId, list[DriftEvent]] = {}
    for event in events:
        if event.status == "open":
            by_tenant.setdefault(event.tenant_id, []).append(event)
    return [
        drift_run_request(tenant, {e.connector for e in found}, sorted(e.id for e in found))
        for tenant, found in sorted(by_tenant.items())
    ]


def observe_request(shard: Shard, tick: int) -> RunRequest:
    return RunRequest(
        run_key=f"observe:{tick}:{shard.index}",
        job_name=OBSERVE_JOB,
        run_config={
            "ops": {
                "observe_batches": {
                    "config": {"batches": [batch.as_config() for batch in shard.batches]}
                }
            }
        },
        tags={
            "observe_shard": str(shard.index),
            "observe_connectors": str(shard.connectors),
            "observe_tenants": ",".join(shard.tenants)[:200],
        },
    )


def _busy_shards(context: SensorEvaluationContext) -> set[str]:
    """Shards whose observe run is still queued or running: launching again would pile up."""
    runs = context.instance.get_runs(
        RunsFilter(job_name=OBSERVE_JOB, statuses=IN_PROGRESS), limit=10_000
    )
    return {run.tags["observe_shard"] for run in runs if "observe_shard" in run.tags}


@sensor(
    name="schema_observer",
    minimum_interval_seconds=INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    jobs=[observe_job, refresh_job],
    description="Plans drift observation: each tick launches `observe` runs sharded over "
    "every tenant's connectors (AUTONOMOS_OBSERVE_SHARD per run, AUTONOMOS_OBSERVE_BATCH per "
    "step), skipping a shard whose previous run is still in progress, and requests a "
    "refresh run of the affected tenant partition for each new drift event.",
)
def schema_observer(
    context: SensorEvaluationContext, registry: RegistryResource, connectors: ConnectorsResource
):
    cursor, settings = _cursor(context), get_settings()
    last = cursor.get("last_event_id", 0)
    events = connectors.get().schemas.events(after_id=last)
    requests = repair_requests(events)
    store, specs = registry.get(), default_specs()
    planned = shards(
        {t: [c for c in store.tenant_connectors(t) if c in specs] for t in store.tenants()},
        settings.observe_batch,
        settings.observe_shard,
    )
    tick, busy = cursor.get("tick", 0) + 1, _busy_shards(context)
    skipped = [shard for shard in planned if str(shard.index) in busy]
    requests += [observe_request(s, tick) for s in planned if s not in skipped]
    if skipped:
        context.log.warning(
            f"{len(skipped)} of {len(planned)} observe shards still in progress, not launched "
            f"again this tick: {[s.index for s in skipped]}"
        )
    new_cursor = json.dumps(
        {
            "last_event_id": max([last, *(e.id for e in events)]),
            "tick": tick,
            "shards": len(planned),
            "skipped_shards": len(skipped),
            "skipped_total": cursor.get("skipped_total", 0) + len(skipped),
        }
    )
    if not requests:
        return SensorResult(
            skip_reason=SkipReason(
                f"{len(skipped)} of {len(planned)} observe shards still in progress, "
                "no new drift event"
            ),
            cursor=new_cursor,
        )
    return SensorResult(run_requests=requests, cursor=new_cursor)
