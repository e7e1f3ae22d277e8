"""The `computed_mappings` check on every canonical table: it fails while a computed mapping
(an expression, dcl/expressions) feeding the table no longer fits the source table it reads -
a column it reads changed type or vanished with its table - so its canonical column is NULL
for that source's rows. The expression was valid when stored; the source changed under it."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from autonomos_pipelines.canonical.sql_builder import SourceTable
from autonomos_pipelines.core.markdown import cell
from autonomos_pipelines.dcl.registry.store import Mapping
from quality_checks.partitioned import tenant_check_spec

CHECK_NAME = "computed_mappings"


def computed_mappings_spec(key: AssetKey) -> AssetCheckSpec:
    return tenant_check_spec(
        CHECK_NAME,
        asset=key,
        description="Fails while an expression feeding this table no longer type-checks over "
        "the source table it reads (its column is NULL for that source's rows). "
        "`autonomos mappings check-expression` says why; `mappings set --expression` fixes it.",
    )


def computed_mappings_result(broken: list[tuple[SourceTable, Mapping, str]]) -> AssetCheckResult:
    """``broken``: (source table, computed mapping, why) of each expression that failed."""
    lines = [
        f"| {cell(m.canonical_field or '', 200)} | {cell(s.connector, 200)}."
        f"{cell(s.table, 200)} | {cell(m.source_field, 200)} | "
        f"`{cell(m.expression or '', 200)}` | {cell(why, 200)} |"
        for s, m, why in broken
    ]
    return AssetCheckResult(
        check_name=CHECK_NAME,
        passed=not broken,
        severity=AssetCheckSeverity.ERROR,
        description=(
            f"{len(broken)} computed mapping(s) read NULL: "
            + ", ".join(f"{m.canonical_field} <- {s.connector}.{s.table}" for s, m, _ in broken)
            if broken
            else "every computed mapping compiles over its source table"
        ),
        metadata={
            "broken_expressions": len(broken),
            "report": MetadataValue.md(
                "| canonical field | source table | mapping | expression | why |\n"
                "|---|---|---|---|---|\n" + "\n".join(lines)
            ),
        },
    )
