"""When a person has decided: a drift event that waited for review becomes repaired as soon
as no proposal of its table waits any more, and its connection is active again.

An event on a list nested in a table's records (dlt's `<table>__<path>`) waits on the
table's proposals too, which its repair files there. One function decides it for both
moments it can happen: inside a reviewer's approve or reject
transaction (dcl/review.py, so the CLI and the API alike), and at the start of a mapping run
for anything decided another way (a mapping set by hand, an older release)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.drift.events import Table, WaitingEvents
from autonomos_pipelines.dcl.drift.status import set_connection_in
from autonomos_pipelines.dcl.expressions.lists import SEPARATOR
from autonomos_pipelines.dcl.registry.store import Registry

# the advisory-lock space of "settling a table's drift" (two-int locks never meet one-bigint
# ones, like the migrations' lock)
SETTLE_LOCK_SPACE = 0x5E771E  # "settle"


def lock_tables(db: Connection, tenant_id: TenantId, tables: Iterable[Table]) -> None:
    """Until the transaction ends, one settler per (tenant, connector, table). Without it two
    reviewers deciding a table's last two proposals at once each see the other's as pending
    (READ COMMITTED), and neither settles the event. Taken after the decision's own update, so
    whoever locks second reads the first one's committed decision. Sorted: no deadlock."""
    for connector, table in sorted({(c, t.lower()) for c, t in tables}):
        db.execute(
            sa.text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
            {"space": SETTLE_LOCK_SPACE, "key": f"{tenant_id}\x1f{connector}\x1f{table}"},
        )


def pending_tables(db: Connection, tenant_id: TenantId) -> set[Table]:
    """(connector, lower-cased table) of the tenant's proposals still waiting for review."""
    rows = db.execute(
        sa.text(
            "SELECT DISTINCT connector, lower(source_table) FROM field_mappings "
            "WHERE tenant_id = :t AND status IN ('proposed', 'needs_review')"
        ),
        {"t": tenant_id},
    ).all()
    return {(row[0], row[1]) for row in rows}


def settle_decided(
    db: Connection, tenant_id: TenantId, tables: Iterable[Table], events: WaitingEvents
) -> list[int]:
    """Settle the waiting events of each of ``tables`` that has no proposal left; a
    connection none of whose tables waits any more goes from review back to active."""
    tables = list(tables)
    lock_tables(db, tenant_id, tables)
    still_pending = pending_tables(db, tenant_id)
    settled: list[int] = []
    connectors = set()
    for connector, table in tables:
        if not _waits(connector, table, still_pending):
            settled += events.settle_table(db, tenant_id, connector, table)
            connectors.add(connector)
    waiting = {connector for connector, _ in events.waiting_tables(db, tenant_id)}
    for connector in connectors - waiting:
        set_connection_in(db, tenant_id, connector, "active", only_if="review")
    return settled


def _waits(connector: str, table: str, pending: set[Table]) -> bool:
    """Whether a proposal of the table waits, or of a table it is a list nested in: a drift
    event on a list repairs the parent's aggregates of it (expression_repair), so the
    parent's proposals decide it."""
    name = table.lower()
    return any(c == connector and (t == name or name.startswith(t + SEPARATOR)) for c, t in pending)


def nested_in(
    db: Connection, tenant_id: TenantId, table: Table, events: WaitingEvents
) -> list[Table]:
    """``table`` and the waiting tables that are lists nested in its records: deciding a
    proposal of a table may settle its lists' events."""
    connector, name = table
    prefix = name.lower() + SEPARATOR
    return [table] + [
        (c, t) for c, t in events.waiting_tables(db, tenant_id)
        if c == connector and t.lower().startswith(prefix)
    ]  # fmt: skip


def settle_reviewed(registry: Registry, tenant_id: TenantId, events: WaitingEvents) -> list[int]:
    """Every waiting event of the tenant whose proposals have all been decided (returns
    their ids)."""
    with tenant_session(registry.engine, tenant_id) as db:
        return settle_decided(db, tenant_id, events.waiting_tables(db, tenant_id), events)
