"""Intercom REST API 2.11: contacts and conversations (pages.next.starting_after), companies
(page-numbered, pages.total_pages). Bearer access token; errors as error.list objects."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, bearer, int_param
from autonomos_pipelines.sandbox.data import fake_values as fv
from autonomos_pipelines.sandbox.data import shared_world as sw

TOKEN = "dG9rOjd5QWOVqFq0pWUsWm3pTDY9LLDhTNTAw8Fn3JqPxwDAEbNm7zyo4725"
WORKSPACE = "ecahpwf5"
ADMINS = [5000101, 5000102, 5000103, 5000104]


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(96):024x}"


def _data(seed: int) -> Records:
    rng = random.Random(seed)
    companies: list[dict[str, Any]] = []
    for index in range(45):
        company, created = sw.org(rng, index + 11), fv.moment(rng, 400)
        companies.append(
            {
                "type": "company",
                "id": _hex(rng),
                "company_id": f"acct-{1000 + index}",
                "app_id": WORKSPACE,
                "name": company["name"],
                "website": f"https://{company['domain']}",
                "industry": company["industry"],
                "size": rng.choice([10, 50, 200, 1000]),
                "monthly_spend": rng.choice([0, 49, 199, 999]),
                "session_count": rng.randint(1, 500),
                "user_count": rng.randint(1, 40),
                "plan": {"type": "plan", "id": "269315", "name": rng.choice(["Pro", "Team"])},
                "remote_created_at": int(created.timestamp()),
                "created_at": int(created.timestamp()),
                "updated_at": int((created + timedelta(days=rng.randint(0, 60))).timestamp()),
                "tags": {"type": "tag.list", "tags": []},
                "custom_attributes": {},
            }
        )
    contacts: list[dict[str, Any]] = []
    for index in range(180):
        company = rng.choice(companies)
        person = sw.contact_at(rng, company["website"][8:])
        first, last = person["first"], person["last"]
        created = fv.moment(rng, 400)
        city, _, _, country = rng.choice(fv.CITIES)
        contacts.append(
            {
                "type": "contact",
                "id": _hex(rng),
                "workspace_id": WORKSPACE,
                "external_id": f"user-{index}",
                "role": rng.choice(["user", "lead"]),
                "email": person["email"],
                "phone": person["phone"],
                "name": f"{first} {last}",
                "owner_id": rng.choice(ADMINS),
                "has_hard_bounced": False,
                "marked_email_as_spam": False,
                "unsubscribed_from_emails": False,
                "created_at": int(created.timestamp()),
                "updated_at": int((created + timedelta(days=rng.randint(0, 60))).timestamp()),
                "signed_up_at": int(created.timestamp()),
                "last_seen_at": None,
                "browser_language": "en",
                "location": {"type": "location", "country": country, "region": None, "city": city},
                "companies": {
                    "type": "list",
                    "data": [{"id": company["id"], "type": "company"}],
                    "total_count": 1,
                    "has_more": False,
                },
            }
        )
    conversations: list[dict[str, Any]] = []
    for index in range(150):
        contact, created = rng.choice(contacts), fv.moment(rng, 500)
        state = rng.choice(["open", "closed", "snoozed"])
        subject = rng.choice(["Billing question", "Bug report", "How do I export?", "Refund"])
        conversations.append(
            {
                "type": "conversation",
                "id": str(20000 + index),
                "title": subject,
                "created_at": int(created.timestamp()),
                "updated_at": int((created + timedelta(hours=rng.randint(1, 300))).timestamp()),
                "waiting_since": None,
                "snoozed_until": None,
                "open": state != "closed",
                "state": state,
                "read": True,
                "priority": rng.choice(["priority", "not_priority"]),
                "admin_assignee_id": rng.choice(ADMINS),
                "team_assignee_id": None,
                "source": {
                    "type": "conversation",
                    "id": str(40000 + index),
                    "delivered_as": rng.choice(["customer_initiated", "admin_initiated"]),
                    "subject": subject,
                    "body": f"<p>{subject}</p>",
                    "author": {
                        "type": "user",
                        "id": contact["id"],
                        "name": contact["name"],
                        "email": contact["email"],
                    },
                    "url": None,
                },
                "contacts": {
                    "type": "contact.list",
                    "contacts": [{"type": "contact", "id": contact["id"]}],
                },
                "tags": {"type": "tag.list", "tags": []},
                "conversation_rating": {"rating": rng.choice([None, 3, 4, 5]), "remark": None},
                "statistics": {
                    "type": "conversation_statistics",
                    "first_admin_reply_at": int(created.timestamp()) + 1800,
                    "last_close_at": int(created.timestamp()) + 86400
                    if state == "closed"
                    else None,
                },
            }
        )
    return {"contacts": contacts, "companies": companies, "conversations": conversations}


class IntercomApi(SandboxApi):
    name = "intercom"

    def build(self, seed: int) -> Records:
        return _data(seed or 37)

    def error(self, status: int, message: str, code: str = "") -> Response:
        code = code or {401: "unauthorized", 429: "rate_limit_exceeded"}.get(status, "server_error")
        return Response(
            status,
            {
                "type": "error.list",
                "request_id": str(uuid.uuid4()),
                "errors": [{"code": code, "message": message}],
            },
        )

    def handle(self, request: Request) -> Response:
        if bearer(request.headers) != TOKEN:
            return self.error(401, "Access Token Invalid")
        resource = request.path.strip("/")
        if resource not in self.data:
            return self.error(404, "Resource Not Found", "not_found")
        per_page = int_param(request.query, "per_page", 50)
        if per_page is None or not 1 <= per_page <= 150:
            return self.error(400, "per_page must be between 1 and 150", "parameter_invalid")
        rows = self.data[resource]
        if resource == "companies":
            return self._page_numbered(request, rows, per_page)
        ids = [row["id"] for row in rows]
        after = request.query.get("starting_after")
        start = ids.index(after) + 1 if after in ids else 0
        page = rows[start : start + per_page]
        pages: dict[str, Any] = {
            "type": "pages",
            "page": start // per_page + 1,
            "per_page": per_page,
            "total_pages": -(-len(rows) // per_page),
        }
        if start + per_page < len(rows):
            pages["next"] = {"page": pages["page"] + 1, "starting_after": page[-1]["id"]}
        list_type = "conversation.list" if resource == "conversations" else "list"
        key = "conversations" if resource == "conversations" else "data"
        return Response(
            200, {"type": list_type, key: page, "total_count": len(rows), "pages": pages}
        )

    def _page_numbered(self, request: Request, rows: list, per_page: int) -> Response:
        page = int_param(request.query, "page", 1) or 1
        total_pages = -(-len(rows) // per_page)
        pages: dict[str, Any] = {
            "type": "pages",
            "page": page,
            "per_page": per_page,
            "total_pages": total_pages,
        }
        if page < total_pages:
            pages["next"] = f"https://api.intercom.io/companies?per_page={per_page}&page={page + 1}"
        return Response(
            200,
            {
                "type": "list",
                "data": rows[(page - 1) * per_page : page * per_page],
                "pages": pages,
                "total_count": len(rows),
            },
        )

    def refresh(self, record: dict[str, Any], serial: int, now) -> None:
        record["id"] = f"{serial:024x}"
        record["updated_at"] = int(now.timestamp())
