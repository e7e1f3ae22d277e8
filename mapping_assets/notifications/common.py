"""What both notification sensors do with a notice: record it once, then send what is due."""

from __future__ import annotations

from collections.abc import Iterable
from logging import Logger

import sqlalchemy as sa

from autonomos_pipelines.core.notify.deliver import Report, deliver_due
from autonomos_pipelines.core.notify.message import Notice
from autonomos_pipelines.core.notify.outbox import Outbox
from autonomos_pipelines.core.tenant_id import TenantId

OFF = "notifications are off: AUTONOMOS_WEBHOOK_URL is not set"


def record(outbox: Outbox, notice: Notice, log: Logger) -> bool:
    """True if the notice is new (this tick announces it)."""
    try:
        new = outbox.record(notice)
    except sa.exc.IntegrityError:  # the tenant was removed since the event
        log.warning(f"no notification for {notice.event_key}: tenant {notice.tenant_id} is gone")
        return False
    if new:
        log.info(f"notification recorded: {notice.tenant_id} {notice.event_key} ({notice.kind})")
    return new


def send_due(outbox: Outbox, webhook_url: str, tenants: Iterable[TenantId], log: Logger) -> Report:
    """Send every due notification; failures are logged (redacted) and retried later."""
    report = deliver_due(outbox, webhook_url, tenants)
    for line in report.retrying:
        log.warning(f"notification not delivered, will retry: {line}")
    for line in report.given_up:
        log.error(f"notification refused by the webhook, given up: {line}")
    return report
