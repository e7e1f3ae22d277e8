"""Pipedrive API v1: organizations, persons, deals; api_token query auth; start/limit paging
with additional_data.pagination.more_items_in_collection / next_start."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, int_param
from autonomos_pipelines.sandbox.data import fake_values as fv
from autonomos_pipelines.sandbox.data import shared_world as sw

API_TOKEN = "b15399ac70803a3d51eb2f02d53b67185767fc17"
USERS = [
    {"id": 13500 + n, "name": f"{a} {b}", "email": f"{a.lower()}@seller.example.com"}
    for n, (a, b) in enumerate([("Ines", "Duarte"), ("Omar", "Haddad"), ("Mei", "Chen")])
]


def _owner(user: dict[str, Any]) -> dict[str, Any]:
    return {**user, "has_pic": 0, "pic_hash": None, "active_flag": True, "value": user["id"]}


def _data(seed: int) -> Records:
    rng = random.Random(seed)
    orgs: list[dict[str, Any]] = []
    persons: list[dict[str, Any]] = []
    deals: list[dict[str, Any]] = []
    domains: dict[int, str] = {}  # an organisation's domain, for its people's e-mails
    for index in range(70):
        company, owner = sw.org(rng, index + 3), rng.choice(USERS)
        domains[1 + index] = company["domain"]
        added = fv.moment(rng)
        orgs.append(
            {
                "id": 1 + index,
                "company_id": 7770001,
                "owner_id": _owner(owner),
                "name": company["name"],
                "open_deals_count": rng.randint(0, 4),
                "people_count": rng.randint(1, 9),
                "address": f"{company['street']}, {company['city']}",
                "address_street_number": company["street"].split(" ")[0],
                "address_locality": company["city"],
                "address_admin_area_level_1": company["state"],
                "address_postal_code": company["postal"],
                "address_country": company["country"],
                "cc_email": f"acme-{index}@pipedrivemail.com",
                "label": rng.choice([None, 5, 6, 7]),
                "visible_to": "3",
                "active_flag": True,
                "add_time": fv.ymd_hms(added),
                "update_time": fv.ymd_hms(added + timedelta(days=rng.randint(0, 90))),
            }
        )
    for index in range(160):
        organisation = rng.choice(orgs)
        added = fv.moment(rng)
        person = sw.contact_at(rng, domains[organisation["id"]])
        first, last = person["first"], person["last"]
        persons.append(
            {
                "id": 100 + index,
                "company_id": 7770001,
                "owner_id": _owner(rng.choice(USERS)),
                "org_id": {
                    "name": organisation["name"],
                    "people_count": 3,
                    "owner_id": organisation["owner_id"]["id"],
                    "active_flag": True,
                    "value": organisation["id"],
                },
                "name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                "email": [
                    {
                        "label": "work",
                        "value": person["email"],
                        "primary": True,
                    }
                ],
                # the list endpoint repeats the primary address at the top level
                "primary_email": person["email"],
                "phone": [{"label": "work", "value": person["phone"], "primary": True}],
                "job_title": rng.choice(["CFO", "Head of Ops", "Buyer", "CTO"]),
                "visible_to": "3",
                "active_flag": True,
                "add_time": fv.ymd_hms(added),
                "update_time": fv.ymd_hms(added + timedelta(days=rng.randint(0, 60))),
            }
        )
    for index in range(130):
        organisation, person = rng.choice(orgs), rng.choice(persons)
        status = rng.choice(["open", "open", "won", "lost"])
        added = fv.moment(rng)
        close = added + timedelta(days=rng.randint(5, 120))
        deals.append(
            {
                "id": 500 + index,
                "title": f"{organisation['name']} deal",
                "value": float(rng.randint(20, 800) * 50),
                "currency": rng.choice(["USD", "EUR"]),
                "status": status,
                "stage_id": rng.randint(1, 5),
                "pipeline_id": 1,
                "probability": None if status != "open" else rng.choice([10, 40, 70]),
                "org_id": {"name": organisation["name"], "value": organisation["id"]},
                "person_id": {"name": person["name"], "value": person["id"]},
                "user_id": _owner(rng.choice(USERS)),
                "add_time": fv.ymd_hms(added),
                "update_time": fv.ymd_hms(close),
                "expected_close_date": close.strftime("%Y-%m-%d"),
                "close_time": fv.ymd_hms(close) if status != "open" else None,
                "won_time": fv.ymd_hms(close) if status == "won" else None,
                "lost_reason": "Price" if status == "lost" else None,
                "origin": rng.choice(["ManuallyCreated", "WebForms", "Import"]),
                "visible_to": "3",
                "active": status == "open",
                "deleted": False,
            }
        )
    return {"organizations": orgs, "persons": persons, "deals": deals}


class PipedriveApi(SandboxApi):
    name = "pipedrive"
    prefix = "v1/"

    def build(self, seed: int) -> Records:
        return _data(seed or 23)

    def error(self, status: int, message: str) -> Response:
        return Response(
            status,
            {
                "success": False,
                "error": message,
                "errorCode": status,
                "error_info": "Please check developers.pipedrive.com for more information about "
                "Pipedrive API.",
            },
        )

    def handle(self, request: Request) -> Response:
        if request.query.get("api_token") != API_TOKEN:
            return self.error(401, "unauthorized access")
        resource = request.path.strip("/").removeprefix("v1/")
        if resource not in self.data:
            return self.error(404, "Unknown method .")
        start, limit = int_param(request.query, "start", 0), int_param(request.query, "limit", 100)
        if start is None or limit is None or not 1 <= limit <= 500:
            return self.error(400, "Invalid pagination parameters")
        rows = self.data[resource]
        more = start + limit < len(rows)
        pagination: dict[str, Any] = {
            "start": start,
            "limit": limit,
            "more_items_in_collection": more,
        }
        if more:
            pagination["next_start"] = start + limit
        return Response(
            200,
            {
                "success": True,
                "data": rows[start : start + limit],
                "additional_data": {"pagination": pagination},
            },
        )
