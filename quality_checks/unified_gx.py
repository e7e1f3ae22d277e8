"""A great-expectations suite per unified entity, per tenant: every crosswalk member points at
an existing unified entity, no unified entity mixes tenants, each source record is in the
crosswalk once, and match probabilities are probabilities."""

from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    MetadataValue,
)

from autonomos_pipelines.asset_graph.keys import unified_key
from autonomos_pipelines.asset_graph.partitions import tenant_of
from autonomos_pipelines.canonical.unification import table_names
from autonomos_pipelines.canonical.unified_sql import crosswalk_check_select
from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.core.tenant_id import TenantId
from quality_checks.gx_suites import ExpectationOutcome, outcome_report, validate_suite
from quality_checks.partitioned import tenant_asset_check
from resources import WarehouseResource


def crosswalk_expectations(tenant_id: TenantId) -> list[Any]:
    import great_expectations as gx

    ex = gx.expectations
    return [
        ex.ExpectColumnValuesToNotBeNull(column="unified_id"),
        ex.ExpectColumnValuesToBeInSet(column="has_golden_record", value_set=[True]),
        ex.ExpectColumnValuesToBeInSet(column="tenants_in_entity", value_set=[1]),
        ex.ExpectColumnValuesToBeInSet(column="_tenant_id", value_set=[str(tenant_id)]),
        ex.ExpectCompoundColumnsToBeUnique(column_list=["connector", "record_id"]),
        ex.ExpectColumnValuesToBeBetween(column="match_probability", min_value=0, max_value=1),
    ]


def validate_crosswalk(
    warehouse: Any, tenant_id: TenantId, entity: str, run_key: str
) -> tuple[int, list[ExpectationOutcome]]:
    """(rows, outcomes) of the crosswalk suite on the tenant's unified tables."""
    schema, names = quote_ident(warehouse.unified_schema(tenant_id)), table_names(entity)
    crosswalk = f"{schema}.{quote_ident(names['crosswalk'])}"
    golden = f"{schema}.{quote_ident(names['golden'])}"
    with warehouse.session(tenant_id) as session:
        frame = session.dataframe(crosswalk_check_select(crosswalk, golden))
    frame["tenants_in_entity"] = frame["tenants_in_entity"].astype(int)
    frame["has_golden_record"] = frame["has_golden_record"].astype(bool)
    suite = crosswalk_expectations(tenant_id)
    return len(frame), validate_suite(f"unified_{entity}", frame, suite, run_key)


def unified_quality_check(entity: str) -> AssetChecksDefinition:
    @tenant_asset_check(
        asset=unified_key(f"{entity}_crosswalk"),
        name="great_expectations",
        description=f"great-expectations suite for the `{entity}` crosswalk: every member points "
        "at an existing unified entity, no unified entity has members of two tenants, each "
        "source record appears once, match probabilities within 0..1.",
    )
    def _check(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> AssetCheckResult:
        rows, outcomes = validate_crosswalk(
            warehouse.get(), tenant_of(context), entity, context.run.run_id.replace("-", "")
        )
        failed = [o for o in outcomes if not o.success]
        return AssetCheckResult(
            passed=not failed,
            severity=AssetCheckSeverity.ERROR,
            description=f"{len(outcomes) - len(failed)}/{len(outcomes)} expectations met on "
            f"{rows} crosswalk rows",
            metadata={
                "rows": rows,
                "failures": ", ".join(f"{o.expectation}({o.column})" for o in failed) or "none",
                "report": MetadataValue.md(outcome_report(outcomes)),
            },
        )

    return _check
