"""Usage per tenant: what each tenant's runs fetched, called, produced and spent, counted per
hour in the registry (`autonomos tenants usage`; the assets' metadata shows the same per run)."""

from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import session, tenant_session
from autonomos_pipelines.core.tenant_id import TenantId

METRICS = ("records_fetched", "api_calls", "rows_produced", "llm_calls", "llm_cost_usd")


class UsageMeter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def for_settings(cls, settings: Any) -> UsageMeter:
        from autonomos_pipelines.core.database import get_engine

        return cls(get_engine(settings))

    def add(self, tenant_id: TenantId, amounts: dict[str, float]) -> None:
        """Add to this hour's counters (atomic upserts: concurrent runs never lose a count)."""
        unknown = set(amounts) - set(METRICS)
        if unknown:
            raise ValueError(f"unknown usage metric(s) {sorted(unknown)}")
        rows = [{"t": tenant_id, "m": m, "a": float(a)} for m, a in amounts.items() if a]
        if not rows:
            return
        with tenant_session(self.engine, tenant_id) as db:
            db.execute(
                sa.text(
                    "INSERT INTO tenant_usage (tenant_id, hour, metric, amount) VALUES "
                    "(:t, date_trunc('hour', now()), :m, :a) "
                    "ON CONFLICT (tenant_id, hour, metric) "
                    "DO UPDATE SET amount = tenant_usage.amount + EXCLUDED.amount"
                ),
                rows,
            )

    def totals(
        self, tenant_id: TenantId | None = None, days: int = 30
    ) -> dict[str, dict[str, float]]:
        """{tenant: {metric: total}} over the last ``days`` days (today included)."""
        today = datetime.datetime.now(datetime.UTC).date()  # the buckets are UTC hours
        since = datetime.datetime.combine(
            today - datetime.timedelta(days=days - 1), datetime.time(), datetime.UTC
        )
        with session(self.engine, tenant_id) as db:
            rows = db.execute(
                sa.text(
                    "SELECT tenant_id, metric, sum(amount) FROM tenant_usage "
                    "WHERE hour >= :since AND (CAST(:t AS text) IS NULL OR tenant_id = :t) "
                    "GROUP BY 1, 2 ORDER BY 1, 2"
                ),
                {"since": since, "t": tenant_id},
            ).all()
        found: dict[str, dict[str, float]] = {}
        for tenant, metric, amount in rows:
            found.setdefault(tenant, {})[metric] = float(amount)
        return found

    def last_hour(self, tenant_id: TenantId, metric: str) -> float:
        """The amount counted in the current and the previous hour bucket that overlap the
        last 60 minutes, weighted by how much of the previous bucket is still inside."""
        with tenant_session(self.engine, tenant_id) as db:
            value = db.execute(
                sa.text(
                    "SELECT coalesce(sum(amount * CASE WHEN hour = date_trunc('hour', now()) "
                    "THEN 1 ELSE 1 - extract(epoch FROM now() - date_trunc('hour', now())) "
                    "/ 3600 END), 0) FROM tenant_usage WHERE tenant_id = :t AND metric = :m "
                    "AND hour >= date_trunc('hour', now()) - interval '1 hour'"
                ),
                {"t": tenant_id, "m": metric},
            ).scalar()
        return float(value or 0)
