"""Send what is due, tenant by tenant, within one sensor tick's budget.

After a send that failed for a reason that may pass (receiver down, 5xx, timeout) the tick
stops sending: the rest stay due and go on a later tick, instead of each waiting out a
timeout against a receiver that is not there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from autonomos_pipelines.core.notify.outbox import Outbox, Outgoing
from autonomos_pipelines.core.notify.webhook import post
from autonomos_pipelines.core.tenant_id import TenantId

MAX_SENDS_PER_TICK = 50  # the rest wait for the next tick


@dataclass
class Report:
    sent: list[str] = field(default_factory=list)  # "<tenant> <event key>"
    retrying: list[str] = field(default_factory=list)  # with the (redacted) error
    given_up: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.sent)} notification(s) sent, {len(self.retrying)} to retry, "
            f"{len(self.given_up)} given up"
        )


def deliver_due(outbox: Outbox, webhook_url: str, tenants: Iterable[TenantId]) -> Report:
    report = Report()
    for tenant_id in tenants:
        while len(report.sent) + len(report.given_up) < MAX_SENDS_PER_TICK:
            claimed = outbox.claim_due(tenant_id, 1)  # one at a time: none held in vain
            if not claimed:
                break
            for outgoing in claimed:
                if not _send(outbox, webhook_url, outgoing, report):
                    return report  # the receiver is unwell: the rest wait for a later tick
    return report


def _send(outbox: Outbox, webhook_url: str, outgoing: Outgoing, report: Report) -> bool:
    """False when the receiver failed in a way that may pass (try again later)."""
    delivery = post(webhook_url, outgoing.payload)
    status = outbox.settle(outgoing, delivery)
    name = f"{outgoing.tenant_id} {outgoing.event_key}"
    if status == "sent":
        report.sent.append(name)
        return True
    line = f"{name} (attempt {outgoing.attempts}): {delivery.error}"
    (report.given_up if status == "failed" else report.retrying).append(line)
    return delivery.permanent
