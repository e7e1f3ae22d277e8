"""Mailchimp Marketing API 3.0: campaigns (with report_summary totals) and list members;
count/offset paging with total_items; HTTP basic auth with any user name and the API key."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import timedelta
from typing import Any

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, basic, int_param
from autonomos_pipelines.sandbox.data import fake_values as fv
from autonomos_pipelines.sandbox.data import shared_world as sw

API_KEY = "0123456789abcdef0123456789abcdef-us21"
LIST_ID = "a1b2c3d4e5"


def _data(seed: int) -> Records:
    rng = random.Random(seed)
    campaigns: list[dict[str, Any]] = []
    for index in range(60):
        created = fv.moment(rng, 500)
        sent = rng.random() < 0.8
        recipients = rng.randint(500, 20000)
        opens = int(recipients * rng.uniform(0.15, 0.45)) if sent else 0
        clicks = int(opens * rng.uniform(0.05, 0.3))
        title = f"{rng.choice(['Spring', 'Product', 'Webinar', 'Renewal'])} update #{index + 1}"
        campaigns.append(
            {
                "id": hashlib.md5(f"c{seed}-{index}".encode()).hexdigest()[:10],
                "web_id": 1000000 + index,
                "type": rng.choice(["regular", "regular", "plaintext"]),
                "create_time": fv.iso_seconds(created),
                "status": "sent" if sent else "save",
                "archive_url": f"https://mailchi.mp/demo/{index}",
                "emails_sent": recipients if sent else 0,
                "send_time": fv.iso_seconds(created + timedelta(days=2)) if sent else "",
                "content_type": "template",
                "recipients": {
                    "list_id": LIST_ID,
                    "list_name": "Customers",
                    "segment_text": "",
                    "recipient_count": recipients,
                },
                "settings": {
                    "subject_line": title,
                    "preview_text": "",
                    "title": title,
                    "from_name": "Autonomos Demo",
                    "reply_to": "news@autonomos.example.com",
                },
                "tracking": {"opens": True, "html_clicks": True, "text_clicks": False},
                "report_summary": {
                    "opens": int(opens * 1.4),
                    "unique_opens": opens,
                    "open_rate": round(opens / recipients, 4),
                    "clicks": int(clicks * 1.3),
                    "subscriber_clicks": clicks,
                    "click_rate": round(clicks / recipients, 4),
                    "ecommerce": {
                        "total_orders": rng.randint(0, 40),
                        "total_spent": 0,
                        "total_revenue": 0,
                    },
                },
            }
        )
    members: list[dict[str, Any]] = []
    for index in range(220):
        person = sw.nth_contact(rng, index)
        first, last, email = person["first"], person["last"], person["email"]
        city, _, _, country = rng.choice(fv.CITIES)
        joined = fv.moment(rng, 600)
        members.append(
            {
                "id": hashlib.md5(email.lower().encode()).hexdigest(),
                "email_address": email,
                "unique_email_id": hashlib.md5(f"u{email}".encode()).hexdigest()[:10],
                "full_name": f"{first} {last}",
                "web_id": 3000000 + index,
                "email_type": "html",
                "status": rng.choice(["subscribed", "subscribed", "unsubscribed", "cleaned"]),
                "merge_fields": {
                    "FNAME": first,
                    "LNAME": last,
                    "PHONE": person["phone"],
                    "ADDRESS": {"addr1": "", "city": city, "country": country},
                },
                "stats": {
                    "avg_open_rate": round(rng.random(), 2),
                    "avg_click_rate": round(rng.random() / 4, 2),
                },
                "ip_signup": "",
                "timestamp_signup": fv.iso_seconds(joined),
                "timestamp_opt": fv.iso_seconds(joined),
                "member_rating": rng.randint(1, 5),
                "last_changed": fv.iso_seconds(joined + timedelta(days=rng.randint(0, 90))),
                "language": "en",
                "vip": False,
                "source": rng.choice(["API - Generic", "Import"]),
                "location": {"country_code": country, "timezone": ""},
                "tags_count": 0,
                "tags": [],
                "list_id": LIST_ID,
            }
        )
    return {"campaigns": campaigns, "members": members}


class MailchimpApi(SandboxApi):
    name = "mailchimp"
    prefix = "3.0/"

    def build(self, seed: int) -> Records:
        return _data(seed or 43)

    def error(self, status: int, message: str, title: str = "") -> Response:
        title = title or {401: "API Key Invalid", 429: "Too Many Requests"}.get(status, "Error")
        return Response(
            status,
            {
                "type": "https://mailchimp.com/developer/marketing/docs/errors/",
                "title": title,
                "status": status,
                "detail": message,
                "instance": str(uuid.uuid4()),
            },
        )

    def handle(self, request: Request) -> Response:
        credentials = basic(request.headers)
        if credentials is None or credentials[1] != API_KEY:
            return self.error(
                401,
                "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
            )
        path = request.path.strip("/").removeprefix("3.0/")
        routes = {"campaigns": "campaigns", f"lists/{LIST_ID}/members": "members"}
        if path not in routes:
            return self.error(
                404, "The requested resource could not be found.", "Resource Not Found"
            )
        count, offset = int_param(request.query, "count", 10), int_param(request.query, "offset", 0)
        if count is None or offset is None or not 1 <= count <= 1000:
            return self.error(400, "count must be between 1 and 1000", "Invalid Resource")
        resource = routes[path]
        rows = self.data[resource]
        body: dict[str, Any] = {
            resource: rows[offset : offset + count],
            "total_items": len(rows),
            "_links": [],
        }
        if resource == "members":
            body["list_id"] = LIST_ID
        return Response(200, body)
