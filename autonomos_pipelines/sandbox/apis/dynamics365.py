"""Dynamics 365 Web API (OData v4): Microsoft identity platform client-credentials token
endpoint, entity sets with $select/$filter/$orderby, Prefer: odata.maxpagesize and
@odata.nextLink with a $skiptoken; expired tokens get 401 like the real service."""

from __future__ import annotations

import random
import re
import secrets
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, bearer
from autonomos_pipelines.sandbox.data import fake_values as fv
from autonomos_pipelines.sandbox.data import shared_world as sw

CLIENT_ID = "508c1573-50f1-40dd-a3f9-0f0402e84458"
CLIENT_SECRET = "Oo58Q~DYt_ouexiCAbZVW6gD4hXsrp6K~gaV240E"
TENANT = "autonomos-demo.onmicrosoft.com"
ID_FIELDS = {"accounts": "accountid", "contacts": "contactid", "opportunities": "opportunityid"}


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _stamps(rng: random.Random) -> dict[str, str]:
    created = fv.moment(rng, 500)
    return {
        "createdon": fv.iso_seconds(created),
        "modifiedon": fv.iso_seconds(created + timedelta(days=rng.randint(0, 90))),
    }


def _data(seed: int) -> Records:
    rng = random.Random(seed)
    owners = [_guid(rng) for _ in range(5)]
    accounts: list[dict[str, Any]] = []
    for index in range(75):
        company = sw.org(rng, index + 17)
        accounts.append(
            {
                "@odata.etag": f'W/"{1000 + index}"',
                "accountid": _guid(rng),
                "name": company["name"],
                "accountnumber": f"ACC-{5000 + index}",
                "websiteurl": f"https://{company['domain']}",
                "telephone1": company["phone"],
                "address1_line1": company["street"],
                "address1_city": company["city"],
                "address1_stateorprovince": company["state"] or None,
                "address1_postalcode": company["postal"],
                "address1_country": company["country"],
                "numberofemployees": rng.choice([20, 150, 900, 4000]),
                "revenue": float(rng.choice([2.5e6, 1.1e7, 6.4e7])),
                "industrycode": rng.randint(1, 33),
                "description": None,
                "statecode": 0,
                "_ownerid_value": rng.choice(owners),
                "_parentaccountid_value": None,
                **_stamps(rng),
            }
        )
    contacts: list[dict[str, Any]] = []
    for index in range(180):
        account = rng.choice(accounts)
        person = sw.contact_at(rng, account["websiteurl"][8:])
        first, last = person["first"], person["last"]
        contacts.append(
            {
                "@odata.etag": f'W/"{3000 + index}"',
                "contactid": _guid(rng),
                "firstname": first,
                "lastname": last,
                "fullname": f"{first} {last}",
                "emailaddress1": person["email"],
                "telephone1": person["phone"],
                "mobilephone": fv.phone(rng),
                "jobtitle": rng.choice(["Purchasing Manager", "IT Director", "Controller"]),
                "department": rng.choice(["IT", "Finance", "Purchasing"]),
                "address1_line1": account["address1_line1"],
                "address1_city": account["address1_city"],
                "address1_stateorprovince": account["address1_stateorprovince"],
                "address1_postalcode": account["address1_postalcode"],
                "address1_country": account["address1_country"],
                "_parentcustomerid_value": account["accountid"],
                "leadsourcecode": rng.randint(1, 4),
                "_ownerid_value": account["_ownerid_value"],
                **_stamps(rng),
            }
        )
    opportunities: list[dict[str, Any]] = []
    for index in range(140):
        account = rng.choice(accounts)
        state = rng.choice([0, 0, 1, 2])  # open, won, lost
        stamps = _stamps(rng)
        opportunities.append(
            {
                "@odata.etag": f'W/"{6000 + index}"',
                "opportunityid": _guid(rng),
                "name": f"{account['name']} {rng.choice(['expansion', 'pilot', 'renewal'])}",
                "estimatedvalue": float(rng.randint(10, 500) * 200),
                "actualvalue": float(rng.randint(10, 500) * 200) if state == 1 else None,
                "estimatedclosedate": stamps["createdon"][:10],
                "closeprobability": rng.randint(0, 100),
                "stepname": rng.choice(["1-Qualify", "2-Develop", "3-Propose", "4-Close"]),
                "statecode": state,
                "statuscode": {0: 1, 1: 3, 2: 4}[state],
                "_parentaccountid_value": account["accountid"],
                "_parentcontactid_value": None,
                "_ownerid_value": account["_ownerid_value"],
                "description": None,
                "_transactioncurrencyid_value": "usd-currency-guid",
                **stamps,
            }
        )
    return {"accounts": accounts, "contacts": contacts, "opportunities": opportunities}


class Dynamics365Api(SandboxApi):
    name = "dynamics365"
    token_ttl_requests = 30

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.tokens: dict[str, int] = {}

    def build(self, seed: int) -> Records:
        return _data(seed or 59)

    def error(self, status: int, message: str, code: str = "0x80040216") -> Response:
        return Response(status, {"error": {"code": code, "message": message}})

    def handle(self, request: Request) -> Response:
        path = request.path.strip("/")
        if path == f"{TENANT}/oauth2/v2.0/token":
            return self._token(request)
        token = bearer(request.headers)
        if token not in self.tokens or self.tokens[token] >= self.token_ttl_requests:
            response = self.error(401, "The access token is invalid or expired.", "0x80072182")
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        self.tokens[token] += 1
        entity_set = path.removeprefix("api/data/v9.2/")
        if entity_set not in self.data:
            return self.error(404, f"Resource not found for the segment '{entity_set}'.")
        return self._page(request, entity_set)

    def _page(self, request: Request, entity_set: str) -> Response:
        query = request.query
        match = re.search(r"maxpagesize=(\d+)", request.headers.get("prefer", ""))
        size = int(match.group(1)) if match else 5000
        rows = self.data[entity_set]
        select = [name for name in query.get("$select", "").split(",") if name]
        unknown = [name for name in select if rows and name not in rows[0]]
        if unknown:
            return self.error(
                400,
                f"Could not find a property named '{unknown[0]}' on type "
                f"'Microsoft.Dynamics.CRM.{entity_set[:-1]}'.",
                "0x80060888",
            )
        if "$filter" in query:
            field, _, since = query["$filter"].partition(" ge ")
            rows = [row for row in rows if row.get(field.strip(), "") >= since.strip()]
        if "$orderby" in query:
            key = query["$orderby"].split()[0]
            rows = sorted(rows, key=lambda row: (row.get(key) or "", row["@odata.etag"]))
        start = int(query.get("$skiptoken", 0) or 0)
        id_field = ID_FIELDS[entity_set]
        page = [
            {
                "@odata.etag": row["@odata.etag"],
                id_field: row[id_field],
                **{name: row.get(name) for name in (select or row)},
            }
            for row in rows[start : start + size]
        ]
        body: dict[str, Any] = {
            "@odata.context": f"https://autonomos-demo.crm.dynamics.com/api/data/v9.2/$metadata"
            f"#{entity_set}({','.join(select)})",
            "value": page,
        }
        if start + size < len(rows):
            params = urlencode({k: v for k, v in query.items() if k != "$skiptoken"})
            body["@odata.nextLink"] = (
                f"{request.base_url}/api/data/v9.2/{entity_set}?{params}&$skiptoken={start + size}"
            )
        return Response(200, body)

    def _token(self, request: Request) -> Response:
        form = request.form()
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return Response(
                401,
                {
                    "error": "invalid_client",
                    "error_codes": [7000215],
                    "error_description": "AADSTS7000215: Invalid client secret provided. "
                    "Ensure the secret being sent in the request is the client secret value, "
                    "not the client secret ID, for a secret added to app '"
                    + str(form.get("client_id"))
                    + "'.",
                },
            )
        token = "eyJ0eXAiOiJKV1Qi." + secrets.token_urlsafe(32)
        self.tokens[token] = 0
        return Response(
            200,
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            },
        )
