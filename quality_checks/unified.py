"""The review queue of entity unification as a check, per tenant: a warning while pairs
between the two thresholds wait for a person (the crosswalk's integrity is its GX suite,
quality_checks/unified_gx.py)."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey

from autonomos_pipelines.canonical.unification import Unified
from quality_checks.partitioned import tenant_check_spec

REVIEW_QUEUE = "review_queue"


def unified_check_specs(golden: AssetKey) -> list[AssetCheckSpec]:
    return [
        tenant_check_spec(
            REVIEW_QUEUE, asset=golden,
            description="Warns while pairs between the two thresholds wait for a person "
            "(`autonomos unify review TENANT ENTITY`).",
        ),
    ]  # fmt: skip


def unified_check_results(
    golden: AssetKey, unified: Unified, tenant: str
) -> list[AssetCheckResult]:
    waiting = unified.review_pairs
    entity = golden.path[-1]
    return [
        AssetCheckResult(
            asset_key=golden, check_name=REVIEW_QUEUE, passed=waiting == 0,
            description=f"{waiting} pair(s) wait for a person: `autonomos unify review "
            f"{tenant} {entity}`" if waiting else "no pair waits for a person",
            severity=AssetCheckSeverity.WARN, metadata={"pairs_in_review": unified.review_pairs},
        ),
    ]  # fmt: skip
