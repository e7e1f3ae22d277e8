"""What the drift repair did in a mapping run, for the field-mappings asset's metadata: the
repairs, and each settled event's detection window and time to repair (Dagster plots the
numbers across runs)."""

from dagster import MetadataValue

from autonomos_pipelines.aam.drift.store import DriftEvent, SchemaStore
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.drift.events import Repair


def unsettled_event_ids(schemas: SchemaStore, tenant_id: TenantId) -> set[int]:
    """Drift events this run may settle: open ones, and those waiting for a reviewer."""
    return {
        e.id for e in schemas.events(tenant_id=tenant_id) if e.status in ("open", "needs_review")
    }


def drift_events_of(
    schemas: SchemaStore, tenant_id: TenantId, event_ids: set[int]
) -> dict[int, DriftEvent]:
    if not event_ids:
        return {}
    return {e.id: e for e in schemas.events(tenant_id=tenant_id) if e.id in event_ids}


def repair_metadata(repairs: list[Repair], events: dict[int, DriftEvent]) -> dict:
    """What the drift repair did this run, with each event's detection window and time to
    repair (numbers Dagster plots across runs)."""
    rows = "\n".join(
        f"| {r.event_id} | {r.action} | `{r.field}` | {r.target or ''} | {r.confidence} | "
        f"{'auto' if r.applied else 'review'} | {_seconds(events, r.event_id, 'window')} | "
        f"{_seconds(events, r.event_id, 'repair')} |"
        for r in repairs
    )
    repaired = [e.repair_seconds for e in events.values() if e.repair_seconds is not None]
    settled = sum(e.status == "repaired" for e in events.values())
    windows = [
        e.detection_window_seconds
        for e in events.values()
        if e.detection_window_seconds is not None
    ]
    return {
        "drift_repairs_applied": sum(r.applied for r in repairs),
        "drift_repairs_to_review": sum(not r.applied for r in repairs),
        "drift_events_settled": settled,
        **(
            {"drift_time_to_repair_s": MetadataValue.float(round(max(repaired), 3))}
            if repaired
            else {}
        ),
        **(
            {"drift_detection_window_s": MetadataValue.float(round(max(windows), 3))}
            if windows
            else {}
        ),
        "drift_repairs": MetadataValue.md(
            "| event | action | field | target | confidence | decided | detected within (s) "
            "| repaired after (s) |\n|---|---|---|---|---|---|---|---|\n" + rows
        ),
    }


def _seconds(events: dict[int, DriftEvent], event_id: int, which: str) -> str:
    event = events.get(event_id)
    if event is None:
        return ""
    value = event.detection_window_seconds if which == "window" else event.repair_seconds
    return "" if value is None else f"{value:.1f}"
