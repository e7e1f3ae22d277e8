"""Checks of entity unification, per tenant: every crosswalk member points at an existing
unified entity, no unified entity spans two tenants, and (a warning) pairs wait in review."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey

from autonomos_pipelines.canonical.unification import Unified
from quality_checks.partitioned import tenant_check_spec

MEMBERS_RESOLVE, ONE_TENANT, REVIEW_QUEUE = (
    "members_resolve",
    "one_tenant_per_entity",
    "review_queue",
)


def unified_check_specs(golden: AssetKey) -> list[AssetCheckSpec]:
    return [
        tenant_check_spec(
            MEMBERS_RESOLVE, asset=golden,
            description="Fails when a crosswalk member's unified id has no golden record.",
        ),
        tenant_check_spec(
            ONE_TENANT, asset=golden,
            description="Fails when one unified entity has members of two tenants.",
        ),
        tenant_check_spec(
            REVIEW_QUEUE, asset=golden,
            description="Warns while pairs between the two thresholds wait for a person "
            "(`autonomos unify review TENANT ENTITY`).",
        ),
    ]  # fmt: skip


def unified_check_results(golden: AssetKey, unified: Unified) -> list[AssetCheckResult]:
    return [
        AssetCheckResult(
            asset_key=golden, check_name=MEMBERS_RESOLVE, passed=unified.orphans == 0,
            metadata={"members_without_entity": unified.orphans},
        ),
        AssetCheckResult(
            asset_key=golden, check_name=ONE_TENANT, passed=unified.mixed_tenants == 0,
            metadata={"entities_on_two_tenants": unified.mixed_tenants},
        ),
        AssetCheckResult(
            asset_key=golden, check_name=REVIEW_QUEUE, passed=unified.review_pairs == 0,
            severity=AssetCheckSeverity.WARN, metadata={"pairs_in_review": unified.review_pairs},
        ),
    ]  # fmt: skip
