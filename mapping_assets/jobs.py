"""The named jobs a tenant partition is built by, as the UI's Jobs page and `dagster job …`
show them: `load` (raw tables), `map_and_build` (field mappings, then canonical tables) and
`refresh` (both). Each is partitioned by tenant (Dagster infers it from the assets); a run of
one selects a tenant's own connectors within it (asset selection), so no tenant loads a
connector it does not have."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY

LOAD_JOB, MAP_AND_BUILD_JOB, REFRESH_JOB = "load", "map_and_build", "refresh"

RAW = AssetSelection.key_prefixes(["raw"])
DOWNSTREAM = AssetSelection.assets(FIELD_MAPPINGS_KEY) | AssetSelection.key_prefixes(
    ["canonical"], ["unified"]
)

load_job = define_asset_job(
    LOAD_JOB,
    selection=RAW,
    tags={"stage": LOAD_JOB},
    description="Load a tenant's raw tables (raw/<connector>/<table>) from its connectors with "
    "dlt, each table with its schema-changes and connector-health checks. A run selects the "
    "tenant's own connectors; a failing connector fails only its own assets.",
)
map_and_build_job = define_asset_job(
    MAP_AND_BUILD_JOB,
    selection=DOWNSTREAM,
    tags={"stage": MAP_AND_BUILD_JOB},
    description="Resolve every raw field of a tenant to the canonical model (dcl/field_mappings, "
    "drift repaired, review gate), then rebuild its canonical tables with their quality suites "
    "from the last good load of every connector.",
)
refresh_job = define_asset_job(
    REFRESH_JOB,
    selection=RAW | DOWNSTREAM,
    tags={"stage": REFRESH_JOB},
    description="Everything of one tenant in one run: raw loads, field mappings, canonical "
    "tables and their checks. What schedules, drift repairs and `autonomos backfill` run.",
)

JOBS: list[UnresolvedAssetJobDefinition] = [load_job, map_and_build_job, refresh_job]
