"""The field-mappings asset: every raw field of the tenant resolved by the DCL."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from autonomos_pipelines.asset_graph.automation import FOLLOWS_UPSTREAM
from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY
from autonomos_pipelines.asset_graph.partitions import tenant_of, tenants_partitions
from autonomos_pipelines.asset_graph.queues import MAPPING_QUEUE, queue_tag
from autonomos_pipelines.canonical.sql_builder import DLT_COLUMNS
from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.mapping_run import map_tenant_fields
from autonomos_pipelines.dcl.matching.source_field import MAX_SAMPLES, SourceField
from autonomos_pipelines.dcl.registry.store import ObservedField
from autonomos_pipelines.dcl.value_run import map_tenant_values
from autonomos_pipelines.warehouse.dlt_hints import declared_keys
from mapping_assets.mappings.drift import repair_open_events
from mapping_assets.mappings.drift_metadata import (
    drift_events_of,
    repair_metadata,
    unsettled_event_ids,
)
from mapping_assets.mappings.metadata import (
    awaiting_note,
    feeding_note,
    mapping_metadata,
    settled_note,
    timing_note,
    unfounded_note,
    usage_metadata,
)
from mapping_assets.mappings.value_metadata import value_metadata
from mapping_assets.mappings.value_observation import observe_values
from mapping_assets.step_tracing import traced_step
from mapping_assets.step_worker import worker_metadata
from resources import (
    ConnectorsResource,
    LlmResource,
    RegistryResource,
    TenancyResource,
    WarehouseResource,
)

SAMPLE_ROWS = 200


def observe_fields(
    tenant_id: TenantId, registry: RegistryResource, warehouse: WarehouseResource
) -> list[SourceField]:
    """Every (connector, table, column) in the tenant's raw datasets, with sample values,
    the table it is a declared foreign key to (a database source's constraints) and whether
    it is declared part of its table's primary key (a constraint, or the connector spec's)."""
    store = warehouse.get()
    observed = []
    with store.session(tenant_id) as session:
        for connector in registry.get().tenant_connectors(tenant_id):
            schema = store.raw_schema(tenant_id, connector)
            declared = declared_keys(session, schema)
            for table, columns in session.columns(schema).items():
                if table.startswith("_dlt"):
                    continue
                sample = session.dataframe(
                    f"SELECT * FROM {quote_ident(schema)}.{quote_ident(table)} "  # noqa: S608
                    f"LIMIT {SAMPLE_ROWS}"
                )
                for column, data_type in columns.items():
                    if column in DLT_COLUMNS:
                        continue
                    values = sample[column].dropna().astype(str).unique()[:MAX_SAMPLES]
                    observed.append(
                        SourceField(
                            connector,
                            table,
                            column,
                            data_type,
                            samples=tuple(values),
                            references=declared.references.get((table, column)),
                            primary_key=(table, column) in declared.primary_keys,
                        )
                    )
    return observed


def field_mappings_asset(raw_keys: list[AssetKey]):
    @asset(
        key=FIELD_MAPPINGS_KEY,
        deps=raw_keys,
        partitions_def=tenants_partitions,
        group_name="dcl",
        op_tags=queue_tag(MAPPING_QUEUE),
        kinds={"postgres"},
        automation_condition=FOLLOWS_UPSTREAM,
    )
    @traced_step
    def field_mappings(  # noqa: PLR0913
        context: AssetExecutionContext,
        registry: RegistryResource,
        warehouse: WarehouseResource,
        connectors: ConnectorsResource,
        tenancy: TenancyResource,
        llm: LlmResource,
    ) -> MaterializeResult:
        """Resolves every raw field of the tenant: registry hit (approved mapping) -> RAG over
        approved mappings and canonical descriptions -> LLM (only with GEMINI_API_KEY) ->
        unmapped. Confidence >= 0.85 is auto-approved, 0.60-0.85 waits for a reviewer
        (`autonomos review list`), lower stays unmapped with its values in `extras`. Reports
        coverage, method split, RAG hit rate, LLM calls and cost, mean confidence. Open schema
        drift events are repaired first (renames move mappings, removals deprecate them, type
        changes go to review); repairs below 0.85 confidence wait for a reviewer. Then the
        values of every field mapped onto an enumeration (statuses, priorities, channels) are
        accounted for: canonical already, mapped, in review or unmapped (kept as sent and
        counted by the canonical tables); values nothing covers get value-mapping proposals
        under the same thresholds."""
        tenant_id = tenant_of(context)
        fields = observe_fields(tenant_id, registry, warehouse)
        schemas = connectors.get().schemas
        unsettled = unsettled_event_ids(schemas, tenant_id)
        repairs = repair_open_events(context, schemas, registry.get(), tenant_id, fields)
        run = map_tenant_fields(registry.get(), tenant_id, fields, llm=llm.config())
        registry.get().record_source_fields(
            tenant_id,
            [
                ObservedField(
                    o.source.source_system, o.source.source_entity, o.source.field,
                    o.source.type, o.mapping_id if o.status == "mapped" else None,
                    o.status, o.method, o.confidence,
                )
                for o in run.outcomes
            ],
        )  # fmt: skip
        observed_values = observe_values(tenant_id, registry.get(), warehouse.get())
        values = map_tenant_values(registry.get(), tenant_id, observed_values)
        events = drift_events_of(schemas, tenant_id, unsettled)
        metadata = {
            **mapping_metadata(run),
            **value_metadata(values),
            **repair_metadata(repairs, events),
            **worker_metadata(),
        }
        meter = tenancy.usage()
        meter.add(tenant_id, {"llm_calls": run.llm_calls, "llm_cost_usd": run.llm_cost_usd})
        metadata.update(usage_metadata(meter, tenant_id))
        context.log.info(
            f"tenant {tenant_id}: {metadata['fields_mapped']}/{metadata['fields_total']} fields "
            f"mapped, {run.auto_approved} auto-approved and {run.proposed} proposed this run, "
            f"{metadata['fields_pending_review']} pending review; values: "
            f"{metadata['values_mapped']} mapped, {metadata['values_in_review']} in review, "
            f"{metadata['values_unmapped']} unmapped"
            + feeding_note(run.tables_now_feeding)
            + awaiting_note(run.tables_awaiting_identity)
            + settled_note(run)
            + unfounded_note(run)
            + timing_note(run)
        )
        return MaterializeResult(metadata=metadata)

    return field_mappings
