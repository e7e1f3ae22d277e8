"""Raw assets: one dlt multi-asset per connector spec, rebuilt per tenant at run time."""

from collections.abc import Iterator
from typing import Any

import dlt
from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    DagsterError,
    MaterializeResult,
    multi_asset,
)
from dagster_dlt import DagsterDltResource

from autonomos_pipelines.aam.adapters.factory import build_source
from autonomos_pipelines.aam.adapters.key_collisions import KeyCollisions
from autonomos_pipelines.aam.adapters.pipelines import new_pipeline
from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.drift.loads import record_load_schemas, relevant_events
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.aam.http.session import HttpRuntime
from autonomos_pipelines.aam.runtime import ConnectorRuntime
from autonomos_pipelines.aam.specs.spec_loader import AnySpec
from autonomos_pipelines.asset_graph.partitions import tenant_of, tenants_partitions
from autonomos_pipelines.asset_graph.queues import INGEST_QUEUE, queue_tag
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.tracing import annotate, span
from autonomos_pipelines.core.tracing_errors import fail_current
from autonomos_pipelines.warehouse.store import Warehouse
from mapping_assets.raw.accounting import best_effort, load_failed
from mapping_assets.raw.asset_specs import (
    TABLE_NAME,
    AutonomosDltTranslator,
    described_assets,
    raw_table_name,
)
from mapping_assets.raw.failures import load_fault
from mapping_assets.raw.schemas import observe_if_changed, previous_load_time
from mapping_assets.raw.support import (
    collision_metadata,
    http_metadata,
    probe_succeeds,
    record_usage,
    skip,
)
from mapping_assets.step_tracing import traced_step
from mapping_assets.step_worker import worker_metadata
from quality_checks.connector_health import (
    DEGRADED,
    DISABLED,
    LOADED,
    health_check_result,
    health_check_specs,
)
from quality_checks.raw_schema_changes import CHECK_NAME as SCHEMA_CHECK
from quality_checks.raw_schema_changes import schema_check_result, schema_check_specs
from resources import ConnectorsResource, RegistryResource, WarehouseResource


def raw_assets_for(spec: AnySpec) -> AssetsDefinition:
    translator = AutonomosDltTranslator(spec)
    asset_specs = described_assets(spec, translator)

    # what @dlt_assets builds, plus a schema-change check per table yielded by the load itself
    @multi_asset(
        specs=asset_specs,
        check_specs=schema_check_specs(asset_specs) + health_check_specs(asset_specs),
        name=f"raw_{spec.name}",
        can_subset=True,
        partitions_def=tenants_partitions,
        op_tags=queue_tag(INGEST_QUEUE),
    )
    @traced_step
    def _raw(
        context: AssetExecutionContext,
        dlt_resource: DagsterDltResource,
        registry: RegistryResource,
        warehouse: WarehouseResource,
        connectors: ConnectorsResource,
    ) -> Iterator[Any]:
        tenant_id = tenant_of(context)
        settings = connectors.settings()
        breaker: HealthStore | None = None
        http: HttpRuntime | None = None
        connection: Connection | None = None
        try:
            options = registry.get().tenant_connectors(tenant_id)
            if spec.name not in options:
                context.log.warning(f"{spec.name} is not enabled for tenant {tenant_id}; skipped")
                yield from skip(context, DISABLED, "not enabled for this tenant")
                return
            runtime = connectors.get()
            breaker = runtime.health
            http = runtime.http(spec, tenant_id)
            connection = runtime.connection(spec, tenant_id, options[spec.name])
            if breaker.get(tenant_id, spec.name).degraded:
                reason = probe_succeeds(spec, connection, http)
                if reason:
                    context.log.warning(f"{spec.name} is degraded; probe failed: {reason}")
                    yield from skip(context, DEGRADED, f"probe failed: {reason}")
                    return
                context.log.info(f"{spec.name}: probe succeeded, loading again")
            store = warehouse.get()
            pipeline = tenant_pipeline(store, runtime, spec, tenant_id)
            collisions = KeyCollisions()
            with span("connector.load", connector=spec.name, tenant=tenant_id):
                events = list(
                    dlt_resource.run(
                        context=context,
                        dlt_source=build_source(spec, connection, http, collisions),
                        dlt_pipeline=pipeline,
                        dagster_dlt_translator=translator,
                    )
                )
                annotate(tables=len(events), http_requests=http.stats.requests)
        except DagsterError:
            raise
        except Exception as error:  # every fault becomes one line; only the source's count
            if http is not None:
                used = http
                best_effort(
                    context, "usage", lambda: record_usage(runtime.usage, tenant_id, used, [])
                )
            fault = load_fault(error, connection, settings)
            fail_current(fault.message)  # the step's span: redacted, unlike the error's text
            raise load_failed(context, breaker, spec.name, tenant_id, fault, http) from None
        # the data landed: from here on, a failed bookkeeping write does not fail the load
        best_effort(
            context, "the breaker's success", lambda: breaker.record_success(tenant_id, spec.name)
        )  # type: ignore[union-attr]
        best_effort(context, "usage", lambda: record_usage(runtime.usage, tenant_id, http, events))  # type: ignore[arg-type]
        if collisions.renamed:
            context.log.warning(
                f"{spec.name}: {len(collisions.renamed)} payload key(s) would share a column "
                "with another key; each was given its own column (see keys_renamed)"
            )
        since = {  # read before this load's materialisations are stored
            check.asset_key: previous_load_time(context.instance, check.asset_key, tenant_id)
            for check in context.selected_asset_check_keys
            if check.name == SCHEMA_CHECK
        }
        # dagster-dlt drops and re-creates the pipeline's local state before it runs, so the
        # object we hold keeps only the source's hints: the schema dlt stored is read back
        stored = dlt.attach(pipeline.pipeline_name, pipelines_dir=pipeline.pipelines_dir)
        schemas = runtime.schemas
        loaded = record_load_schemas(schemas, tenant_id, spec.name, stored.default_schema)
        version_hash = stored.default_schema.version_hash
        observe_if_changed(context, loaded, spec, tenant_id, options[spec.name], runtime)
        for event in events:
            name = event.asset_key.path[-1] if event.asset_key else ""
            table = loaded.get(name)
            yield MaterializeResult(
                asset_key=event.asset_key,
                metadata={
                    **(event.metadata or {}),
                    # where the rows are: schema.table in the tenant's warehouse
                    TABLE_NAME: raw_table_name(
                        spec.name, name, store.raw_schema(tenant_id, spec.name)
                    ),
                    "connector_status": "healthy",
                    **worker_metadata(),
                    **http_metadata(http),
                    **collision_metadata(collisions),
                    **(
                        {
                            "schema_fingerprint": table.fingerprint[:16],
                            "dlt_schema_version_hash": version_hash,
                        }
                        if table
                        else {}
                    ),
                },
            )
        for check in context.selected_asset_check_keys:
            if check.name != SCHEMA_CHECK:
                yield health_check_result(check.asset_key, LOADED)
                continue
            name = check.asset_key.path[-1]
            found = relevant_events(schemas, tenant_id, spec.name, name, since[check.asset_key])
            yield schema_check_result(check.asset_key, loaded.get(name), found)

    return _raw


def tenant_pipeline(
    warehouse: Warehouse, runtime: ConnectorRuntime, spec: AnySpec, tenant_id: TenantId
) -> Any:
    """The tenant's own dlt pipeline for the connector: own name, dataset and state."""
    return new_pipeline(
        pipeline_name=f"{tenant_id}__{spec.name}",
        destination=warehouse.dlt_destination(tenant_id),
        dataset_name=warehouse.raw_schema(tenant_id, spec.name),
        pipelines_dir=str(runtime.pipelines_dir),
    )
