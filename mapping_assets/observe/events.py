"""A drift event as Dagster shows it: an observation on the raw asset, per tenant partition."""

from __future__ import annotations

from dagster import AssetObservation, MetadataValue

from autonomos_pipelines.aam.drift.store import DriftEvent
from autonomos_pipelines.asset_graph.keys import raw_key


def drift_observation(event: DriftEvent) -> AssetObservation:
    """Shown on the raw asset's timeline in the UI, per tenant partition."""
    rows = "\n".join(
        f"| {c['kind']} | `{c['column']}` | {c.get('renamed_to') or ''} | "
        f"{c.get('old_type') or ''} | {c.get('new_type') or ''} |"
        for c in event.changes
    )
    return AssetObservation(
        asset_key=raw_key(event.connector, event.source_table),
        partition=event.tenant_id,
        metadata={
            "drift_event_id": event.id,
            "drift_changes": len(event.changes),
            "detected_at": MetadataValue.timestamp(event.detected_at),
            # the change happened at most this long before detection (plotted per tick)
            **(
                {"detection_window_s": MetadataValue.float(event.detection_window_seconds)}
                if event.detection_window_seconds is not None
                else {}
            ),
            "changes": MetadataValue.md(
                "| change | column | renamed to | old type | new type |\n|---|---|---|---|---|\n"
                + rows
            ),
        },
    )
