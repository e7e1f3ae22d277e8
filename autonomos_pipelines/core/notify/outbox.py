"""The notifications table: each event recorded once, then delivered, retried or given up.

Recording is an ``INSERT … ON CONFLICT DO NOTHING RETURNING``: of two ticks or daemons that
see the same event, exactly one gets the row back and sends it. Delivery claims due rows with
``FOR UPDATE SKIP LOCKED`` and moves their next attempt past a lease, so two senders never
hold the same row; a process that dies mid-send leaves the row to be retried after the lease.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.notify.message import Notice, slack_payload
from autonomos_pipelines.core.notify.webhook import Delivery
from autonomos_pipelines.core.tenant_id import TenantId

LEASE_SECONDS = 120  # longer than any send (5 s timeout), shorter than a person's patience
MAX_RETRY_SECONDS = 3600
MAX_ATTEMPTS = 12  # transient failures: about six hours of backoff from 30 s
MAX_REFUSED_ATTEMPTS = 3  # a 4xx (bad or revoked hook): given up sooner, and logged


@dataclass(frozen=True)
class Outgoing:
    tenant_id: TenantId
    event_key: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # including this one


@dataclass(frozen=True)
class Row:
    status: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    resolved_at: datetime | None


class Outbox:
    """``first_retry_seconds`` doubles with each failed attempt, up to an hour."""

    def __init__(self, engine: Engine, first_retry_seconds: float = 30.0) -> None:
        self.engine = engine
        self.first_retry_seconds = first_retry_seconds

    def record(self, notice: Notice) -> bool:
        """True if this is new: no row for the event, and no unresolved one for its subject."""
        with tenant_session(self.engine, notice.tenant_id) as db:
            inserted = db.execute(
                sa.text(
                    "INSERT INTO notifications (tenant_id, event_key, subject, kind, payload) "
                    "VALUES (:t, :e, :s, :k, CAST(:p AS jsonb)) "
                    "ON CONFLICT DO NOTHING RETURNING event_key"
                ),
                {
                    "t": notice.tenant_id,
                    "e": notice.event_key,
                    "s": notice.subject,
                    "k": notice.kind,
                    "p": json.dumps(slack_payload(notice)),
                },
            ).scalar()
        return inserted is not None

    def resolve(self, tenant_id: TenantId, subject: str) -> None:
        """The subject is fine again (a check passed): its next failure is a new event."""
        with tenant_session(self.engine, tenant_id) as db:
            db.execute(
                sa.text(
                    "UPDATE notifications SET resolved_at = now() "
                    "WHERE tenant_id = :t AND subject = :s AND resolved_at IS NULL"
                ),
                {"t": tenant_id, "s": subject},
            )

    def claim_due(self, tenant_id: TenantId, limit: int) -> list[Outgoing]:
        """Pending rows whose attempt is due, each held for one sender for the lease."""
        with tenant_session(self.engine, tenant_id) as db:
            rows = db.execute(
                sa.text(
                    # a CTE runs once; `IN (SELECT … LIMIT n)` may run again and claim more
                    "WITH due AS MATERIALIZED (SELECT event_key FROM notifications "
                    "WHERE tenant_id = :t AND status = 'pending' AND next_attempt_at <= now() "
                    "ORDER BY created_at LIMIT :n FOR UPDATE SKIP LOCKED) "
                    "UPDATE notifications n SET attempts = n.attempts + 1, "
                    "next_attempt_at = now() + make_interval(secs => :lease) FROM due "
                    "WHERE n.tenant_id = :t AND n.event_key = due.event_key "
                    "RETURNING n.tenant_id, n.event_key, n.kind, n.payload, n.attempts"
                ),
                {"t": tenant_id, "n": limit, "lease": LEASE_SECONDS},
            ).all()
        return [Outgoing(TenantId(r[0]), r[1], r[2], r[3], r[4]) for r in rows]

    def settle(self, outgoing: Outgoing, delivery: Delivery) -> str:
        """Record what the send did; returns the row's status (sent, pending or failed)."""
        status = "sent" if delivery.ok else self._after_failure(outgoing, delivery)
        delay = min(self.first_retry_seconds * 2 ** (outgoing.attempts - 1), MAX_RETRY_SECONDS)
        with tenant_session(self.engine, outgoing.tenant_id) as db:
            db.execute(
                sa.text(
                    "UPDATE notifications SET status = :s, last_error = :err, "
                    "sent_at = CASE WHEN :s = 'sent' THEN now() END, "
                    "next_attempt_at = now() + make_interval(secs => :delay) "
                    "WHERE tenant_id = :t AND event_key = :e"
                ),
                {
                    "s": status,
                    "err": delivery.error or None,
                    "delay": delay,
                    "t": outgoing.tenant_id,
                    "e": outgoing.event_key,
                },
            )
        return status

    @staticmethod
    def _after_failure(outgoing: Outgoing, delivery: Delivery) -> str:
        limit = MAX_REFUSED_ATTEMPTS if delivery.permanent else MAX_ATTEMPTS
        return "failed" if outgoing.attempts >= limit else "pending"

    def row(self, tenant_id: TenantId, event_key: str) -> Row | None:
        with tenant_session(self.engine, tenant_id) as db:
            found = db.execute(
                sa.text(
                    "SELECT status, attempts, last_error, sent_at, resolved_at "
                    "FROM notifications WHERE tenant_id = :t AND event_key = :e"
                ),
                {"t": tenant_id, "e": event_key},
            ).one_or_none()
        return Row(*found) if found else None
