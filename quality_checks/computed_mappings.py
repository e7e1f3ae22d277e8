"""The `computed_mappings` check on every canonical table: it fails while a computed mapping
(an expression, dcl/expressions) feeding the table no longer fits the source table it reads -
a column it reads changed type or vanished with its table - so its canonical column is NULL
for that source's rows. The expression was valid when stored; the source changed under it."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from autonomos_pipelines.canonical.sql_builder import SourceTable
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


def _cell(text: str) -> str:
    """Source names and expressions inside a Markdown table cell (a pipe, a backtick or a line
    break would end the cell, the code span or the row)."""
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")[:200]


def computed_mappings_result(broken: list[tuple[SourceTable, Mapping, str]]) -> AssetCheckResult:
    """``broken``: (source table, computed mapping, why) of each expression that failed."""
    lines = [
        f"| {_cell(m.canonical_field or '')} | {_cell(s.connector)}."
        f"{_cell(s.table)} | {_cell(m.source_field)} | "
        f"`{_cell(m.expression or '')}` | {_cell(why)} |"
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
