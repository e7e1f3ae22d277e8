"""Versioned schema snapshots and drift events in Postgres (AAM detects; the DCL repairs).

A snapshot is written only when a table's fingerprint changes. Comparing with the previous
snapshot of the same origin gives the drift event, in the same transaction, so a restarted
observer that sees the same schema again writes nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from autonomos_pipelines.aam.drift.fingerprint import TableSchema, diff
from autonomos_pipelines.core.database import session, tenant_session
from autonomos_pipelines.core.metrics.definitions import DRIFT_EVENTS, count_repairs
from autonomos_pipelines.core.tenant_id import TenantId

# an event is open when detected; the DCL's decision closes it: repaired, needs_review (a
# proposal waits; repaired once a person decides) or failed
EVENT_STATUSES = ("open", "healing", "needs_review", "repaired", "failed", "dismissed")
UNRESOLVED = ("open", "healing", "needs_review", "failed")


@dataclass(frozen=True)
class DriftEvent:
    id: int
    tenant_id: TenantId
    connector: str
    source_table: str
    old_snapshot_id: int
    new_snapshot_id: int
    changes: list[dict[str, Any]]
    status: str
    detail: str | None
    detected_at: datetime
    resolved_at: datetime | None
    unchanged_at: datetime | None = None  # the schema was last seen as before (None: unknown)

    @property
    def detection_window_seconds(self) -> float | None:
        """At most this long passed between the change at the source and its detection."""
        if self.unchanged_at is None:
            return None
        return (self.detected_at - self.unchanged_at).total_seconds()

    @property
    def unresolved(self) -> bool:
        """Not settled yet: what the raw `schema_changes` check, the run summary, `drift
        list` and the API all count as unresolved."""
        return self.status in UNRESOLVED

    @property
    def repair_seconds(self) -> float | None:
        return (self.resolved_at - self.detected_at).total_seconds() if self.resolved_at else None


_EVENT_COLUMNS = (
    "id, tenant_id, connector, source_table, old_snapshot_id, new_snapshot_id, changes, "
    "status, detail, detected_at, resolved_at, unchanged_at"
)


class SchemaStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        tenant_id: TenantId,
        connector: str,
        tables: dict[str, TableSchema],
        origin: str,
        detect: bool = True,
    ) -> list[DriftEvent]:
        """Store changed table schemas; returns the drift events this created (none when
        ``detect`` is off: loads keep history, the observer raises events)."""
        created: list[int] = []
        with tenant_session(self.engine, tenant_id) as db:
            latest = self._latest(db, tenant_id, connector, origin)
            unchanged_at = self._observed(db, tenant_id, connector, origin)
            for name, schema in sorted(tables.items()):
                previous = latest.get(name)
                if previous and previous[1] == schema.fingerprint:
                    continue
                new_id = self._insert_snapshot(db, tenant_id, connector, schema, origin, previous)
                changes = diff(_schema(previous[2]), schema) if previous and detect else []
                if changes:
                    created.append(
                        db.execute(
                            sa.text(
                                "INSERT INTO drift_events (tenant_id, connector, source_table, "
                                "old_snapshot_id, new_snapshot_id, changes, unchanged_at) "
                                "VALUES (:t, :c, :table, :old, :new, CAST(:changes AS jsonb), "
                                ":seen) RETURNING id"
                            ),
                            {
                                "t": tenant_id,
                                "c": connector,
                                "table": name,
                                "old": previous[0],  # type: ignore[index]
                                "new": new_id,
                                "changes": json.dumps([c.as_dict() for c in changes]),
                                "seen": unchanged_at,
                            },
                        ).scalar_one()
                    )
        DRIFT_EVENTS.labels(tenant_id, connector, "opened").inc(len(created))
        return [self.event(event_id, tenant_id) for event_id in created]

    @staticmethod
    def _observed(
        db: Connection, tenant_id: TenantId, connector: str, origin: str
    ) -> datetime | None:
        """The previous observation's time, and this one's recorded in its place."""
        previous = db.execute(
            sa.text(
                "SELECT observed_at FROM schema_observations "
                "WHERE tenant_id = :t AND connector = :c AND origin = :o FOR UPDATE"
            ),
            {"t": tenant_id, "c": connector, "o": origin},
        ).scalar()
        db.execute(
            sa.text(
                "INSERT INTO schema_observations (tenant_id, connector, origin, observed_at) "
                "VALUES (:t, :c, :o, now()) ON CONFLICT (tenant_id, connector, origin) "
                "DO UPDATE SET observed_at = now()"
            ),
            {"t": tenant_id, "c": connector, "o": origin},
        )
        return previous

    def _latest(
        self, db: Connection, tenant_id: TenantId, connector: str, origin: str
    ) -> dict[str, tuple[int, str, dict, int]]:
        rows = db.execute(
            sa.text(
                "SELECT DISTINCT ON (source_table) source_table, id, fingerprint, schema_json, "
                "version FROM schema_snapshots WHERE tenant_id = :t AND connector = :c "
                "AND origin = :o ORDER BY source_table, version DESC"
            ),
            {"t": tenant_id, "c": connector, "o": origin},
        ).all()
        return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}

    @staticmethod
    def _insert_snapshot(db, tenant_id, connector, schema, origin, previous) -> int:  # type: ignore[no-untyped-def]
        return db.execute(
            sa.text(
                "INSERT INTO schema_snapshots (tenant_id, connector, source_table, origin, "
                "version, fingerprint, schema_json) VALUES (:t, :c, :table, :o, :v, :f, "
                "CAST(:s AS jsonb)) RETURNING id"
            ),
            {
                "t": tenant_id,
                "c": connector,
                "table": schema.table,
                "o": origin,
                "v": (previous[3] + 1) if previous else 1,
                "f": schema.fingerprint,
                "s": schema.stored(),
            },
        ).scalar_one()

    def event(self, event_id: int, tenant_id: TenantId | None = None) -> DriftEvent:
        """One event by id: within ``tenant_id``'s rows, or (None) the operator's view."""
        with session(self.engine, tenant_id) as db:
            row = db.execute(
                sa.text(f"SELECT {_EVENT_COLUMNS} FROM drift_events WHERE id = :id"),  # noqa: S608
                {"id": event_id},
            ).one()
        return DriftEvent(*row)

    def events(
        self,
        tenant_id: TenantId | None = None,
        status: str | None = None,
        after_id: int = 0,
        connector: str | None = None,
        source_table: str | None = None,
    ) -> list[DriftEvent]:
        with session(self.engine, tenant_id) as db:
            rows = db.execute(
                sa.text(
                    f"SELECT {_EVENT_COLUMNS} FROM drift_events WHERE id > :after "  # noqa: S608
                    "AND (CAST(:t AS text) IS NULL OR tenant_id = :t) "
                    "AND (CAST(:c AS text) IS NULL OR connector = :c) "
                    "AND (CAST(:table AS text) IS NULL OR source_table = :table) "
                    "AND (CAST(:s AS text) IS NULL OR status = :s) ORDER BY id"
                ),
                {
                    "after": after_id,
                    "t": tenant_id,
                    "c": connector,
                    "table": source_table,
                    "s": status,
                },
            ).all()
        return [DriftEvent(*row) for row in rows]

    def close_event(
        self, tenant_id: TenantId, event_id: int, status: str, detail: list[dict[str, Any]]
    ) -> None:
        """Record what became of an event (the DCL's repairs, or why they failed); a repaired
        event gets its resolution time."""
        if status not in EVENT_STATUSES:
            raise ValueError(f"unknown drift event status {status!r}")
        with tenant_session(self.engine, tenant_id) as db:
            repaired = db.execute(
                sa.text(
                    "UPDATE drift_events SET status = :s, detail = :d, "
                    "resolved_at = CASE WHEN :s = 'repaired' THEN now() END WHERE id = :id "
                    "RETURNING connector, extract(epoch FROM resolved_at - detected_at)"
                ),
                {"s": status, "d": json.dumps(detail), "id": event_id},
            ).all()
        count_repairs(tenant_id, repaired)

    @staticmethod
    def waiting_tables(db: Connection, tenant_id: TenantId) -> set[tuple[str, str]]:
        """(connector, lower-cased table) of the tenant's events waiting for a reviewer, read
        in the caller's transaction (the DCL's, see dcl/drift/settle.py)."""
        rows = db.execute(
            sa.text(
                "SELECT DISTINCT connector, lower(source_table) FROM drift_events "
                "WHERE tenant_id = :t AND status = 'needs_review'"
            ),
            {"t": tenant_id},
        ).all()
        return {(row[0], row[1]) for row in rows}

    @staticmethod
    def settle_table(
        db: Connection, tenant_id: TenantId, connector: str, source_table: str
    ) -> list[int]:
        """A reviewer has decided every proposal of the table: its waiting events are
        repaired now, their repairs kept (returns their ids)."""
        rows = db.execute(
            sa.text(
                "UPDATE drift_events SET status = 'repaired', resolved_at = now() "
                "WHERE tenant_id = :t AND connector = :c AND lower(source_table) = lower(:tbl) "
                "AND status = 'needs_review' "
                "RETURNING id, connector, extract(epoch FROM resolved_at - detected_at)"
            ),
            {"t": tenant_id, "c": connector, "tbl": source_table},
        ).all()
        # counted before the caller commits: a decision rolled back afterwards is rare, and
        # a repair counted twice is not possible (the UPDATE only takes needs_review rows)
        count_repairs(tenant_id, [(row[1], row[2]) for row in rows])
        return sorted(row[0] for row in rows)

    def latest_schemas(
        self, tenant_id: TenantId, connector: str, origin: str
    ) -> dict[str, TableSchema]:
        """The newest snapshot of every table of one tenant's connector, from one origin."""
        with tenant_session(self.engine, tenant_id) as db:
            latest = self._latest(db, tenant_id, connector, origin)
        return {name: _schema(row[2]) for name, row in latest.items()}

    def snapshot(self, snapshot_id: int, tenant_id: TenantId | None = None) -> TableSchema:
        with session(self.engine, tenant_id) as db:
            data = db.execute(
                sa.text("SELECT schema_json FROM schema_snapshots WHERE id = :id"),
                {"id": snapshot_id},
            ).scalar_one()
        return _schema(data)


def _schema(data: dict[str, Any]) -> TableSchema:
    return TableSchema(
        data["table"], data["columns"], data.get("parent"), data.get("value_hashes") or {}
    )
