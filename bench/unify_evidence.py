"""What the records of one true contact or account share beyond a name: the ceiling on recall
that no linker reaches without guessing from names alone (bench/unify.py prints it)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from itertools import combinations

import pandas as pd

from autonomos_pipelines.dcl.unify import normalise as norm
from autonomos_pipelines.dcl.unify.model import RecordKey
from autonomos_pipelines.sandbox.data.world import PERSONAL


def _phone(value: object) -> str | None:
    return re.sub(r"\D", "", value)[-10:] or None if isinstance(value, str) else None


def _lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


def _work_email(record) -> bool:
    email = _lower(record.email)
    return bool(email) and email.split("@")[1] not in PERSONAL


def _evidence(a, b, workplace: dict[RecordKey, str]) -> str:
    """The strongest shared fact of two records of one person, or "name only"."""
    if _lower(a.email) and _lower(a.email) == _lower(b.email):
        return "email"
    if _phone(a.phone) and _phone(a.phone) == _phone(b.phone):
        return "phone"
    place_a = workplace.get(RecordKey(a.connector, str(a.account_id)))
    place_b = workplace.get(RecordKey(b.connector, str(b.account_id)))
    if place_a and place_a == place_b:
        return "workplace"
    if place_a and _work_email(b) or place_b and _work_email(a):
        return "workplace and company e-mail"
    return "name only"


def contact_evidence(
    contacts: pd.DataFrame, truth: dict[RecordKey, str], workplace: dict[RecordKey, str]
) -> Counter[str]:
    """True contact pairs by their strongest shared fact; ``workplace`` maps an account record
    to its true company (what a perfect account linkage would give)."""
    people: dict[str, list] = defaultdict(list)
    for row in contacts.itertuples():
        people[truth[RecordKey(row.connector, row.record_id)]].append(row)
    return Counter(
        _evidence(a, b, workplace) for rows in people.values() for a, b in combinations(rows, 2)
    )


def _account_facts(record) -> dict[str, object]:
    domains = {norm.company_domain(record.domain), norm.company_domain(record.website)} - {""}
    return {
        "domain": domains,
        "phone": _phone(record.phone),
        "address": {norm.street(record.billing_street), norm.fold(record.billing_postal_code)}
        - {""},
        "city": norm.fold(record.billing_city),
    }


def _account_evidence(a: dict[str, object], b: dict[str, object]) -> str:
    """The strongest shared fact of two records of one company, or "name only"."""
    for fact in ("domain", "phone", "address", "city"):
        left, right = a[fact], b[fact]
        if left & right if isinstance(left, set) else left and left == right:  # type: ignore[operator]
            return fact
    return "name only"


def account_evidence(accounts: pd.DataFrame, truth: dict[RecordKey, str]) -> Counter[str]:
    """True account pairs by their strongest shared fact (a city is one of the world's few:
    thin evidence)."""
    companies: dict[str, list] = defaultdict(list)
    for row in accounts.itertuples():
        companies[truth[RecordKey(row.connector, row.record_id)]].append(_account_facts(row))
    return Counter(
        _account_evidence(a, b) for rows in companies.values() for a, b in combinations(rows, 2)
    )
