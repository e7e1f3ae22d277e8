"""Raw assets (AAM): one dlt multi-asset per connector spec, rebuilt per tenant at run time,
each table with its schema-changes check, and the schema observer sensor with the jobs it
launches (observe; repairs run the `refresh` job)."""

from __future__ import annotations

from dagster import Definitions

from autonomos_pipelines.aam.specs.spec_model import AnySpec
from mapping_assets.observe import observe_job
from mapping_assets.raw.assets import raw_assets_for
from mapping_assets.raw.observer_sensor import schema_observer


def raw_definitions(specs: dict[str, AnySpec]) -> Definitions:
    return Definitions(
        assets=[raw_assets_for(spec) for spec in specs.values()],
        sensors=[schema_observer],
        jobs=[observe_job],
    )
