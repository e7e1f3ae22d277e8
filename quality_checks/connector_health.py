"""The `connector_health` check on every raw asset, per tenant partition.

A connector whose circuit breaker is open is skipped, not failed: its run succeeds and its
raw tables keep their last good load. This check is how that shows in the UI: it fails
(WARN) on each of the connector's tables for the tenant, with the reason, and passes again
on the next load that lands."""

from collections.abc import Sequence

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, AssetSpec

from quality_checks.partitioned import tenant_check_spec

CHECK_NAME = "connector_health"
LOADED, DEGRADED, DISABLED = "healthy", "degraded", "disabled"


def health_check_specs(specs: Sequence[AssetSpec]) -> list[AssetCheckSpec]:
    return [
        tenant_check_spec(
            CHECK_NAME,
            asset=spec.key,
            description="Did this table load for the tenant? Fails (warns) while the "
            "connector is degraded and its loads are skipped until a probe succeeds.",
        )
        for spec in specs
    ]


def health_check_result(key: AssetKey, status: str, detail: str = "") -> AssetCheckResult:
    """``status``: healthy (loaded now), degraded (skipped by the breaker) or disabled."""
    descriptions = {
        LOADED: "loaded in this run",
        DEGRADED: f"not loaded: connector degraded, load skipped ({detail}); the table keeps "
        "its last good load",
        DISABLED: f"not loaded: {detail}",
    }
    return AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=status != DEGRADED,
        severity=AssetCheckSeverity.WARN,
        description=descriptions.get(status, f"{status}: {detail}"),
        metadata={"connector_status": status},
    )
