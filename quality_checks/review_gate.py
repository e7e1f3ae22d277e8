"""The review gate: canonical tables wait while a field feeding them awaits a person."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
)

from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY
from autonomos_pipelines.asset_graph.partitions import tenant_of
from autonomos_pipelines.status.gate import gate_blockers
from quality_checks.partitioned import tenant_asset_check
from resources import ConnectorsResource, RegistryResource


@tenant_asset_check(
    asset=FIELD_MAPPINGS_KEY,
    name="mapping_review_gate",
    blocking=True,
    description="Fails while any field of the tenant's connectors has a mapping proposal or a "
    "flagged mapping waiting for a reviewer, or a schema drift event is not repaired; the "
    "canonical tables are skipped until `autonomos review approve|reject` decides.",
)
def mapping_review_gate(
    context: AssetCheckExecutionContext,
    registry: RegistryResource,
    connectors: ConnectorsResource,
) -> AssetCheckResult:
    tenant_id = tenant_of(context)
    enabled = set(registry.get().tenant_connectors(tenant_id))
    blockers = gate_blockers(registry.workflow(), connectors.get().schemas, tenant_id, enabled)
    pending = blockers.pending
    unrepaired = [(e.id, e.connector, e.source_table, e.status) for e in blockers.unrepaired]
    lines = [
        f"| {r['id']} | {r['connector']}.{r['source_table']}.`{r['source_field']}` | "
        f"{r['canonical_entity']}.{r['canonical_field']} | {r['status']} | "
        f"{r['method']} | {r['confidence']} |"
        for r in pending[:200]
    ]
    names = ", ".join(
        f"{r['connector']}.{r['source_table']}.{r['source_field']} (id {r['id']})"
        for r in pending[:10]
    )
    how = (
        f"review with `autonomos review list --tenant {tenant_id}` then "
        f"`autonomos review approve ID` or `autonomos review reject ID`, or a table at a time: "
        f"`autonomos review tables --tenant {tenant_id}`, then "
        f"`autonomos review approve-table CONNECTOR.TABLE --tenant {tenant_id} --dry-run`"
    )
    if unrepaired:
        how = f"a repair failed: `autonomos drift show {unrepaired[0][0]}`; " + how
    return AssetCheckResult(
        passed=not pending and not unrepaired,
        severity=AssetCheckSeverity.ERROR,
        description=(
            f"{len(pending)} mapping(s) await review: {names}{' …' if len(pending) > 10 else ''}"
            f"; {how}"
            if pending
            else f"{len(unrepaired)} drift event(s) not repaired: "
            + ", ".join(f"{e[0]} ({e[1]}.{e[2]}, {e[3]})" for e in unrepaired[:10])
            + f"; {how}"
            if unrepaired
            else "no mapping awaits review"
        ),
        metadata={
            "pending_reviews": len(pending),
            "unrepaired_drift_events": len(unrepaired),
            "how_to_review": how,
            "pending": MetadataValue.md(
                "| id | field | proposed target | status | method | confidence |\n"
                "|---|---|---|---|---|---|\n" + "\n".join(lines)
            ),
        },
    )
