"""A tenant's usage and its quotas with what each has used, as data: shared by
`autonomos tenants usage|quota` and GET /v1/tenants/{t}/usage|quotas."""

from __future__ import annotations

from dataclasses import dataclass

from autonomos_pipelines.core.limits import MAX_USAGE_DAYS, refuse
from autonomos_pipelines.core.quotas import QUOTAS, Quotas
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.usage import METRICS, UsageMeter
from autonomos_pipelines.dcl.llm.ledger import PgUsageLedger
from autonomos_pipelines.dcl.registry.store import Registry


def usage_totals(
    meter: UsageMeter, tenant_id: TenantId | None, days: int
) -> dict[str, dict[str, float]]:
    """{tenant: {metric: total}} over the last `days` days, every metric present (0 when
    nothing was counted); one tenant, or (None) every tenant with usage."""
    if not 1 <= days <= MAX_USAGE_DAYS:
        refuse("days", f"must be 1 to {MAX_USAGE_DAYS:,}, got {days}")
    totals = meter.totals(tenant_id, days)
    if tenant_id is not None:
        totals.setdefault(tenant_id, {})
    return {t: {m: amounts.get(m, 0.0) for m in METRICS} for t, amounts in totals.items()}


@dataclass(frozen=True)
class QuotaState:
    name: str
    limit: int
    source: str  # tenant (an override) | default (the environment's)
    used: float | None  # None: a rate that throttles instead of counting (api calls)
    meaning: str


def quota_states(registry: Registry, quotas: Quotas, tenant_id: TenantId) -> list[QuotaState]:
    """Every quota of the tenant: its limit, where the limit comes from, and the use it is
    checked against (the same figures the checks read)."""
    used: dict[str, float | None] = {
        "max_active_connectors": len(registry.tenant_connectors(tenant_id)),
        "canonical_rows_per_hour": UsageMeter(registry.engine).last_hour(
            tenant_id, "rows_produced"
        ),
        "llm_calls_per_month": PgUsageLedger(registry.engine, quotas=quotas).month(tenant_id)[
            "calls"
        ],
        "api_calls_per_minute": None,
    }
    return [
        QuotaState(name, limit, source, used.get(name), QUOTAS[name].meaning)
        for name, (limit, source) in quotas.limits(tenant_id).items()
    ]
