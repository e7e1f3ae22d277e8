"""Panels 1 and 2: each enabled connector's health (the circuit breaker's view of its loads)
and its sync freshness (last successful load against the tenant's refresh cadence)."""

from __future__ import annotations

from datetime import datetime

from autonomos_pipelines.aam.connector_status import ConnectorStatus
from autonomos_pipelines.aam.health import DEFAULT_THRESHOLD
from autonomos_pipelines.core.cadence import Cadence
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.status.panel import FAIL, WARN, Panel, ago


def health_panel(
    tenant_id: TenantId, statuses: list[ConnectorStatus], redis_problem: str | None, now: datetime
) -> Panel:
    """Last load ok or failed, breaker open or closed, failed loads in a row (the registry
    keeps the streak, not every load: rates over time are the Prometheus metrics')."""
    panel = Panel("connectors", "Connector health")
    enabled = [s for s in statuses if s.enabled]
    for s in enabled:
        if s.breaker == "open":
            panel.add(
                f"{s.name}: degraded since {ago(s.degraded_since, now)}, breaker open after "
                f"{s.consecutive_failures} failed loads; loads are skipped until a probe succeeds",
                FAIL,
                f"autonomos materialize {tenant_id}",
            )
        elif s.consecutive_failures:
            panel.add(
                f"{s.name}: last load failed {ago(s.last_failure_at, now)} "
                f"({s.consecutive_failures} in a row, breaker opens at {DEFAULT_THRESHOLD})",
                FAIL,
                f"autonomos materialize {tenant_id}",
            )
        elif s.last_success_at is None:
            panel.add(f"{s.name}: not loaded yet")
        else:
            panel.add(f"{s.name}: ok, last load {ago(s.last_success_at, now)}, breaker closed")
    if redis_problem:
        panel.add(redis_problem, WARN, "start Redis, or unset REDIS_URL")
    failing = sum(1 for s in enabled if s.consecutive_failures)
    panel.figures = {
        "connectors_enabled": len(enabled),
        "connectors_failing": failing,
        "connectors_degraded": sum(1 for s in enabled if s.breaker == "open"),
    }
    panel.summary = (
        f"{failing} of {len(enabled)} connectors failing" if failing else
        f"{len(enabled)} connectors, none failing" if enabled else "no connector enabled"
    )  # fmt: skip
    return panel


def freshness_panel(
    tenant_id: TenantId, statuses: list[ConnectorStatus], cadence: Cadence | None, now: datetime
) -> Panel:
    """A connector is stale when its last successful load is older than the cadence allows
    (two cron intervals plus grace, as the canonical tables' freshness check)."""
    panel = Panel("freshness", "Sync freshness")
    enabled = [s for s in statuses if s.enabled]
    if cadence is None or not cadence.enabled:
        for s in enabled:
            panel.add(f"{s.name}: last successful load {ago(s.last_success_at, now)}")
        panel.summary = "no refresh cadence: loads run only when asked"
        panel.figures = {"connectors_stale": 0}
        return panel
    allowed = cadence.allowed_age(now)
    stale = 0
    for s in enabled:
        overdue = cadence.overdue_by(s.last_success_at, now)
        if overdue > 0:
            stale += 1
            panel.add(
                f"{s.name}: stale, last successful load {ago(s.last_success_at, now)}, "
                f"cadence {cadence.cron} allows {allowed.total_seconds() / 60:.0f} min",
                FAIL,
                f"autonomos materialize {tenant_id}",
            )
        else:
            panel.add(f"{s.name}: fresh, last successful load {ago(s.last_success_at, now)}")
    panel.figures = {"connectors_stale": stale}
    panel.summary = f"cadence {cadence.describe()}: " + (
        f"{stale} of {len(enabled)} connectors stale" if stale else "every connector fresh"
    )
    return panel
