"""Per-tenant quotas: a default for everyone (environment), an override per tenant (registry,
`autonomos tenants quota`). Exceeding one stops that tenant's work with an error naming the
quota, its limit and use, and how to raise it; other tenants are never affected.

* max_active_connectors — checked when connectors are enabled;
* canonical_rows_per_hour — checked before each canonical build (sliding hour from the
  hourly usage counters; the build that crosses the limit completes, the next one stops);
* llm_calls_per_month — the LLM advisor's monthly ledger (over quota: no LLM call, the field
  goes to review or stays unmapped; never a failure);
* api_calls_per_minute — a token bucket all the tenant's connectors share (Redis when
  REDIS_URL is set): requests wait for it, they do not fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.errors import AutonomosError, ConfigError
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId


@dataclass(frozen=True)
class QuotaSpec:
    default: int
    meaning: str


QUOTAS = {
    "max_active_connectors": QuotaSpec(25, "connectors enabled at once"),
    "canonical_rows_per_hour": QuotaSpec(5_000_000, "canonical rows built in any 60 minutes"),
    "llm_calls_per_month": QuotaSpec(500, "LLM calls in a calendar month"),
    "api_calls_per_minute": QuotaSpec(
        6000, "outbound API calls per minute, all connectors together (throttled; 0: none)"
    ),
}


class QuotaExceeded(AutonomosError):
    def __init__(self, tenant_id: TenantId, name: str, limit: int, used: float) -> None:
        super().__init__(
            f"tenant {tenant_id!r} is over its {name} quota ({QUOTAS[name].meaning}): "
            f"limit {limit}, used {used:g}; raise it with "
            f"`autonomos tenants quota {tenant_id} {name} N`"
        )
        self.tenant_id, self.quota, self.limit, self.used = tenant_id, name, limit, used


def _known(name: str) -> QuotaSpec:
    if name not in QUOTAS:
        raise ConfigError(f"unknown quota {name!r}; quotas: {', '.join(sorted(QUOTAS))}")
    return QUOTAS[name]


class Quotas:
    def __init__(self, engine: Engine, defaults: Mapping[str, int] | None = None) -> None:
        """``defaults``: the deployment's limits by quota name (AUTONOMOS_QUOTA_<NAME>, read by
        core.settings); a quota missing there has its built-in default."""
        self.engine = engine
        self.defaults = {name: spec.default for name, spec in QUOTAS.items()} | {
            name: int(value) for name, value in (defaults or {}).items() if name in QUOTAS
        }

    @classmethod
    def for_settings(cls, settings: Settings) -> Quotas:
        from autonomos_pipelines.core.database import migrated_engine

        return cls(migrated_engine(settings), cls.defaults_of(settings))

    @staticmethod
    def defaults_of(settings: Settings) -> dict[str, int]:
        return {name: value for name, value in settings.quota_defaults.items() if name in QUOTAS}

    def default_limit(self, name: str) -> int:
        _known(name)
        return self.defaults[name]

    def limits(self, tenant_id: TenantId) -> dict[str, tuple[int, str]]:
        """{quota: (limit, "tenant" | "default")}."""
        with tenant_session(self.engine, tenant_id) as db:
            overrides: dict[str, int] = dict(
                db.execute(
                    sa.text("SELECT quota, quota_limit FROM tenant_quotas WHERE tenant_id = :t"),
                    {"t": tenant_id},
                ).all()
            )
        return {
            name: (int(overrides[name]), "tenant") if name in overrides else
            (self.defaults[name], "default")
            for name in QUOTAS
        }  # fmt: skip

    def limit(self, tenant_id: TenantId, name: str) -> int:
        _known(name)
        return self.limits(tenant_id)[name][0]

    def set(self, tenant_id: TenantId, name: str, value: int, actor: str) -> None:
        _known(name)
        if value < 0:
            raise ConfigError(f"quota {name} must be >= 0")
        old = self.limits(tenant_id)[name][0]
        with tenant_session(self.engine, tenant_id) as db:
            db.execute(
                sa.text(
                    "INSERT INTO tenant_quotas (tenant_id, quota, quota_limit) "
                    "VALUES (:t, :q, :v) ON CONFLICT (tenant_id, quota) "
                    "DO UPDATE SET quota_limit = :v"
                ),
                {"t": tenant_id, "q": name, "v": value},
            )
            audit(db, actor, "quota.set", tenant_id, "quota", name, old, value)

    def check(self, tenant_id: TenantId, name: str, used: float) -> None:
        """Raise QuotaExceeded when ``used`` has reached the tenant's limit."""
        limit = self.limit(tenant_id, name)
        if used >= limit:
            raise QuotaExceeded(tenant_id, name, limit, used)
