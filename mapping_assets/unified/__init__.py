"""Entity unification assets: per unified entity a crosswalk and golden records (with the
crosswalk's GX suite), and the canonical tables linked to their unified account and contact."""

from __future__ import annotations

from dagster import Definitions

from autonomos_pipelines.aam.specs.spec_model import AnySpec
from autonomos_pipelines.dcl.unify.model import UNIFIED_ENTITIES
from mapping_assets.unified.assets import linked_asset, unified_asset
from quality_checks.unified_gx import unified_quality_check


def unified_definitions(specs: dict[str, AnySpec]) -> Definitions:
    built: list[str] = sorted({str(entity) for spec in specs.values() for entity in spec.entities})
    unified: list[str] = [entity for entity in UNIFIED_ENTITIES if entity in built]
    if not unified:
        return Definitions()
    return Definitions(
        assets=[
            *(unified_asset(entity, unified) for entity in unified),
            linked_asset(built, unified),
        ],
        asset_checks=[unified_quality_check(entity) for entity in unified],
    )
