"""The review gate: canonical tables wait while a field feeding them awaits a person."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY
from autonomos_pipelines.asset_graph.partitions import tenants_partitions
from autonomos_pipelines.dcl.registry.workflow import Workflow
from resources import RegistryResource


def unrepaired_drift(store, tenant_id: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Drift events the DCL has not repaired (still open, or failed): canonical waits."""
    import sqlalchemy as sa

    with store.engine.connect() as db:
        return [
            tuple(row)
            for row in db.execute(
                sa.text(
                    "SELECT id, connector, source_table, status FROM drift_events "
                    "WHERE tenant_id = :t AND status IN ('open', 'failed') ORDER BY id"
                ),
                {"t": tenant_id},
            )
        ]


@asset_check(
    asset=FIELD_MAPPINGS_KEY,
    name="mapping_review_gate",
    blocking=True,
    partitions_def=tenants_partitions,
    description="Fails while any field of the tenant's connectors has a mapping proposal or a "
    "flagged mapping waiting for a reviewer, or a schema drift event is not repaired; the "
    "canonical tables are skipped until `autonomos review approve|reject` decides.",
)
def mapping_review_gate(
    context: AssetCheckExecutionContext, registry: RegistryResource
) -> AssetCheckResult:
    tenant_id = context.partition_key
    store = registry.get()
    connectors = set(store.tenant_connectors(tenant_id))
    pending = [r for r in Workflow(store).pending(tenant_id) if r["connector"] in connectors]
    unrepaired = unrepaired_drift(store, tenant_id)
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
        f"`autonomos review approve ID` or `autonomos review reject ID`"
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
