"""Panel 4: the tenant's drift events not yet settled (open, being repaired, waiting for a
review, or whose repair failed), the oldest first."""

from __future__ import annotations

from datetime import datetime

from autonomos_pipelines.aam.drift.report import change_summary
from autonomos_pipelines.aam.drift.store import UNRESOLVED, DriftEvent
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.status.panel import FAIL, WARN, Panel, ago

SHOWN = 10


def _command(tenant_id: TenantId, event: DriftEvent) -> str:
    if event.status == "needs_review":
        return f"autonomos review list --tenant {tenant_id}"
    if event.status == "open":  # repaired by the next mapping run
        return f"autonomos materialize {tenant_id}"
    return f"autonomos drift show {event.id}"


def drift_panel(tenant_id: TenantId, events: list[DriftEvent], now: datetime) -> Panel:
    panel = Panel("drift", "Schema drift")
    unsettled = sorted((e for e in events if e.status in UNRESOLVED), key=lambda e: e.detected_at)
    for event in unsettled[:SHOWN]:
        panel.add(
            f"event {event.id} {event.connector}.{event.source_table}: {event.status}, detected "
            f"{ago(event.detected_at, now)} ({change_summary(event.changes)})",
            FAIL if event.status == "failed" else WARN,
            _command(tenant_id, event),
        )
    if len(unsettled) > SHOWN:
        panel.add(
            f"… and {len(unsettled) - SHOWN} more",
            WARN,
            f"autonomos drift list --tenant {tenant_id}",
        )
    needs_review = sum(1 for e in unsettled if e.status == "needs_review")
    panel.figures = {
        "drift_unsettled": len(unsettled),
        "drift_needs_review": needs_review,
        "drift_oldest_age_s": round((now - unsettled[0].detected_at).total_seconds())
        if unsettled else 0,
    }  # fmt: skip
    panel.summary = (
        f"{len(unsettled)} event(s) unsettled, {needs_review} need review, oldest "
        f"{ago(unsettled[0].detected_at, now)}"
        if unsettled
        else "no unsettled drift event"
    )
    return panel
