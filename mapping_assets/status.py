"""`ops/status`: the tenant's status view in the Dagster UI, per tenant partition. Not computed
by a step (a blocking review gate would skip any step after the mapping asset, and the status
matters most then): a materialisation reported at the end of each tenant run, carrying the
seven panels as markdown and the key figures as numbers the UI plots over time."""

from __future__ import annotations

from dagster import AssetMaterialization, AssetSpec, Definitions, MetadataValue

from autonomos_pipelines.asset_graph.keys import STATUS_KEY
from autonomos_pipelines.asset_graph.partitions import tenants_partitions
from autonomos_pipelines.status.panel import FAIL, OK, SKIPPED, UNKNOWN, WARN, TenantStatus

LABELS = {OK: "OK", WARN: "⚠ WARNING", FAIL: "❌ PROBLEM", UNKNOWN: "? UNKNOWN", SKIPPED: "SKIPPED"}

status_spec = AssetSpec(
    STATUS_KEY,
    partitions_def=tenants_partitions,
    group_name="ops",
    kinds={"postgres"},
    description="The tenant's status in seven panels (connector health, sync freshness, "
    "mapping coverage and review queue, drift, quotas and usage, LLM cost, recent failures), "
    "reported at the end of every `autonomos materialize` of the tenant; the same as "
    "`autonomos status --tenant T`.",
)


def status_markdown(status: TenantStatus) -> str:
    blocks = [f"**{LABELS[status.verdict]}** at {status.generated_at:%Y-%m-%d %H:%M:%S %Z}"]
    for number, panel in enumerate(status.panels, 1):
        lines = [f"### {number}. {panel.title} — {LABELS[panel.verdict]}: {panel.summary}"]
        for line in panel.lines:
            text = f"**{line.text}**" if line.is_problem else line.text
            lines.append(f"- {text}" + (f" → `{line.command}`" if line.command else ""))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def figure_key(panel: str, figure: str) -> str:
    """`drift_unsettled`, not `drift_drift_unsettled`: the panel's name once."""
    stem = panel.rstrip("s")  # connectors' connectors_enabled, quotas' quota_…
    return figure if figure.startswith(stem) else f"{panel}_{figure}"


def status_materialization(status: TenantStatus) -> AssetMaterialization:
    figures = {
        figure_key(panel.name, name): MetadataValue.float(float(value))
        for panel in status.panels
        for name, value in panel.figures.items()
    }
    problems = sum(1 for panel in status.panels for line in panel.lines if line.is_problem)
    return AssetMaterialization(
        STATUS_KEY,
        partition=status.tenant_id,
        metadata={
            "verdict": status.verdict,
            "problems": problems,
            **{f"verdict_{p.name}": MetadataValue.text(p.verdict) for p in status.panels},
            **figures,
            "status": MetadataValue.md(status_markdown(status)),
        },
    )


def status_definitions() -> Definitions:
    return Definitions(assets=[status_spec])
