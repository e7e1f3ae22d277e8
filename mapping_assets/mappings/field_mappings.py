"""The field-mappings asset: every raw field of the tenant resolved by the DCL."""

import os

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY
from autonomos_pipelines.asset_graph.partitions import tenants_partitions
from autonomos_pipelines.canonical.sql_builder import DLT_COLUMNS
from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.core.usage import METRICS, UsageMeter
from autonomos_pipelines.dcl.drift.repair import repair_drift
from autonomos_pipelines.dcl.mapping_run import MappingRun, map_tenant_fields
from autonomos_pipelines.dcl.matching.source_field import MAX_SAMPLES, SourceField
from autonomos_pipelines.dcl.registry.store import ObservedField
from mapping_assets.mappings.drift_metadata import (
    drift_events_of,
    repair_metadata,
    unsettled_event_ids,
)
from resources import RegistryResource, WarehouseResource

SAMPLE_ROWS = 200


def observe_fields(
    tenant_id: str, registry: RegistryResource, warehouse: WarehouseResource
) -> list[SourceField]:
    """Every (connector, table, column) in the tenant's raw datasets, with sample values."""
    store = warehouse.get()
    observed = []
    with store.session(tenant_id) as session:
        for connector in registry.get().tenant_connectors(tenant_id):
            schema = store.raw_schema(tenant_id, connector)
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
                        SourceField(connector, table, column, data_type, samples=tuple(values))
                    )
    return observed


def mapping_metadata(run: MappingRun) -> dict:
    outcomes = run.outcomes
    total = len(outcomes)
    statuses, methods = run.counts("status"), run.counts("method")
    mapped = [o for o in outcomes if o.status == "mapped"]
    confidences = [o.confidence for o in mapped if o.confidence is not None]
    by_connector: dict[str, list[int]] = {}
    for o in outcomes:
        counts = by_connector.setdefault(o.source.source_system, [0, 0])
        counts[0] += 1
        counts[1] += o.status == "mapped"
    rag_found = sum(1 for o in outcomes if o.method == "rag" and o.status != "unmapped")
    return {
        "fields_total": total,
        "fields_mapped": statuses["mapped"],
        "fields_pending_review": statuses["pending_review"],
        "fields_unmapped": statuses["unmapped"],
        "auto_approved_this_run": run.auto_approved,
        "proposed_this_run": run.proposed,
        "resolved_this_run": run.resolved_now,
        **{
            f"method_{name}": methods[name] for name in ("registry", "manual", "rag", "llm", "none")
        },
        "rag_hit_rate": MetadataValue.float(
            round(rag_found / run.resolved_now, 4) if run.resolved_now else 0.0
        ),
        "llm_calls": run.llm_calls,
        "llm_cost_usd": MetadataValue.float(round(run.llm_cost_usd, 6)),
        "mean_confidence": MetadataValue.float(
            round(sum(confidences) / len(confidences), 4) if confidences else 0.0
        ),
        "coverage": MetadataValue.float(round(statuses["mapped"] / total, 4) if total else 0.0),
        **{
            f"coverage_{name}": MetadataValue.float(round(mapped_count / count, 4))
            for name, (count, mapped_count) in sorted(by_connector.items())
        },
        "fields": MetadataValue.md(fields_table(outcomes)),
    }


def usage_metadata(meter: UsageMeter, tenant_id: str) -> dict:
    """The tenant's usage over the last 30 days (this run's loads and LLM calls included;
    canonical rows up to the previous build): plotted per tenant partition in the UI."""
    totals = meter.totals(tenant_id, days=30).get(tenant_id, {})
    return {
        f"usage_30d_{metric}": MetadataValue.float(round(totals.get(metric, 0.0), 6))
        for metric in METRICS
    }


def fields_table(outcomes: list, limit: int = 300) -> str:
    order = {"pending_review": 0, "unmapped": 1, "mapped": 2}
    rows = sorted(outcomes, key=lambda o: (order[o.status], o.source.source_system))
    lines = [
        f"| {o.status} | {o.source.source_system}.{o.source.source_entity} | "
        f"`{o.source.field}` | {o.target or ''} | {o.method} | "
        f"{'' if o.confidence is None else round(o.confidence, 3)} |"
        for o in rows[:limit]
    ]
    more = f"\n\n…and {len(rows) - limit} more" if len(rows) > limit else ""
    return (
        "| status | table | field | target | method | confidence |\n|---|---|---|---|---|---|\n"
        + "\n".join(lines)
        + more
    )


def field_mappings_asset(raw_keys: list[AssetKey]):
    @asset(
        key=FIELD_MAPPINGS_KEY,
        deps=raw_keys,
        partitions_def=tenants_partitions,
        group_name="dcl",
        kinds={"postgres"},
    )
    def field_mappings(
        context: AssetExecutionContext, registry: RegistryResource, warehouse: WarehouseResource
    ) -> MaterializeResult:
        """Resolves every raw field of the tenant: registry hit (approved mapping) -> RAG over
        approved mappings and canonical descriptions -> LLM (only with GEMINI_API_KEY) ->
        unmapped. Confidence >= 0.85 is auto-approved, 0.60-0.85 waits for a reviewer
        (`autonomos review list`), lower stays unmapped with its values in `extras`. Reports
        coverage, method split, RAG hit rate, LLM calls and cost, mean confidence. Open schema
        drift events are repaired first (renames move mappings, removals deprecate them, type
        changes go to review); repairs below 0.85 confidence wait for a reviewer."""
        tenant_id = context.partition_key
        fields = observe_fields(tenant_id, registry, warehouse)
        use_llm = os.environ.get("AUTONOMOS_NO_LLM", "") not in ("1", "true")
        unsettled = unsettled_event_ids(registry, tenant_id)
        repairs = repair_drift(registry.get(), tenant_id, fields)
        for repair in repairs:
            context.log.info(
                f"drift event {repair.event_id}: {repair.action} {repair.field} -> "
                f"{repair.target} (confidence {repair.confidence}, "
                f"{'applied' if repair.applied else 'to review'})"
            )
        run = map_tenant_fields(registry.get(), tenant_id, fields, use_llm=use_llm)
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
        events = drift_events_of(registry, tenant_id, unsettled)
        metadata = {**mapping_metadata(run), **repair_metadata(repairs, events)}
        meter = UsageMeter(registry.get().engine)
        meter.add(tenant_id, {"llm_calls": run.llm_calls, "llm_cost_usd": run.llm_cost_usd})
        metadata.update(usage_metadata(meter, tenant_id))
        context.log.info(
            f"tenant {tenant_id}: {metadata['fields_mapped']}/{metadata['fields_total']} fields "
            f"mapped, {run.auto_approved} auto-approved and {run.proposed} proposed this run, "
            f"{metadata['fields_pending_review']} pending review"
        )
        return MaterializeResult(metadata=metadata)

    return field_mappings
