"""Freshness of each canonical table, per tenant: the check `freshness` fails when a tenant's
table is older than its refresh cadence allows — two cron intervals (the gap between the two
latest ticks) plus 10 minutes of grace, so one missed refresh is tolerated and two are not.

It passes on every build (the table was just replaced), is evaluated every minute by the
`canonical_freshness` sensor without a run, and passes for tenants without a cadence (they
refresh only when asked), with metadata saying so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
)

from autonomos_pipelines.core.cadence import FRESHNESS_GRACE, Cadence
from autonomos_pipelines.core.tenant_id import TenantId
from quality_checks.partitioned import tenant_check_spec

CHECK_NAME = "freshness"


def freshness_spec(key: AssetKey) -> AssetCheckSpec:
    return tenant_check_spec(
        CHECK_NAME,
        asset=key,
        description="Fails when this tenant's table is older than its refresh cadence allows "
        "(`autonomos tenants schedule`): two cron intervals plus "
        f"{FRESHNESS_GRACE.seconds // 60} minutes. Passes on every build; re-evaluated every "
        "minute by the `canonical_freshness` sensor; tenants without a cadence pass.",
    )


@dataclass(frozen=True)
class Verdict:
    passed: bool
    description: str
    metadata: dict[str, Any]

    @property
    def state(self) -> str:
        return "pass" if self.passed else "fail"


def _minutes(seconds: float) -> MetadataValue:
    return MetadataValue.float(round(seconds / 60, 1))


def verdict(
    tenant_id: TenantId, cadence: Cadence | None, last_built: datetime | None, now: datetime
) -> Verdict:
    """Whether ``tenant_id``'s table, last built at ``last_built`` (None: never), is fresh at
    ``now``. A table never built is measured from when the cadence was last set."""
    if cadence is None or not cadence.enabled:
        return Verdict(
            True,
            "no refresh cadence: the table is rebuilt only when asked",
            {"tenant": tenant_id, "cadence": "none" if cadence is None else "off"},
        )
    allowed = cadence.allowed_age(now)
    age = now - (last_built or cadence.updated_at)
    overdue = cadence.overdue_by(last_built, now)
    built = MetadataValue.timestamp(last_built) if last_built else MetadataValue.text("never")
    metadata = {
        "tenant": tenant_id,
        "cadence": f"{cadence.cron} ({cadence.timezone})",
        "last_materialized": built,
        "allowed_age_minutes": _minutes(allowed.total_seconds()),
        "age_minutes": _minutes(age.total_seconds()),
        "overdue_by_minutes": _minutes(max(overdue, 0.0)),
    }
    if overdue <= 0:
        return Verdict(True, "fresh", metadata)
    return Verdict(
        False,
        f"tenant {tenant_id}: table is {age.total_seconds() / 60:.0f} min old, its cadence "
        f"{cadence.cron} allows {allowed.total_seconds() / 60:.0f}; see its refresh runs",
        metadata,
    )


def freshness_evaluation(
    key: AssetKey, tenant_id: TenantId, found: Verdict
) -> AssetCheckEvaluation:
    """The check's result for one tenant partition, reported by the sensor (no run needed)."""
    return AssetCheckEvaluation(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=found.passed,
        metadata=found.metadata,
        severity=AssetCheckSeverity.ERROR,
        description=found.description,
        partition=tenant_id,
    )


def built_result(
    key: AssetKey, tenant_id: TenantId, cadence: Cadence | None, now: datetime
) -> AssetCheckResult:
    """The result a build reports: the table was replaced at ``now``. WARN severity, so that a
    build's own freshness never counts among the blocking checks a CLI run summarises."""
    found = verdict(tenant_id, cadence, now, now)
    return AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
        passed=found.passed,
        metadata=found.metadata,
        severity=AssetCheckSeverity.WARN,
        description=found.description,
    )
