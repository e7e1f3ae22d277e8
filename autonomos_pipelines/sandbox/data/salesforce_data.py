"""Salesforce sObjects (Account, Contact, Opportunity, Lead, User) with standard field names."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from autonomos_pipelines.sandbox.data import fake_values as fv
from autonomos_pipelines.sandbox.data import shared_world as sw

STAGES = [
    ("Prospecting", 10, False, False),
    ("Qualification", 20, False, False),
    ("Proposal/Price Quote", 75, False, False),
    ("Negotiation/Review", 90, False, False),
    ("Closed Won", 100, True, True),
    ("Closed Lost", 0, True, False),
]
SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]


def sf_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _sf_id(prefix: str, index: int) -> str:
    return f"{prefix}5g00000{index:08d}"[:18]


def _stamps(rng: random.Random) -> dict[str, str]:
    created = fv.moment(rng, 500)
    modified = created + timedelta(days=rng.randint(0, 90))
    return {
        "CreatedDate": sf_time(created),
        "LastModifiedDate": sf_time(modified),
        "SystemModstamp": sf_time(modified),
    }


def dataset(seed: int) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    users: list[dict[str, Any]] = []
    for index in range(12):
        first, last = fv.person(rng)
        users.append(
            {
                "Id": _sf_id("005", index),
                "Username": f"{first}.{last}@demo.sf".lower(),
                "FirstName": first,
                "LastName": last,
                "Name": f"{first} {last}",
                "Email": fv.email_of(first, last, "autonomos-demo.example.com", index),
                "IsActive": index != 11,
                "Title": rng.choice(["AE", "SDR", "Sales Manager"]),
                "Department": "Sales",
                "UserType": "Standard",
                **_stamps(rng),
            }
        )
    accounts: list[dict[str, Any]] = []
    for index in range(90):
        company = sw.org(rng, index + 13)
        accounts.append(
            {
                "Id": _sf_id("001", index),
                "Name": company["name"],
                "Type": rng.choice(["Prospect", "Customer - Direct", "Channel Partner / Reseller"]),
                "Industry": company["industry"],
                "Website": f"https://www.{company['domain']}",
                "Phone": company["phone"],
                "BillingStreet": company["street"],
                "BillingCity": company["city"],
                "BillingState": company["state"] or None,
                "BillingPostalCode": company["postal"],
                "BillingCountry": company["country"],
                "NumberOfEmployees": rng.choice([15, 80, 450, 2300, 12000]),
                "AnnualRevenue": float(rng.choice([1.2e6, 8.5e6, 4.2e7, 3.1e8])),
                "Description": f"{company['name']} account",
                "OwnerId": rng.choice(users)["Id"],
                "ParentId": None,
                **_stamps(rng),
            }
        )
    contacts: list[dict[str, Any]] = []
    for index in range(220):
        account = rng.choice(accounts)
        person = sw.contact_at(rng, account["Website"][12:])
        first, last = person["first"], person["last"]
        contacts.append(
            {
                "Id": _sf_id("003", index),
                "AccountId": account["Id"],
                "FirstName": first,
                "LastName": last,
                "Name": f"{first} {last}",
                "Email": person["email"],
                "Phone": person["phone"],
                "MobilePhone": fv.phone(rng),
                "Title": rng.choice(["CFO", "VP Engineering", "Procurement Lead", "COO"]),
                "Department": rng.choice(["Finance", "Engineering", "Operations"]),
                "MailingStreet": account["BillingStreet"],
                "MailingCity": account["BillingCity"],
                "MailingState": account["BillingState"],
                "MailingPostalCode": account["BillingPostalCode"],
                "MailingCountry": account["BillingCountry"],
                "LeadSource": rng.choice(SOURCES),
                "OwnerId": account["OwnerId"],
                **_stamps(rng),
            }
        )
    opportunities: list[dict[str, Any]] = []
    for index in range(160):
        account = rng.choice(accounts)
        stage, probability, closed, won = rng.choice(STAGES)
        stamps = _stamps(rng)
        close = datetime.strptime(stamps["CreatedDate"][:10], "%Y-%m-%d") + timedelta(
            days=rng.randint(10, 150)
        )
        opportunities.append(
            {
                "Id": _sf_id("006", index),
                "AccountId": account["Id"],
                "Name": f"{account['Name']} - {rng.choice(['New Business', 'Upsell', 'Renewal'])}",
                "Amount": float(rng.randint(5, 400) * 250),
                "StageName": stage,
                "Probability": float(probability),
                "CloseDate": close.strftime("%Y-%m-%d"),
                "IsClosed": closed,
                "IsWon": won,
                "Type": rng.choice(["New Customer", "Existing"]),
                "LeadSource": rng.choice(SOURCES),
                "ForecastCategoryName": "Pipeline",
                "Description": None,
                "OwnerId": account["OwnerId"],
                **stamps,
            }
        )
    leads: list[dict[str, Any]] = []
    for index in range(120):
        company = sw.org(rng, index + 100)
        person = sw.contact_at(rng, company["domain"])
        first, last = person["first"], person["last"]
        leads.append(
            {
                "Id": _sf_id("00Q", index),
                "FirstName": first,
                "LastName": last,
                "Company": company["name"],
                "Email": person["email"],
                "Phone": person["phone"],
                "Title": rng.choice(["Manager", "Director", "Analyst"]),
                "Status": rng.choice(["Open - Not Contacted", "Working - Contacted", "Qualified"]),
                "LeadSource": rng.choice(SOURCES),
                "Industry": company["industry"],
                "IsConverted": False,
                "OwnerId": rng.choice(users)["Id"],
                **_stamps(rng),
            }
        )
    return {
        "Account": accounts,
        "Contact": contacts,
        "Opportunity": opportunities,
        "Lead": leads,
        "User": users,
    }
