"""CRM CSV exports for the file connector's demo (written into a tenant's file folder)."""

from __future__ import annotations

import csv
import random
from datetime import timedelta
from pathlib import Path

from autonomos_pipelines.sandbox.data import fake_values as fv

ACCOUNT_HEADER = [
    "Account ID",
    "Account Name",
    "Website",
    "Industry",
    "Employees",
    "Annual Revenue",
    "Phone",
    "Billing City",
    "Billing State",
    "Billing Country",
    "Type",
    "Created Date",
]
OPPORTUNITY_HEADER = [
    "Opportunity ID",
    "Account ID",
    "Opportunity Name",
    "Amount",
    "Currency",
    "Stage",
    "Probability (%)",
    "Close Date",
    "Lead Source",
    "Created Date",
]


def _accounts(rng: random.Random, count: int) -> list[list[str]]:
    rows = []
    for index in range(count):
        name = fv.company_name(rng, index + 3)
        city, state, _postal, country = rng.choice(fv.CITIES)
        rows.append(
            [
                f"001A{index:06d}",
                name,
                f"https://{fv.domain_of(name)}",
                rng.choice(fv.INDUSTRIES),
                str(rng.choice([8, 60, 250, 1200])),
                str(rng.choice([750000, 4000000, 25000000])),
                fv.phone(rng),
                city,
                state,
                country,
                rng.choice(["Customer", "Prospect", "Partner"]),
                fv.moment(rng).strftime("%Y-%m-%d"),
            ]
        )
    return rows


def _opportunities(rng: random.Random, accounts: list[list[str]], count: int) -> list[list]:
    rows = []
    stages = [
        ("Prospecting", 10),
        ("Qualification", 20),
        ("Proposal", 60),
        ("Negotiation", 80),
        ("Closed Won", 100),
        ("Closed Lost", 0),
    ]
    for index in range(count):
        account = rng.choice(accounts)
        stage, probability = rng.choice(stages)
        created = fv.moment(rng)
        rows.append(
            [
                f"006A{index:06d}",
                account[0],
                f"{account[1]} renewal",
                f"{rng.randint(5, 500) * 100}.00",
                rng.choice(["USD", "EUR"]),
                stage,
                str(probability),
                (created + timedelta(days=45)).strftime("%Y-%m-%d"),
                rng.choice(["Web", "Referral", "Event", "Partner"]),
                created.strftime("%Y-%m-%d"),
            ]
        )
    return rows


def write_demo_files(folder: Path, seed: int = 5) -> list[Path]:
    """Write accounts_export.csv and opportunities_export.csv; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    accounts = _accounts(rng, 60)
    tables = {
        "accounts_export.csv": (ACCOUNT_HEADER, accounts),
        "opportunities_export.csv": (OPPORTUNITY_HEADER, _opportunities(rng, accounts, 90)),
    }
    written = []
    for name, (header, rows) in tables.items():
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    return written
