"""HubSpot CRM v3 objects (companies, contacts, deals) with real internal property names."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from autonomos_pipelines.sandbox.data import fake_values as fv
from autonomos_pipelines.sandbox.data import shared_world as sw

STAGES = [
    ("appointmentscheduled", "0.2", False, False),
    ("qualifiedtobuy", "0.4", False, False),
    ("presentationscheduled", "0.6", False, False),
    ("decisionmakerboughtin", "0.8", False, False),
    ("closedwon", "1.0", True, True),
    ("closedlost", "0.0", True, False),
]
LIFECYCLE = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "customer"]
SOURCES = ["ORGANIC_SEARCH", "PAID_SEARCH", "EMAIL_MARKETING", "REFERRALS", "DIRECT_TRAFFIC"]
OWNER_IDS = [str(51234001 + index) for index in range(8)]
# Properties HubSpot returns when the request names none.
DEFAULT_PROPERTIES = {
    "companies": ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
    "contacts": [
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ],
    "deals": [
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ],
}


def _record(object_id: int, properties: dict[str, Any], created, updated) -> dict[str, Any]:
    properties = {**properties, "hs_object_id": str(object_id)}
    return {
        "id": str(object_id),
        "properties": {
            key: None if value is None else str(value) for key, value in properties.items()
        },
        "createdAt": fv.iso(created),
        "updatedAt": fv.iso(updated),
        "archived": False,
    }


def companies(rng: random.Random, count: int) -> list[dict[str, Any]]:
    rows = []
    for index in range(count):
        company = sw.org(rng, index + 7)
        name = company["name"]
        city, state, postal, country = (company[k] for k in ("city", "state", "postal", "country"))
        created = fv.moment(rng)
        updated = created + timedelta(days=rng.randint(0, 90))
        domain = company["domain"]
        rows.append(
            _record(
                9000000 + index * 17,
                {
                    "name": name,
                    "domain": domain,
                    "website": f"https://www.{domain}",
                    "industry": rng.choice(fv.INDUSTRIES).upper(),
                    "numberofemployees": rng.choice([12, 45, 120, 800, 5000]),
                    "annualrevenue": rng.choice([500000, 2500000, 12000000, 90000000]),
                    "phone": company["phone"],
                    "address": f"{rng.randint(1, 500)} Main Street",
                    "city": city,
                    "state": state or None,
                    "zip": postal,
                    "country": country,
                    "description": f"{name} ({rng.choice(fv.INDUSTRIES).lower()})",
                    "type": rng.choice(["PROSPECT", "CUSTOMER", "PARTNER"]),
                    "hubspot_owner_id": rng.choice(OWNER_IDS),
                    "createdate": fv.iso(created),
                    "hs_lastmodifieddate": fv.iso(updated),
                },
                created,
                updated,
            )
        )
    return rows


def contacts(rng: random.Random, comps: list[dict[str, Any]], count: int) -> list[dict]:
    rows = []
    for index in range(count):
        company = rng.choice(comps)
        person = sw.contact_at(rng, company["properties"]["domain"])
        first, last = person["first"], person["last"]
        city, state, postal, country = rng.choice(fv.CITIES)
        created = fv.moment(rng)
        updated = created + timedelta(days=rng.randint(0, 60))
        rows.append(
            _record(
                120000 + index * 3,
                {
                    "firstname": first,
                    "lastname": last,
                    "email": person["email"],
                    "phone": person["phone"],
                    "mobilephone": fv.phone(rng),
                    "jobtitle": rng.choice(
                        ["CTO", "VP Sales", "Engineer", "Head of Finance", "CEO"]
                    ),
                    "address": f"{rng.randint(1, 500)} Side Street",
                    "city": city,
                    "state": state or None,
                    "zip": postal,
                    "country": country,
                    "associatedcompanyid": company["id"],
                    "lifecyclestage": rng.choice(LIFECYCLE),
                    "hs_analytics_source": rng.choice(SOURCES),
                    "hubspot_owner_id": rng.choice(OWNER_IDS),
                    "createdate": fv.iso(created),
                    "lastmodifieddate": fv.iso(updated),
                },
                created,
                updated,
            )
        )
    return rows


def deals(rng: random.Random, comps: list[dict[str, Any]], count: int) -> list[dict]:
    rows = []
    for index in range(count):
        company = rng.choice(comps)
        stage, probability, closed, won = rng.choice(STAGES)
        created = fv.moment(rng)
        updated = created + timedelta(days=rng.randint(0, 30))
        record = _record(
            7700000 + index * 11,
            {
                "dealname": f"{company['properties']['name']} - "
                f"{rng.choice(['New', 'Expansion', 'Renewal'])}",
                "amount": f"{rng.randint(10, 900) * 100}.00",
                "deal_currency_code": rng.choice(["USD", "EUR", "GBP"]),
                "dealstage": stage,
                "pipeline": "default",
                "hs_deal_stage_probability": probability,
                "closedate": fv.iso(created + timedelta(days=rng.randint(10, 120))),
                "hs_is_closed": str(closed).lower(),
                "hs_is_closed_won": str(won).lower(),
                "hubspot_owner_id": rng.choice(OWNER_IDS),
                "description": None,
                "createdate": fv.iso(created),
                "hs_lastmodifieddate": fv.iso(updated),
            },
            created,
            updated,
        )
        record["associations"] = {
            "companies": {"results": [{"id": company["id"], "type": "deal_to_company"}]}
        }
        rows.append(record)
    return rows


def owners(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for index, owner_id in enumerate(OWNER_IDS):
        first, last = fv.person(rng)
        created = fv.moment(rng, 200)
        rows.append(
            {
                "id": owner_id,
                "email": fv.email_of(first, last, "autonomos-demo.example.com", index),
                "type": "PERSON",
                "firstName": first,
                "lastName": last,
                "userId": 7100 + index,
                "userIdIncludingInactive": 7100 + index,
                "createdAt": fv.iso(created),
                "updatedAt": fv.iso(created + timedelta(days=30)),
                "archived": False,
                "teams": [{"id": "4100", "name": "Sales", "primary": True}],
            }
        )
    return rows


def dataset(seed: int = 11) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    comps = companies(rng, 80)
    return {
        "companies": comps,
        "contacts": contacts(rng, comps, 200),
        "deals": deals(rng, comps, 120),
        "owners": owners(random.Random(seed + 1)),
    }
