"""The one Definitions object: raw (dlt) -> field mappings (DCL) -> canonical tables + checks.

Loading this module starts no service: resources connect on first use inside a run.
"""

from __future__ import annotations

from dagster import (
    AssetKey,
    Definitions,
    in_process_executor,
    multiprocess_executor,
)
from dagster_dlt import DagsterDltResource

from autonomos_pipelines.aam.specs.spec_loader import AnySpec, default_specs
from autonomos_pipelines.aam.specs.spec_model import resource_names
from autonomos_pipelines.asset_graph.keys import raw_key
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.baseline import baseline_mappings
from mapping_assets.canonical.assets import canonical_asset
from mapping_assets.mappings.field_mappings import field_mappings_asset
from mapping_assets.raw.assets import raw_assets_for
from mapping_assets.raw.observer_sensor import schema_observer
from quality_checks.great_expectations import quality_check
from quality_checks.review_gate import mapping_review_gate
from resources import RegistryResource, WarehouseResource


def feeding_raw_keys(entity: str, specs: dict[str, AnySpec]) -> list[AssetKey]:
    """Raw tables whose baseline mappings include the entity's identity field (for lineage)."""
    identity = canonical_model()[entity].identity_field
    return sorted(
        {
            raw_key(m.connector, m.source_table)
            for m in baseline_mappings()
            if m.entity == entity
            and m.field == identity
            and m.connector in specs
            and m.source_table in resource_names(specs[m.connector])
        },
        key=lambda key: key.to_user_string(),
    )


def build_definitions() -> Definitions:
    settings = get_settings()
    specs = default_specs()
    raw_assets = [raw_assets_for(spec) for spec in specs.values()]
    raw_keys = [key for assets in raw_assets for key in assets.keys]
    entities = sorted({entity for spec in specs.values() for entity in spec.entities})
    model = canonical_model()
    canonical_assets = [
        canonical_asset(model[e], feeding_raw_keys(e, specs), specs) for e in entities
    ]
    # DuckDB allows one writer per file: steps of a tenant's run must not run in parallel.
    executor = multiprocess_executor if settings.warehouse_url else in_process_executor
    return Definitions(
        assets=[*raw_assets, field_mappings_asset(raw_keys), *canonical_assets],
        asset_checks=[mapping_review_gate, *(quality_check(model[e]) for e in entities)],
        sensors=[schema_observer],
        resources={
            "dlt_resource": DagsterDltResource(),
            "registry": RegistryResource.from_settings(settings),
            "warehouse": WarehouseResource.from_settings(settings),
        },
        executor=executor,
    )


defs = build_definitions()
