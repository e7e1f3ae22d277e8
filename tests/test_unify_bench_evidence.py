"""The bench's recall ceiling: true contact pairs classified by the strongest fact they share
beyond a name (bench/unify_evidence.py)."""

import pandas as pd
import pytest

from autonomos_pipelines.dcl.unify.model import RecordKey
from bench.unify_evidence import contact_evidence


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
