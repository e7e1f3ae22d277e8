"""LLM calls and cost per tenant and month, with the monthly call quota, in the registry."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.tenant_id import TenantId


class PgUsageLedger:
    def __init__(
        self, engine: Engine, monthly_quota: int | None = None, quotas: Quotas | None = None
    ) -> None:
        """``monthly_quota`` None: each tenant's own llm_calls_per_month quota."""
        self.engine = engine
        self.monthly_quota = monthly_quota
        self.quotas = quotas or Quotas(engine)

    def quota(self, tenant_id: str) -> int:
        if self.monthly_quota is not None:
            return self.monthly_quota
        return self.quotas.limit(TenantId(tenant_id), "llm_calls_per_month")

    def reserve(self, tenant_id: str) -> bool:
        """Count one call if the tenant is under its quota; atomic across processes."""
        quota = self.quota(tenant_id)
        if quota <= 0:
            return False
        with tenant_session(self.engine, TenantId(tenant_id)) as connection:
            reserved = connection.execute(
                sa.text("""INSERT INTO llm_usage AS u (tenant_id, month, calls)
                           VALUES (:t, date_trunc('month', now())::date, 1)
                           ON CONFLICT (tenant_id, month) DO UPDATE SET calls = u.calls + 1
                           WHERE u.calls < :quota
                           RETURNING calls"""),
                {"t": tenant_id, "quota": quota},
            ).first()
        return reserved is not None

    def record(self, tenant_id: str, tokens_in: int, tokens_out: int, cost: float) -> None:
        with tenant_session(self.engine, TenantId(tenant_id)) as connection:
            connection.execute(
                sa.text("""UPDATE llm_usage SET input_tokens = input_tokens + :i,
                               output_tokens = output_tokens + :o, cost_usd = cost_usd + :c
                           WHERE tenant_id = :t AND month = date_trunc('month', now())::date"""),
                {"t": tenant_id, "i": tokens_in, "o": tokens_out, "c": cost},
            )

    def month(self, tenant_id: TenantId) -> dict:
        with tenant_session(self.engine, TenantId(tenant_id)) as connection:
            row = connection.execute(
                sa.text("""SELECT calls, input_tokens, output_tokens, cost_usd FROM llm_usage
                           WHERE tenant_id = :t AND month = date_trunc('month', now())::date"""),
                {"t": tenant_id},
            ).first()
        calls, tokens_in, tokens_out, cost = row or (0, 0, 0, 0)
        return {"calls": calls, "input_tokens": tokens_in, "output_tokens": tokens_out,
                "cost_usd": float(cost)}  # fmt: skip
