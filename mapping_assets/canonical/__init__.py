"""Canonical assets: one table per canonical entity a connector feeds, rebuilt from the active
mappings, each with its great-expectations suite."""

from __future__ import annotations

from dagster import AssetKey, Definitions

from autonomos_pipelines.aam.specs.spec_model import AnySpec, resource_names
from autonomos_pipelines.asset_graph.keys import raw_key
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.baseline import baseline_mappings
from mapping_assets.canonical.assets import canonical_asset
from quality_checks.great_expectations import quality_check


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


def canonical_definitions(specs: dict[str, AnySpec]) -> Definitions:
    model = canonical_model()
    entities = sorted({entity for spec in specs.values() for entity in spec.entities})
    return Definitions(
        assets=[canonical_asset(model[e], feeding_raw_keys(e, specs), specs) for e in entities],
        asset_checks=[quality_check(model[e]) for e in entities],
    )
