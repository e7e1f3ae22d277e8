"""A notification about one event of one tenant, as Slack-compatible JSON.

Text that comes from sources (check descriptions, error messages, table names) is escaped
for Slack's mrkdwn (``&``, ``<``, ``>``), so it can neither ping a channel nor forge a link,
and every piece is cut to a bound, so a message always fits Slack's block limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from autonomos_pipelines.core.tenant_id import TenantId

# kind -> the header a reader sees first
KINDS = {
    "drift_review": "Schema drift needs a person",
    "review_gate": "Canonical tables held by the review gate",
    "connector_degraded": "Connector degraded",
    "run_failed": "Run failed",
    "freshness_failed": "Canonical table is stale",
}
TITLE_CHARS, DETAIL_CHARS, ACTION_CHARS = 300, 1500, 600  # Slack: 3,000 per section


@dataclass(frozen=True)
class Notice:
    """``subject``: what it is about (one unresolved notice per tenant and subject);
    ``event_key``: the event itself (never announced twice)."""

    tenant_id: TenantId
    kind: str
    subject: str
    event_key: str
    title: str
    detail: str
    action: str
    link: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown notification kind {self.kind!r}")


def escape(text: str) -> str:
    """Slack mrkdwn's three control characters, as Slack asks them to be escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bounded(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fitted(text: str, limit: int) -> str:
    """Escaped, then cut to ``limit`` characters without splitting an escape."""
    text = escape(text.strip())
    if len(text) <= limit:
        return text
    return re.sub(r"&[a-z]*$", "", text[: limit - 1]).rstrip() + "…"


def ui_link(base_url: str, path: list[str], **query: str) -> str:
    """A deep link into the Dagster UI: /runs/<id>, /assets/<key path>?partition=<tenant>."""
    link = base_url.rstrip("/") + "/" + "/".join(quote(part, safe="") for part in path)
    return link + ("?" + urlencode(query) if query else "")


def slack_payload(notice: Notice) -> dict[str, Any]:
    """``text`` for notifications and plain clients; ``blocks`` for Slack's layout."""
    header = f"{KINDS[notice.kind]} · {notice.tenant_id}"
    title = fitted(notice.title, TITLE_CHARS)
    detail = fitted(notice.detail, DETAIL_CHARS)
    action = fitted(notice.action, ACTION_CHARS)
    link = f"<{escape(notice.link)}|Open in Dagster>"
    return {
        "text": f"[{notice.tenant_id}] {title} — what to do: {action} {link}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": bounded(header, 150)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{detail}"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*Tenant*\n`{notice.tenant_id}`"},
                    {"type": "mrkdwn", "text": f"*What to do*\n{action}"},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": link}]},
        ],
    }
