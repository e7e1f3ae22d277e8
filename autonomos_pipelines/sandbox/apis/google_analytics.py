"""GA4 Data API v1beta properties/{id}:runReport: POST body with dateRanges (relative dates
such as 30daysAgo/yesterday too), dimensions, metrics, offset/limit; positional rows with
dimensionHeaders/metricHeaders and rowCount, errors in Google's {"error": {...}} shape."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, bearer

TOKEN = "ya29.4bhIlXysv24id0gQjuy4f6GlD6f9JHEobhT3fWJHYDkJYPS8_LYf2ABKqodl"
PROPERTY = "412345678"
CHANNELS = [
    ("google", "organic", "(organic)"),
    ("google", "cpc", "spring_sale"),
    ("newsletter", "email", "product_update"),
    ("linkedin", "social", "webinar_q2"),
    ("(direct)", "(none)", "(direct)"),
    ("bing", "organic", "(organic)"),
]
PAGES = ["/", "/pricing", "/docs/getting-started", "/blog/drift"]
DIMENSIONS = {"date", "sessionSource", "sessionMedium", "sessionCampaignName", "pagePath"}
METRICS = {
    "sessions": "TYPE_INTEGER",
    "totalUsers": "TYPE_INTEGER",
    "newUsers": "TYPE_INTEGER",
    "screenPageViews": "TYPE_INTEGER",
    "bounceRate": "TYPE_FLOAT",
    "averageSessionDuration": "TYPE_SECONDS",
    "conversions": "TYPE_INTEGER",
}


def resolve_date(text: str, today: date) -> date:
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    match = re.fullmatch(r"(\d+)daysAgo", text)
    return today - timedelta(days=int(match.group(1))) if match else date.fromisoformat(text)


def _metric(key: str, name: str) -> str:
    number = int(hashlib.sha256(f"{key}|{name}".encode()).hexdigest()[:8], 16)
    sessions = 20 + number % 400
    values = {
        "sessions": sessions,
        "totalUsers": int(sessions * 0.8),
        "newUsers": int(sessions * 0.35),
        "screenPageViews": int(sessions * 2.6),
        "bounceRate": round(0.3 + (number % 40) / 100, 4),
        "averageSessionDuration": round(40 + number % 200 + 0.5, 1),
        "conversions": number % 7,
    }
    return str(values[name])


def report_rows(start: date, end: date) -> list[dict[str, str]]:
    """Every (date, channel, page) combination of the range, GA-style YYYYMMDD dates."""
    rows, day = [], start
    while day <= end:
        for source, medium, campaign in CHANNELS:
            for page in PAGES:
                rows.append(
                    {
                        "date": day.strftime("%Y%m%d"),
                        "sessionSource": source,
                        "sessionMedium": medium,
                        "sessionCampaignName": campaign,
                        "pagePath": page,
                    }
                )
        day += timedelta(days=1)
    return rows


class GoogleAnalyticsApi(SandboxApi):
    name = "google_analytics"

    def build(self, seed: int) -> Records:
        return {"report_rows": []}  # computed per request from the date range

    def error(self, status: int, message: str, kind: str = "") -> Response:
        kind = kind or {401: "UNAUTHENTICATED", 429: "RESOURCE_EXHAUSTED"}.get(status, "INTERNAL")
        return Response(status, {"error": {"code": status, "message": message, "status": kind}})

    def handle(self, request: Request) -> Response:
        if bearer(request.headers) != TOKEN:
            return self.error(
                401,
                "Request had invalid authentication credentials. Expected "
                "OAuth 2 access token, login cookie or other valid authentication "
                "credential.",
            )
        if request.path.strip("/") != f"v1beta/properties/{PROPERTY}:runReport":
            return self.error(404, "Requested entity was not found.", "NOT_FOUND")
        body = request.json()
        if not isinstance(body, dict):
            return self.error(400, "Invalid JSON payload received.", "INVALID_ARGUMENT")
        dimensions = [item.get("name") for item in body.get("dimensions", [])]
        metrics = [item.get("name") for item in body.get("metrics", [])]
        for name in dimensions + metrics:
            if name not in DIMENSIONS and name not in METRICS:
                return self.error(
                    400, f"Field {name} is not a valid dimension or metric.", "INVALID_ARGUMENT"
                )
        today = datetime.now(UTC).date()
        ranges = body.get("dateRanges") or [{"startDate": "28daysAgo", "endDate": "yesterday"}]
        start = resolve_date(ranges[0]["startDate"], today)
        end = resolve_date(ranges[0]["endDate"], today)
        every = report_rows(start, end)
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 10000))
        rows = [
            {
                "dimensionValues": [{"value": row[name]} for name in dimensions],
                "metricValues": [
                    {"value": _metric("|".join(row.values()), name)} for name in metrics
                ],
            }
            for row in every[offset : offset + limit]
        ]
        return Response(
            200,
            {
                "dimensionHeaders": [{"name": name} for name in dimensions],
                "metricHeaders": [{"name": name, "type": METRICS[name]} for name in metrics],
                "rows": rows,
                "rowCount": len(every),
                "metadata": {"currencyCode": "USD", "timeZone": "Etc/UTC"},
                "kind": "analyticsData#runReport",
            },
        )

    def expected_rows(self, resource: str, days: int = 28) -> int:
        return days * len(CHANNELS) * len(PAGES)
