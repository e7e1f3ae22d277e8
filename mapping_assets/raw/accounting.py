"""What a raw load's outcome does to the connector's circuit breaker and the tenant's usage.

The breaker counts failures of the source only: a registry, warehouse or disk fault fails
the load without a count (three such runs would otherwise degrade every connector). The
bookkeeping writes are best effort: when only they fail, the load that landed stays a
success and the next run records its outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dagster import AssetExecutionContext, Failure

from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.aam.http.session import HttpRuntime
from autonomos_pipelines.core.faults import Fault, one_line
from autonomos_pipelines.core.tenant_id import TenantId
from mapping_assets.raw.support import http_metadata

T = TypeVar("T")


def best_effort(context: AssetExecutionContext, what: str, write: Callable[[], T]) -> T | None:
    """Run a bookkeeping write; if it fails, log a warning instead of failing the load."""
    try:
        return write()
    except Exception as error:  # the load itself is unaffected: say so and go on
        context.log.warning(
            f"{what} was not recorded ({one_line(str(error), 300)}); the next run records it"
        )
        return None


def load_failed(
    context: AssetExecutionContext,
    breaker: HealthStore | None,
    connector: str,
    tenant_id: TenantId,
    fault: Fault,
    http: HttpRuntime | None,
) -> Failure:
    """The Failure to raise: one line naming the cause, the breaker's count if it is the
    source's fault (and the breaker could be written)."""
    status, state = "failed", ""
    health = None
    if fault.blames_source and breaker is not None:
        record = breaker.record_failure
        health = best_effort(
            context,
            "the breaker's failure count",
            lambda: record(tenant_id, connector, fault.message),
        )
    if health is not None and health.degraded:
        status = health.status
        state = (
            f" (connector degraded after {health.consecutive_failures} consecutive failures: "
            "loads are skipped until a probe succeeds)"
        )
    elif health is not None:
        state = (
            f" (consecutive failure {health.consecutive_failures} of {breaker.threshold} "  # type: ignore[union-attr]
            "before the connector is degraded)"
        )
    return Failure(
        description=f"{connector} for tenant {tenant_id}: {fault.message}{state}",
        metadata={
            "connector_status": status,
            "fault": fault.kind,
            **(http_metadata(http) if http else {}),
        },
    )
