"""Tenant partitions follow the registry: a sensor that adds the `tenants` partitions the
instance lacks, so daemon-launched work (schedules, automation, drift repairs) finds every
registered tenant even after DAGSTER_HOME or the Dagster database was replaced."""

from dagster import DefaultSensorStatus, SensorEvaluationContext, SensorResult, SkipReason, sensor

from autonomos_pipelines.asset_graph.partitions import missing_tenants, tenants_partitions
from resources import RegistryResource

INTERVAL_SECONDS = 60  # one query of the registry and one of the instance per tick


@sensor(
    name="tenant_partitions",
    minimum_interval_seconds=INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Adds a `tenants` partition for every tenant in the registry that the Dagster "
    "instance does not have (the registry is the source of truth). A tenant removed from the "
    "registry keeps its partition: its runs and materialisations hang on it.",
)
def tenant_partitions(context: SensorEvaluationContext, registry: RegistryResource):
    registered = registry.get().tenants()
    missing = missing_tenants(context.instance, registered)
    if not missing:
        return SkipReason(f"all {len(registered)} registry tenants have a partition")
    context.log.info(f"adding tenant partitions from the registry: {', '.join(missing)}")
    return SensorResult(
        dynamic_partitions_requests=[tenants_partitions.build_add_request(missing)],
        skip_reason=SkipReason(
            f"added {len(missing)} tenant partition(s) from the registry: {', '.join(missing)}"
        ),
    )
