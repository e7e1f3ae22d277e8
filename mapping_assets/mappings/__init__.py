"""The field-mappings asset (DCL): every raw field of a tenant resolved, drift repaired, and
the review gate that holds canonical tables while a person has to decide."""

from __future__ import annotations

from dagster import AssetKey, Definitions

from mapping_assets.mappings.field_mappings import field_mappings_asset
from quality_checks.review_gate import mapping_review_gate


def mappings_definitions(raw_keys: list[AssetKey]) -> Definitions:
    return Definitions(assets=[field_mappings_asset(raw_keys)], asset_checks=[mapping_review_gate])
