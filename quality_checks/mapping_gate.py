"""The review gate: canonical tables wait while a field feeding them awaits a person."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from autonomos_pipelines.dcl.workflow import Workflow
from mapping_assets.keys import FIELD_MAPPINGS_KEY
from mapping_assets.partitions import tenants_partitions
from resources import RegistryResource


@asset_check(
    asset=FIELD_MAPPINGS_KEY,
    name="mapping_review_gate",
    blocking=True,
    partitions_def=tenants_partitions,
    description="Fails while any field of the tenant's connectors has a mapping proposal or a "
    "flagged mapping waiting for a reviewer; the canonical tables are skipped until "
    "`autonomos review approve|reject` decides.",
)
def mapping_review_gate(
    context: AssetCheckExecutionContext, registry: RegistryResource
) -> AssetCheckResult:
    tenant_id = context.partition_key
    store = registry.get()
    connectors = set(store.tenant_connectors(tenant_id))
    pending = [r for r in Workflow(store).pending(tenant_id) if r["connector"] in connectors]
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
    return AssetCheckResult(
        passed=not pending,
        severity=AssetCheckSeverity.ERROR,
        description=(
            f"{len(pending)} mapping(s) await review: {names}{' …' if len(pending) > 10 else ''}"
            f"; {how}"
            if pending
            else "no mapping awaits review"
        ),
        metadata={
            "pending_reviews": len(pending),
            "how_to_review": how,
            "pending": MetadataValue.md(
                "| id | field | proposed target | status | method | confidence |\n"
                "|---|---|---|---|---|---|\n" + "\n".join(lines)
            ),
        },
    )
