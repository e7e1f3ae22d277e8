"""Tenant partitions follow the registry: a sensor that adds the `tenants` partitions the
instance lacks, so daemon-launched work (schedules, automation, drift repairs) finds every
registered tenant even after DAGSTER_HOME or the Dagster database was replaced; and that
registers, or deletes, partitions added in the UI (see ui_partitions)."""

from dagster import (
    AddDynamicPartitionsRequest,
    DefaultSensorStatus,
    DeleteDynamicPartitionsRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from autonomos_pipelines.asset_graph.partitions import missing_tenants, tenants_partitions
from mapping_assets.ui_partitions import (
    MAX_REGISTERED_PER_TICK,
    refusal_message,
    register_ui_tenants,
    unknown_partitions,
)
from resources import RegistryResource

INTERVAL_SECONDS = 60  # one query of the registry and one of the instance per tick


@sensor(
    name="tenant_partitions",
    minimum_interval_seconds=INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Keeps the `tenants` partitions and the registry (the source of truth) in "
    "step. Adds a partition for every registry tenant the instance lacks. A partition added "
    'in the UI ("Add a partition") is registered as a tenant without connectors (audited as '
    "`dagster-ui`; `autonomos tenants add` enables connectors) if its name is a valid tenant "
    f"id, and deleted with the reason in this sensor's log if not; at most "
    f"{MAX_REGISTERED_PER_TICK} a tick, and none "
    "while the registry has no tenant (a fresh or wrong database).",
)
def tenant_partitions(context: SensorEvaluationContext, registry: RegistryResource):
    """Adds registry tenants' partitions; registers or deletes partitions added in the UI."""
    store = registry.get()
    registered = store.tenants()
    unknown = unknown_partitions(context.instance, registered)
    missing = missing_tenants(context.instance, registered)
    requests: list[AddDynamicPartitionsRequest | DeleteDynamicPartitionsRequest] = []
    said = []
    if unknown.hostile:
        said.append(refusal_message(unknown.hostile))
        context.log.error(said[-1])
        requests.append(tenants_partitions.build_delete_request(list(unknown.hostile)))
    if unknown.valid:
        level, line = register_ui_tenants(store, unknown.valid, registered)
        said.append(line)
        context.log.log(level, line)
    if missing:
        said.append(
            f"added {len(missing)} tenant partition(s) from the registry: {', '.join(missing)}"
        )
        context.log.info(said[-1])
        requests.append(tenants_partitions.build_add_request(missing))
    if not said:
        return SkipReason(f"all {len(registered)} registry tenants have a partition")
    return SensorResult(
        dynamic_partitions_requests=requests, skip_reason=SkipReason("; ".join(said))
    )
