"""The bench's recall ceiling: true contact pairs classified by the strongest fact they share
beyond a name (bench/unify_evidence.py)."""

import pandas as pd
import pytest

from autonomos_pipelines.dcl.unify.model import RecordKey
from bench.unify_evidence import account_evidence, contact_evidence


def _pair(left: dict, right: dict) -> pd.DataFrame:
    base = {"email": None, "phone": None, "account_id": None}
    return pd.DataFrame([
        {"connector": "crm", "record_id": "c1", **base, **left},
        {"connector": "support", "record_id": "s1", **base, **right},
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({"email": "Ada@acme.io"}, {"email": "ada@ACME.io"}, "email"),
        ({"phone": "+1 (415) 555-0101"}, {"phone": "4155550101"}, "phone"),
        ({"account_id": "a1"}, {"account_id": "a1"}, "workplace"),
        ({"account_id": "a1"}, {"email": "ada@acme.io"}, "workplace and company e-mail"),
        ({"account_id": "a1"}, {"email": "ada7@gmail.com"}, "name only"),
        ({"email": "ada@acme.io"}, {"email": "ada7@gmail.com"}, "name only"),
        ({}, {}, "name only"),
    ],
)
def test_a_true_pair_counts_under_its_strongest_shared_fact(left, right, expected):
    truth = {RecordKey("crm", "c1"): "person:1", RecordKey("support", "s1"): "person:1"}
    workplace = {RecordKey("crm", "a1"): "acme", RecordKey("support", "a1"): "acme"}
    assert contact_evidence(_pair(left, right), truth, workplace) == {expected: 1}


def test_records_of_different_people_are_not_pairs():
    truth = {RecordKey("crm", "c1"): "person:1", RecordKey("support", "s1"): "person:2"}
    frame = _pair({"email": "a@x.io"}, {"email": "a@x.io"})
    assert contact_evidence(frame, truth, {}) == {}


def _accounts(left: dict, right: dict) -> pd.DataFrame:
    base = {"domain": None, "website": None, "phone": None, "billing_street": None,
            "billing_postal_code": None, "billing_city": None}  # fmt: skip
    return pd.DataFrame([
        {"connector": "crm", "record_id": "a1", **base, **left},
        {"connector": "billing", "record_id": "b1", **base, **right},
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({"domain": "acme.io"}, {"website": "https://www.acme.io/"}, "domain"),
        ({"domain": "gmail.com"}, {"domain": "gmail.com"}, "name only"),  # not a company's
        ({"phone": "+1 (415) 555-0101"}, {"phone": "4155550101"}, "phone"),
        ({"billing_street": "12 Main Street"}, {"billing_street": "12 MAIN ST."}, "address"),
        ({"billing_street": "12 Main St", "billing_postal_code": "10115"},
         {"billing_postal_code": "10115"}, "address"),
        ({"billing_city": "Berlin"}, {"billing_city": "berlin"}, "city"),
        ({"billing_street": "12 Main St"}, {"billing_street": "14 Main St"}, "name only"),
    ],
)  # fmt: skip
def test_a_true_account_pair_counts_under_its_strongest_shared_fact(left, right, expected):
    truth = {RecordKey("crm", "a1"): "company:1", RecordKey("billing", "b1"): "company:1"}
    assert account_evidence(_accounts(left, right), truth) == {expected: 1}
