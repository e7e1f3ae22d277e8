"""Each tenant's refresh cadence (registry table `tenant_schedules`): a five-field cron
expression, its timezone and whether it is on. `autonomos tenants schedule` sets it; the
`tenant_refresh` sensor launches a tenant's load on each of its ticks, and the canonical tables'
freshness check derives the allowed age of a table from it. Off for new tenants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from croniter import croniter
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.core.database import admin_session, tenant_session
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.tenant_id import TenantId

# a refresh missed once is tolerated; a table older than two intervals (and this) is stale
FRESHNESS_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class Cadence:
    tenant_id: TenantId
    cron: str
    timezone: str
    enabled: bool
    updated_at: datetime

    def latest_tick(self, now: datetime) -> datetime:
        """The most recent cron tick at or before ``now`` (in the cadence's timezone)."""
        return croniter(self.cron, _at(now, self.timezone) + timedelta(microseconds=1)).get_prev(
            datetime
        )

    def next_ticks(self, now: datetime, count: int = 3) -> list[datetime]:
        ticks = croniter(self.cron, _at(now, self.timezone))
        return [ticks.get_next(datetime) for _ in range(count)]

    def allowed_age(self, now: datetime) -> timedelta:
        """Two cron intervals (the gap between the two latest ticks) plus FRESHNESS_GRACE."""
        latest = self.latest_tick(now)
        previous = croniter(self.cron, latest).get_prev(datetime)
        return 2 * (latest - previous) + FRESHNESS_GRACE

    def overdue_by(self, last_done: datetime | None, now: datetime) -> float:
        """Seconds past the allowed age of something last done at ``last_done`` (None: never,
        measured from when the cadence was set); 0 or less: fresh."""
        age = now - (last_done or self.updated_at)
        return (age - self.allowed_age(now)).total_seconds()

    def describe(self) -> str:
        return f"{self.cron} ({self.timezone}){'' if self.enabled else ', off'}"


def _at(moment: datetime, timezone: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("cadence times must be timezone-aware")
    return moment.astimezone(ZoneInfo(timezone))


def checked_cron(cron: str, timezone: str) -> tuple[str, str]:
    """The cron expression (five fields, as Dagster's schedules take) and IANA timezone, or a
    ConfigError naming the one that is wrong."""
    cron = " ".join(cron.split())
    if len(cron.split()) != 5 or not croniter.is_valid(cron):
        raise ConfigError(
            f"cron expression {cron!r} is not valid: five fields expected, "
            "minute hour day-of-month month day-of-week, e.g. '*/30 * * * *'"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone {timezone!r} is not an IANA timezone, e.g. UTC or Europe/Paris"
        ) from None
    return cron, timezone


_COLUMNS = "tenant_id, cron, timezone, enabled, updated_at"


def _cadence(row: sa.Row) -> Cadence:
    return Cadence(TenantId(row[0]), row[1], row[2], bool(row[3]), row[4])


class Cadences:
    """The registry's `tenant_schedules`; every change audited (`schedule.set`, `.off`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, tenant_id: TenantId) -> Cadence | None:
        with tenant_session(self.engine, tenant_id) as db:
            row = db.execute(
                sa.text(f"SELECT {_COLUMNS} FROM tenant_schedules WHERE tenant_id = :t"),  # noqa: S608
                {"t": tenant_id},
            ).first()
        return _cadence(row) if row else None

    def all(self) -> dict[TenantId, Cadence]:
        """Every tenant's cadence, on or off (the sensors and `tenants list` read them all)."""
        with admin_session(self.engine) as db:
            rows = db.execute(sa.text(f"SELECT {_COLUMNS} FROM tenant_schedules ORDER BY 1"))  # noqa: S608
            return {cadence.tenant_id: cadence for cadence in map(_cadence, rows)}

    def set(self, tenant_id: TenantId, cron: str, timezone: str, actor: str) -> Cadence:
        """Set and turn on the tenant's cadence."""
        cron, timezone = checked_cron(cron, timezone)
        return self._write(tenant_id, cron, timezone, True, actor, "schedule.set")

    def turn_off(self, tenant_id: TenantId, actor: str) -> Cadence | None:
        """Turn the cadence off, keeping its expression; None if the tenant never had one."""
        current = self.get(tenant_id)
        if current is None:
            return None
        return self._write(tenant_id, current.cron, current.timezone, False, actor, "schedule.off")

    def _write(  # noqa: PLR0913
        self, tenant_id: TenantId, cron: str, timezone: str, enabled: bool, actor: str, action: str
    ) -> Cadence:
        old = self.get(tenant_id)
        with tenant_session(self.engine, tenant_id) as db:
            row = db.execute(
                sa.text(f"""INSERT INTO tenant_schedules
                               (tenant_id, cron, timezone, enabled, updated_by)
                           VALUES (:t, :c, :z, :e, :a)
                           ON CONFLICT (tenant_id) DO UPDATE SET cron = :c, timezone = :z,
                               enabled = :e, updated_at = now(), updated_by = :a
                           RETURNING {_COLUMNS}"""),  # noqa: S608
                {"t": tenant_id, "c": cron, "z": timezone, "e": enabled, "a": str(actor)},
            ).one()
            new = _cadence(row)
            audit(db, actor, action, tenant_id, "tenant_schedule", tenant_id,
                  old and old.describe(), new.describe())  # fmt: skip
        return new
