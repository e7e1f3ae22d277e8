"""One great-expectations asset check per canonical entity, partitioned by tenant."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    MetadataValue,
)

from autonomos_pipelines.asset_graph.keys import canonical_key
from autonomos_pipelines.asset_graph.partitions import tenant_of
from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.dcl.model.canonical_model import CanonicalEntity
from quality_checks.gx_suites import outcome_report, validate
from quality_checks.partitioned import tenant_asset_check
from resources import WarehouseResource


def quality_check(entity: CanonicalEntity) -> AssetChecksDefinition:
    @tenant_asset_check(
        asset=canonical_key(entity.name),
        name="great_expectations",
        description=f"great-expectations suite for `{entity.name}`: ids not null and unique per "
        "source, emails look like emails, amounts >= 0, ISO currency codes, every mapped value "
        "converted to its canonical type (nothing in extras._cast_failed).",
    )
    def _check(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> AssetCheckResult:
        tenant_id = tenant_of(context)
        store = warehouse.get()
        table = f"{quote_ident(store.canonical_schema(tenant_id))}.{quote_ident(entity.name)}"
        with store.session(tenant_id) as session:
            frame = session.dataframe(f"SELECT * FROM {table}")  # noqa: S608
        outcomes = validate(entity, frame, context.run.run_id.replace("-", ""))
        failed = [o for o in outcomes if not o.success]
        return AssetCheckResult(
            passed=not failed,
            severity=AssetCheckSeverity.ERROR,
            description=f"{len(outcomes) - len(failed)}/{len(outcomes)} expectations met on "
            f"{len(frame)} rows",
            metadata={
                "rows": len(frame),
                "expectations": len(outcomes),
                "failed_expectations": len(failed),
                "failures": ", ".join(f"{o.expectation}({o.column})" for o in failed) or "none",
                "report": MetadataValue.md(outcome_report(outcomes)),
            },
        )

    return _check
