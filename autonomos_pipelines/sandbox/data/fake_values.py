"""Deterministic realistic values shared by the sandbox datasets."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

COMPANY_WORDS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Oscorp",
    "Aperture",
    "Gringotts",
    "Monarch",
    "Nakatomi",
    "Pied Piper",
    "Massive Dynamic",
    "Dunder Mifflin",
    "Blue Sun",
    "Gekko",
    "Virtucon",
    "Zorg",
]
SUFFIXES = ["Inc", "LLC", "GmbH", "Ltd", "Corp", "SA", "BV"]
FIRST_NAMES = [
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Tim",
    "Radia",
    "Vint",
    "Hedy",
    "Guido",
    "Sophie",
    "Yukihiro",
    "Anita",
    "Donald",
    "Edsger",
    "Niklaus",
]
LAST_NAMES = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Berners-Lee",
    "Perlman",
    "Cerf",
    "Lamarr",
    "van Rossum",
    "Wilson",
    "Matsumoto",
    "Borg",
    "Knuth",
    "Dijkstra",
    "Wirth",
]
INDUSTRIES = ["Software", "Retail", "Manufacturing", "Healthcare", "Finance", "Education", "Media"]
CITIES = [
    ("San Francisco", "CA", "94105", "US"),
    ("New York", "NY", "10001", "US"),
    ("Austin", "TX", "73301", "US"),
    ("London", "", "EC1A 1BB", "GB"),
    ("Berlin", "", "10115", "DE"),
    ("Paris", "", "75001", "FR"),
    ("Toronto", "ON", "M5H 2N2", "CA"),
]
CURRENCIES = ["usd", "eur", "gbp"]
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def company_name(rng: random.Random, index: int) -> str:
    second = COMPANY_WORDS[index % len(COMPANY_WORDS)]
    return f"{rng.choice(COMPANY_WORDS)} {second} {rng.choice(SUFFIXES)}"


def domain_of(name: str) -> str:
    stem = "".join(ch for ch in name.lower().rsplit(" ", 1)[0] if ch.isalnum())
    return f"{stem}.example.com"


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def email_of(first: str, last: str, domain: str, index: int) -> str:
    local = f"{first}.{last}".lower().replace(" ", "").replace("-", "")
    return f"{local}{index}@{domain}"


def phone(rng: random.Random) -> str:
    return f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"


def moment(rng: random.Random, days: int = 600) -> datetime:
    return BASE_TIME + timedelta(seconds=rng.randint(0, days * 86400))


def epoch(value: datetime) -> int:
    return int(value.timestamp())


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def token(rng: random.Random, prefix: str, length: int = 14) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def org(rng: random.Random, index: int) -> dict[str, str]:
    """A company with a domain and an address, for APIs that describe organisations."""
    name = company_name(rng, index)
    city, state, postal, country = rng.choice(CITIES)
    return {
        "name": name,
        "domain": domain_of(name),
        "city": city,
        "state": state,
        "postal": postal,
        "country": country,
        "street": f"{rng.randint(1, 900)} {rng.choice(['Main', 'Market', 'King', 'High'])} Street",
        "industry": rng.choice(INDUSTRIES),
    }


def ymd_hms(value: datetime) -> str:
    """Pipedrive-style 'YYYY-MM-DD HH:MM:SS' (UTC)."""
    return value.strftime("%Y-%m-%d %H:%M:%S")


def iso_seconds(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
