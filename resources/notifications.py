"""Notifications as a Dagster resource: the webhook, the UI that messages link to, and the
registry table that records what was sent."""

from __future__ import annotations

from dagster import ConfigurableResource

from autonomos_pipelines.core.notify.outbox import Outbox
from autonomos_pipelines.core.settings import Settings
from resources.postgres import PostgresResource


class NotificationsResource(ConfigurableResource):
    """Slack-compatible messages to AUTONOMOS_WEBHOOK_URL (empty: notifications are off),
    linking into the Dagster UI at AUTONOMOS_UI_URL; each event recorded once in the
    registry's `notifications` table. ``first_retry_seconds``: the wait after a failed send,
    doubled on each further failure (up to an hour)."""

    postgres: PostgresResource
    webhook_url: str = ""
    ui_url: str = ""
    first_retry_seconds: float = 30.0

    def settings(self) -> Settings:
        return Settings.from_values(
            {"AUTONOMOS_WEBHOOK_URL": self.webhook_url, "AUTONOMOS_UI_URL": self.ui_url}
        )

    def enabled(self) -> bool:
        return self.settings().webhook_url is not None

    def outbox(self) -> Outbox:
        return Outbox(self.postgres.engine(), self.first_retry_seconds)
