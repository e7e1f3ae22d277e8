"""The field-mappings asset: every raw field of the tenant resolved against the registry."""

from collections import Counter

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from autonomos_pipelines.canonical.sql_builder import DLT_COLUMNS
from autonomos_pipelines.dcl.registry import Mapping, ObservedField
from mapping_assets.keys import FIELD_MAPPINGS_KEY
from mapping_assets.partitions import tenants_partitions
from resources import RegistryResource, WarehouseResource


def index_mappings(mappings: list[Mapping]) -> dict[tuple[str, str, str], Mapping]:
    return {(m.connector, m.source_table.lower(), m.source_field): m for m in mappings}


def observe_fields(
    tenant_id: str, registry: RegistryResource, warehouse: WarehouseResource
) -> list[ObservedField]:
    """Every (connector, table, column) in the tenant's raw datasets with its active mapping."""
    store = warehouse.get()
    connectors = registry.get().tenant_connectors(tenant_id)
    index = index_mappings(registry.get().active_mappings(tenant_id))
    observed = []
    with store.session(tenant_id) as session:
        for connector in connectors:
            tables = session.columns(store.raw_schema(tenant_id, connector))
            for table, columns in tables.items():
                if table.startswith("_dlt"):
                    continue
                for column, data_type in columns.items():
                    if column in DLT_COLUMNS:
                        continue
                    mapping = index.get((connector, table.lower(), column))
                    observed.append(
                        ObservedField(
                            connector, table, column, data_type, mapping.id if mapping else None
                        )
                    )
    return observed


def mapping_metadata(observed: list[ObservedField]) -> dict:
    total = len(observed)
    mapped = sum(1 for field in observed if field.mapping_id)
    by_connector: Counter[str] = Counter()
    mapped_by_connector: Counter[str] = Counter()
    for field in observed:
        by_connector[field.connector] += 1
        mapped_by_connector[field.connector] += bool(field.mapping_id)
    unmapped = [f for f in observed if not f.mapping_id]
    table = "\n".join(
        f"| {f.connector} | {f.source_table} | `{f.source_field}` | {f.data_type} |"
        for f in unmapped[:200]
    )
    return {
        "fields_total": total,
        "fields_mapped": mapped,
        "fields_unmapped": total - mapped,
        "coverage": MetadataValue.float(round(mapped / total, 4) if total else 0.0),
        **{
            f"coverage_{name}": MetadataValue.float(round(mapped_by_connector[name] / count, 4))
            for name, count in sorted(by_connector.items())
        },
        "unmapped_fields": MetadataValue.md(
            "| connector | table | field | type |\n|---|---|---|---|\n"
            + table
            + (f"\n\n…and {len(unmapped) - 200} more" if len(unmapped) > 200 else "")
        ),
    }


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
        """Resolves every raw field of the tenant against the mapping registry (tenant mappings
        override the global baseline). Fields with no active mapping are recorded as unmapped
        and their values stay in the canonical tables' `extras`. Reports coverage per tenant."""
        tenant_id = context.partition_key
        observed = observe_fields(tenant_id, registry, warehouse)
        registry.get().record_source_fields(tenant_id, observed)
        metadata = mapping_metadata(observed)
        context.log.info(
            f"tenant {tenant_id}: {metadata['fields_mapped']}/"
            f"{metadata['fields_total']} fields mapped"
        )
        return MaterializeResult(metadata=metadata)

    return field_mappings
