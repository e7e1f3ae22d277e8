"""The schema observer: a sensor that samples every tenant's sources each tick, turns changed
schemas into drift events and asks for runs of the affected tenant partitions only."""

import json
import time

from dagster import (
    AssetKey,
    AssetObservation,
    AssetSelection,
    DefaultSensorStatus,
    MetadataValue,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.aam.specs.spec_model import AnySpec, resource_names
from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY, canonical_key, raw_key
from autonomos_pipelines.asset_graph.run_tags import DOWNSTREAM_OWN_RUN, DOWNSTREAM_TAG
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.core.tenant_id import TenantId
from resources import ConnectorsResource, RegistryResource

INTERVAL_SECONDS = get_settings().observer_interval  # a definition, read where it is loaded


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
        raw_key(name, table) for name in sorted(connectors) for table in _tables(specs[name])
    ]
    # only the canonical tables the drifted connectors feed: the rest cannot have changed
    entities = sorted({entity for name in connectors for entity in specs[name].entities})
    keys += [FIELD_MAPPINGS_KEY, *(canonical_key(entity) for entity in entities)]
    return RunRequest(
        run_key=f"drift:{tenant_id}:{max(event_ids)}",
        partition_key=tenant_id,
        asset_selection=keys,
        tags={
            "tenant": tenant_id,
            "drift_events": ",".join(map(str, event_ids)),
            DOWNSTREAM_TAG: DOWNSTREAM_OWN_RUN,  # it rebuilds what the drift affects itself
        },
    )


def _tables(spec: AnySpec) -> list[str]:
    return resource_names(spec)


@sensor(
    name="schema_observer",
    minimum_interval_seconds=INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    asset_selection=AssetSelection.all(),
    description="Samples each tenant's sources (first page), fingerprints every table schema "
    "and records drift events; requests runs for the affected tenant partitions only.",
)
def schema_observer(
    context: SensorEvaluationContext, registry: RegistryResource, connectors: ConnectorsResource
):
    runtime = connectors.get()
    specs = default_specs()
    cursor = _cursor(context)
    started = time.monotonic()
    requests, failures, observed, observations = [], [], 0, []
    for tenant_id in registry.get().tenants():
        drifted: dict[str, list[int]] = {}
        for name, options in registry.get().tenant_connectors(tenant_id).items():
            if name not in specs:
                continue
            try:
                events = runtime.observe(specs[name], tenant_id, options)
            except Exception as error:  # one failing source never stops the others
                failures.append(f"{tenant_id}/{name}: {error}"[:400])  # observe() redacts
                continue
            observed += 1
            if events:
                drifted[name] = [event.id for event in events]
                observations += [drift_observation(event) for event in events]
                for event in events:
                    context.log.info(
                        f"drift event {event.id}: {tenant_id}/{name}.{event.source_table} "
                        f"{[c['kind'] + ':' + c['column'] for c in event.changes]}"
                    )
        event_ids = sorted(i for ids in drifted.values() for i in ids)
        new_ids = [i for i in event_ids if i > cursor.get("last_event_id", 0)]
        if new_ids:
            requests.append(drift_run_request(tenant_id, set(drifted), new_ids))
    for failure in failures:
        context.log.warning(f"observer could not sample {failure}")
    last = max(
        [cursor.get("last_event_id", 0)]
        + [max(map(int, r.tags["drift_events"].split(","))) for r in requests]
    )
    new_cursor = json.dumps(
        {"last_event_id": last, "last_tick_seconds": round(time.monotonic() - started, 3)}
    )
    if not requests:
        return SensorResult(
            asset_events=observations,
            skip_reason=SkipReason(
                f"{observed} connectors observed, no schema change"
                + (f"; {len(failures)} could not be sampled" if failures else "")
            ),
            cursor=new_cursor,
        )
    return SensorResult(run_requests=requests, cursor=new_cursor, asset_events=observations)


def drift_observation(event) -> AssetObservation:  # type: ignore[no-untyped-def]
    """Shown on the raw asset's timeline in the UI, per tenant partition."""
    rows = "\n".join(
        f"| {c['kind']} | `{c['column']}` | {c.get('renamed_to') or ''} | "
        f"{c.get('old_type') or ''} | {c.get('new_type') or ''} |"
        for c in event.changes
    )
    return AssetObservation(
        asset_key=raw_key(event.connector, event.source_table),
        partition=event.tenant_id,
        metadata={
            "drift_event_id": event.id,
            "drift_changes": len(event.changes),
            "detected_at": MetadataValue.timestamp(event.detected_at),
            # the change happened at most this long before detection (plotted per tick)
            **(
                {"detection_window_s": MetadataValue.float(event.detection_window_seconds)}
                if event.detection_window_seconds is not None
                else {}
            ),
            "changes": MetadataValue.md(
                "| change | column | renamed to | old type | new type |\n|---|---|---|---|---|\n"
                + rows
            ),
        },
    )
