"""Zendesk Support API v2: users and organizations with cursor pagination (page[size],
page[after], meta.has_more, links.next) and tickets through the cursor-based incremental
export (start_time, cursor, after_cursor, end_of_stream). Basic auth {email}/token:{token}."""

from __future__ import annotations

import base64
import random
from datetime import timedelta
from typing import Any

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, basic, int_param
from autonomos_pipelines.sandbox.data import fake_values as fv
from autonomos_pipelines.sandbox.data import shared_world as sw

EMAIL = "admin@autonomos-demo.example.com"
API_TOKEN = "L7yLZ1o8piG6zxvRtUI0hGB56FCnZIyFe5PMKDEO"
PUBLIC = "https://autonomos-demo.zendesk.com/api/v2"
EXPORT_PAGE = 100


def _data(seed: int) -> Records:
    rng = random.Random(seed)
    organizations: list[dict[str, Any]] = []
    for index in range(40):
        company = sw.org(rng, index + 5)
        created = fv.moment(rng, 300)
        organizations.append(
            {
                "id": 360000100 + index,
                "url": f"{PUBLIC}/organizations/{360000100 + index}.json",
                "name": company["name"],
                "domain_names": [company["domain"]],
                "details": f"{company['industry']} customer",
                "notes": "",
                "group_id": None,
                "shared_tickets": False,
                "shared_comments": False,
                "external_id": f"crm-{index}",
                "tags": [rng.choice(["enterprise", "smb", "trial"])],
                "created_at": fv.iso_seconds(created),
                "updated_at": fv.iso_seconds(created + timedelta(days=rng.randint(0, 90))),
            }
        )
    users: list[dict[str, Any]] = []
    for index in range(150):
        organisation = rng.choice(organizations)
        role = "agent" if index < 12 else "end-user"
        domain = (
            "autonomos-demo.example.com" if role == "agent" else organisation["domain_names"][0]
        )
        if role == "agent":  # the support team's own staff, not customers
            first, last = fv.person(rng)
            person = {"email": fv.email_of(first, last, domain, index), "phone": fv.phone(rng)}
        else:
            person = sw.contact_at(rng, domain)
            first, last = person["first"], person["last"]
        created = fv.moment(rng, 400)
        users.append(
            {
                "id": 381000000 + index,
                "url": f"{PUBLIC}/users/{381000000 + index}.json",
                "name": f"{first} {last}",
                "email": person["email"],
                "phone": person["phone"],
                "role": role,
                "role_type": None,
                "active": True,
                "verified": True,
                "suspended": False,
                "time_zone": "Europe/London",
                "locale": "en-US",
                "organization_id": None if role == "agent" else organisation["id"],
                "last_login_at": fv.iso_seconds(created + timedelta(days=30)),
                "created_at": fv.iso_seconds(created),
                "updated_at": fv.iso_seconds(created + timedelta(days=rng.randint(0, 60))),
            }
        )
    agents, customers = users[:12], users[12:]
    tickets: list[dict[str, Any]] = []
    for index in range(240):
        requester, created = rng.choice(customers), fv.moment(rng, 500)
        updated = created + timedelta(hours=rng.randint(1, 400))
        status = rng.choice(["new", "open", "pending", "hold", "solved", "closed"])
        subject = rng.choice(
            [
                "Cannot log in",
                "Invoice question",
                "Feature request: SSO",
                "API returns 500",
                "Upgrade plan",
                "Data export is slow",
            ]
        )
        tickets.append(
            {
                "id": 1000 + index,
                "url": f"{PUBLIC}/tickets/{1000 + index}.json",
                "external_id": None,
                "type": rng.choice(["question", "incident", "problem", "task"]),
                "subject": subject,
                "raw_subject": subject,
                "description": f"{subject}. Reported by {requester['name']}.",
                "priority": rng.choice(["low", "normal", "high", "urgent"]),
                "status": status,
                "recipient": "support@autonomos-demo.example.com",
                "requester_id": requester["id"],
                "submitter_id": requester["id"],
                "assignee_id": rng.choice(agents)["id"],
                "organization_id": requester["organization_id"],
                "group_id": 360001,
                "tags": rng.sample(["billing", "login", "api", "sso", "vip"], 2),
                "via": {"channel": rng.choice(["email", "web", "chat", "api"]), "source": {}},
                "satisfaction_rating": {
                    "score": rng.choice(["good", "bad", "offered", "unoffered"])
                },
                "is_public": True,
                "has_incidents": False,
                "brand_id": 360000001,
                "created_at": fv.iso_seconds(created),
                "updated_at": fv.iso_seconds(updated),
                "generated_timestamp": int(updated.timestamp()),
            }
        )
    tickets.sort(key=lambda row: (row["generated_timestamp"], row["id"]))
    return {"organizations": organizations, "users": users, "tickets": tickets}


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode()


def _position(cursor: str) -> int | None:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("pos:"))
    except ValueError:
        return None


class ZendeskApi(SandboxApi):
    name = "zendesk"
    prefix = "api/v2/"

    def build(self, seed: int) -> Records:
        return _data(seed or 31)

    def error(self, status: int, message: str) -> Response:
        if status == 429:
            return Response(429, {"error": "APIRateLimitExceeded", "description": message})
        return Response(status, {"error": message})

    def handle(self, request: Request) -> Response:
        if basic(request.headers) != (f"{EMAIL}/token", API_TOKEN):
            return self.error(401, "Couldn't authenticate you")
        path = request.path.strip("/").removeprefix("api/v2/")
        if path == "incremental/tickets/cursor.json":
            return self._export(request)
        resource = path.removesuffix(".json")
        if resource not in ("users", "organizations"):
            return Response(404, {"error": "InvalidEndpoint", "description": "Not found"})
        size = int_param(request.query, "page[size]", 100)
        start = _position(request.query.get("page[after]", _cursor(0)))
        if size is None or not 1 <= size <= 100 or start is None:
            return Response(
                400,
                {"error": "InvalidPaginationParameter", "description": "page[size] must be 1..100"},
            )
        rows = self.data[resource][start : start + size]
        more = start + size < len(self.data[resource])
        after = _cursor(start + size) if more else None
        return Response(
            200,
            {
                resource: rows,
                "meta": {"has_more": more, "after_cursor": after, "before_cursor": _cursor(start)},
                "links": {
                    "prev": None,
                    "next": f"{request.base_url}/api/v2/{path}?page[after]={after}"
                    f"&page[size]={size}"
                    if more
                    else None,
                },
            },
        )

    def _export(self, request: Request) -> Response:
        rows = self.data["tickets"]
        if "cursor" in request.query:
            start = _position(request.query["cursor"])
        elif "start_time" in request.query:
            since = int_param(request.query, "start_time", 0)
            start = (
                None
                if since is None
                else next(
                    (i for i, row in enumerate(rows) if row["generated_timestamp"] >= since),
                    len(rows),
                )
            )
        else:
            return Response(400, {"error": "InvalidValue", "description": "start_time is required"})
        if start is None:
            return Response(422, {"error": "InvalidCursor", "description": "Invalid cursor"})
        page = rows[start : start + EXPORT_PAGE]
        after = _cursor(start + len(page))
        return Response(
            200,
            {
                "tickets": page,
                "after_cursor": after,
                "before_cursor": _cursor(start),
                "after_url": f"{request.base_url}/{request.path}?cursor={after}",
                "before_url": None,
                "end_of_stream": start + len(page) >= len(rows),
            },
        )

    def refresh(self, record: dict[str, Any], serial: int, now) -> None:
        record["id"] = 900_000 + serial
        record["updated_at"] = fv.iso_seconds(now)
        record["generated_timestamp"] = int(now.timestamp())
