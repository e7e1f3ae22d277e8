"""Canonical assets: one table per canonical entity, rebuilt from the active mappings."""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.aam.specs.spec_loader import AnySpec
from autonomos_pipelines.aam.specs.spec_model import record_id_columns
from autonomos_pipelines.asset_graph.automation import FOLLOWS_MAPPINGS
from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY, canonical_key
from autonomos_pipelines.asset_graph.partitions import tenant_of, tenants_partitions
from autonomos_pipelines.asset_graph.queues import DEFAULT_QUEUE, queue_tag
from autonomos_pipelines.canonical.sql_builder import (
    CAST_FAILED_KEY,
    SourceTable,
    broken_expressions,
    entity_select,
)
from autonomos_pipelines.canonical.unmapped_values import unmapped_counts
from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.core.quotas import QuotaExceeded, Quotas
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.usage import UsageMeter
from autonomos_pipelines.dcl.expressions.lists import nested_lists
from autonomos_pipelines.dcl.model.canonical_model import CanonicalEntity
from autonomos_pipelines.dcl.registry.store import Mapping, Registry
from autonomos_pipelines.dcl.registry.value_store import FieldKey, ValueMapping, ValueStore
from autonomos_pipelines.warehouse.store import Warehouse, WarehouseSession
from mapping_assets.canonical.value_metadata import unmapped_values_metadata
from mapping_assets.step_tracing import traced_step
from mapping_assets.step_worker import worker_metadata
from quality_checks.computed_mappings import computed_mappings_result, computed_mappings_spec
from quality_checks.freshness import built_result, freshness_spec
from quality_checks.lost_fields import lost_fields_result, lost_fields_spec
from quality_checks.stranded_mappings import (
    stranded_mappings,
    stranded_mappings_result,
    stranded_mappings_spec,
)
from resources import ConnectorsResource, RegistryResource, TenancyResource, WarehouseResource


def source_tables(
    session: WarehouseSession,
    schema_of: dict[str, str],
    specs: dict[str, AnySpec],
    mappings: list[Mapping],
    value_maps: dict[FieldKey, dict[str, ValueMapping]] | None = None,
) -> list[SourceTable]:
    """The tenant's raw tables, each with the active mappings of its fields, the active
    value mappings of its enumeration fields and the lists nested in its records."""
    by_table: dict[tuple[str, str], list[Mapping]] = defaultdict(list)
    for mapping in mappings:
        by_table[(mapping.connector, mapping.source_table.lower())].append(mapping)
    found = []
    for connector, schema in schema_of.items():
        spec = specs[connector]
        ids = record_id_columns(spec)
        tables = session.columns(schema)
        for table, columns in tables.items():
            if table.startswith("_dlt"):
                continue
            found.append(
                SourceTable(
                    connector,
                    spec.source_system,
                    schema,
                    table,
                    columns,
                    ids.get(table),
                    by_table.get((connector, table.lower()), []),
                    *_values_of(value_maps or {}, connector, table, columns),
                    nested_lists(table, tables),
                )
            )
    return found


def _values_of(
    value_maps: dict[FieldKey, dict[str, ValueMapping]],
    connector: str,
    table: str,
    columns: dict[str, str],
) -> tuple[dict[str, dict[str, str]], dict[str, int]]:
    """The table's value maps ({field: {value: canonical value}}) and, per field, the newest
    value-mapping id among them (the rows' `_value_mapping_version`)."""
    found = {c: maps for c in columns if (maps := value_maps.get((connector, table.lower(), c)))}
    return (
        {c: {value: m.canonical_value for value, m in maps.items()} for c, maps in found.items()},
        {c: max(m.id for m in maps.values()) for c, maps in found.items()},
    )


def build_canonical(  # noqa: PLR0913
    entity: CanonicalEntity,
    tenant_id: TenantId,
    registry: Registry,
    store: Warehouse,
    schemas: SchemaStore,
    usage: UsageMeter,
    specs: dict[str, AnySpec],
) -> MaterializeResult:
    """Replace the tenant's canonical table for ``entity``, with its lost-fields check."""
    connectors = [c for c in registry.tenant_connectors(tenant_id) if c in specs]
    mappings = registry.active_mappings(tenant_id)
    value_maps = ValueStore(registry).applying(tenant_id)
    schema = store.canonical_schema(tenant_id)
    with store.session(tenant_id) as session:
        raw_schemas = {c: store.raw_schema(tenant_id, c) for c in connectors}
        sources = source_tables(session, raw_schemas, specs, mappings, value_maps)
        sql, feeding = entity_select(entity, sources, tenant_id, store.dialect)
        broken = broken_expressions(entity, feeding, store.dialect)
        stranded = stranded_mappings(entity, sources)
        rows = session.replace_table(schema, entity.name, sql)
        target = f"{quote_ident(schema)}.{quote_ident(entity.name)}"
        has_failure = store.dialect.json_has_key("extras", CAST_FAILED_KEY)
        failures = session.rows(f"SELECT count(*) FROM {target} WHERE {has_failure}")[0][0]  # noqa: S608
        unmapped = unmapped_counts(session, target)
        per_source = session.rows(
            f"SELECT _source_connector, _source_table, count(*), max(_mapping_version), "  # noqa: S608
            f"max(_value_mapping_version) FROM {target} GROUP BY 1, 2 ORDER BY 1, 2"
        )
        lost = lost_fields_result(
            canonical_key(entity.name), registry, schemas, session, target, tenant_id
        )
    usage.add(tenant_id, {"rows_produced": rows})
    metadata: dict[str, Any] = {
        "dagster/row_count": rows,
        "dagster/table_name": f"{schema}.{entity.name}",
        "cast_failures": int(failures),
        "source_tables": MetadataValue.md(
            "| connector | table | rows | mapping version | value-mapping version |\n"
            "|---|---|---|---|---|\n"
            + "\n".join(f"| {c} | {t} | {n} | {v} | {w} |" for c, t, n, v, w in per_source)
        ),
        "sources_feeding": len(feeding),
        "broken_expressions": len(broken),
        "stranded_mappings": sum(len(onto) for _, onto in stranded),
        **unmapped_values_metadata(unmapped),
        **worker_metadata(),
    }
    checks = [lost, computed_mappings_result(broken), stranded_mappings_result(entity, stranded)]
    return MaterializeResult(metadata=metadata, check_results=checks)


def check_rows_quota(tenant_id: TenantId, quotas: Quotas, usage: UsageMeter) -> None:
    """Stop before building when the tenant used its canonical rows for the last hour (the
    previous table stays as it was)."""
    used = usage.last_hour(tenant_id, "rows_produced")
    try:
        quotas.check(tenant_id, "canonical_rows_per_hour", used)
    except QuotaExceeded as exceeded:
        raise Failure(
            description=str(exceeded),
            metadata={"quota": exceeded.quota, "quota_limit": exceeded.limit,
                      "quota_used": round(exceeded.used)},
        ) from None  # fmt: skip


def canonical_asset(entity: CanonicalEntity, raw_keys: list[AssetKey], specs: dict[str, AnySpec]):
    @asset(
        key=canonical_key(entity.name),
        deps=[FIELD_MAPPINGS_KEY, *raw_keys],
        partitions_def=tenants_partitions,
        group_name="canonical",
        kinds={"sql"},
        op_tags=queue_tag(DEFAULT_QUEUE),
        check_specs=[
            lost_fields_spec(canonical_key(entity.name)),
            computed_mappings_spec(canonical_key(entity.name)),
            stranded_mappings_spec(canonical_key(entity.name)),
            freshness_spec(canonical_key(entity.name)),
        ],
        automation_condition=FOLLOWS_MAPPINGS,
        # schema.table in every tenant's DuckDB file (PostgreSQL: `<tenant>__canonical`)
        metadata={"dagster/table_name": f"canonical.{entity.name}"},
        description=f"Canonical `{entity.name}`: {entity.description} Built by SQL generated from "
        "the active mappings, with lineage columns and `extras`; replaced on every run.",
    )
    @traced_step
    def _canonical(
        context: AssetExecutionContext,
        registry: RegistryResource,
        warehouse: WarehouseResource,
        tenancy: TenancyResource,
        connectors: ConnectorsResource,
    ) -> MaterializeResult:
        tenant_id, usage = tenant_of(context), tenancy.usage()
        check_rows_quota(tenant_id, tenancy.quotas(), usage)
        schemas = connectors.get().schemas
        result = build_canonical(
            entity, tenant_id, registry.get(), warehouse.get(), schemas, usage, specs
        )
        failures = (result.metadata or {})["cast_failures"]
        if failures:
            context.log.warning(
                f"{entity.name}: {failures} rows kept values "
                "that did not convert in extras._cast_failed"
            )
        broken = (result.metadata or {})["broken_expressions"]
        if broken:
            context.log.warning(
                f"{entity.name}: {broken} computed mapping(s) no longer fit their source table "
                "and read NULL (see the computed_mappings check)"
            )
        stranded = (result.metadata or {})["stranded_mappings"]
        if stranded:
            context.log.warning(
                f"{entity.name}: {stranded} active mapping(s) come from tables that do not "
                "feed it and reach no row (see the stranded_mappings check)"
            )
        unmapped = (result.metadata or {})["unmapped_values"]
        if unmapped:
            context.log.info(
                f"{entity.name}: {unmapped} enumeration values kept as sent (no value mapping; "
                "see extras._unmapped_values)"
            )
        fresh = built_result(
            canonical_key(entity.name), tenant_id, tenancy.cadences().get(tenant_id),
            datetime.now(UTC),
        )  # fmt: skip
        return MaterializeResult(
            metadata=result.metadata, check_results=[*(result.check_results or []), fresh]
        )

    return _canonical
