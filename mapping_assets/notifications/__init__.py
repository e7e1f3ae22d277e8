"""Notifications: sensors that tell a Slack-compatible webhook when a tenant needs a person
(failed run, review gate, degraded connector, stale table, drift awaiting review)."""

from __future__ import annotations

from dagster import Definitions

from mapping_assets.notifications.pipeline_events import notify_pipeline_events
from mapping_assets.notifications.run_failures import notify_failed_runs


def notifications_definitions() -> Definitions:
    return Definitions(sensors=[notify_failed_runs, notify_pipeline_events])
