"""Entity unification over HTTP on a real registry: the review queue with its evidence,
verdicts as versions, settings, scope refusals (403) and validation errors (422)."""

from __future__ import annotations

import pytest

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.unify.model import RecordKey, ScoredPair
from autonomos_pipelines.dcl.unify.review_queue import ReviewQueue
from tests.api_fixtures import *  # noqa: F403

pytestmark = pytest.mark.postgres
URL = "/v1/tenants/acme/unify/account"
PAIRS = (
    ScoredPair(RecordKey("stripe", "cus_9"), RecordKey("hubspot", "51"), 0.81,
               {"name": "close", "domain": "exact", "phone": "missing"}),
    ScoredPair(RecordKey("zendesk", "7"), RecordKey("hubspot", "52"), 0.62,
               {"name": "exact", "domain": "missing", "phone": "differs"}),
)  # fmt: skip


@pytest.fixture
def queued(api):  # the review queue as the acme tenant's last run left it
    ReviewQueue(api.client.app.state.services.engine).replace(TenantId("acme"), "account", PAIRS)
    return api


def test_a_reviewer_sees_the_queue_and_decides_a_pair(queued):
    api = queued
    listed = api.client.get(f"{URL}/review", headers=api.headers("viewer"))
    assert listed.status_code == 200, listed.text
    assert [(p["left_record"], p["right_record"]) for p in listed.json()] == [
        ("hubspot:51", "stripe:cus_9"), ("hubspot:52", "zendesk:7"),
    ]  # fmt: skip
    assert listed.json()[0]["evidence"]["domain"] == "exact"
    verdict = {"left": "stripe:cus_9", "right": "hubspot:51", "verdict": "same", "reason": "VAT"}
    decided = api.client.post(f"{URL}/decisions", json=verdict, headers=api.headers("reviewer"))
    assert decided.status_code == 201, decided.text
    body = decided.json()
    assert (body["version"], body["decided_by"], body["match_probability"]) == (1, "rita", 0.81)
    assert body["evidence"]["name"] == "close"  # what the reviewer saw stays with the verdict
    left = api.client.get(f"{URL}/review", headers=api.headers("viewer")).json()
    assert [p["left_record"] for p in left] == ["hubspot:52"]
    undo = {**verdict, "verdict": "undecided"}
    api.client.post(f"{URL}/decisions", json=undo, headers=api.headers("reviewer"))
    history = api.client.get(
        f"{URL}/decisions", params={"record": "hubspot:51"}, headers=api.headers("viewer")
    ).json()
    assert [(h["version"], h["verdict"], h["is_active"]) for h in history] == [
        (2, "undecided", True), (1, "same", False),
    ]  # fmt: skip
    other = api.client.get("/v1/tenants/globex/unify/account/review", headers=api.headers("admin"))
    assert other.status_code == 200 and other.json() == []


def test_a_viewer_may_read_but_not_decide(queued):
    api = queued
    verdict = {"left": "stripe:cus_9", "right": "hubspot:51", "verdict": "different"}
    refused = api.client.post(f"{URL}/decisions", json=verdict, headers=api.headers("viewer"))
    assert refused.status_code == 403, refused.text
    refused = api.client.patch(f"{URL}/settings", json={"upper": 0.9},
                               headers=api.headers("viewer"))  # fmt: skip
    assert refused.status_code == 403, refused.text


def test_settings_are_read_and_changed_over_http(queued):
    api = queued
    changed = api.client.patch(
        f"{URL}/settings", json={"upper": 0.9, "source_priority": ["salesforce", "stripe"]},
        headers=api.headers("reviewer"),
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    read = api.client.get(f"{URL}/settings", headers=api.headers("viewer")).json()
    assert (read["upper"], read["source_priority"]) == (0.9, ["salesforce", "stripe"])
    assert read["default_rule"] == "most_recent"


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("post", "/decisions", {"left": "nocolon", "right": "a:1", "verdict": "same"},
         "left: record key 'nocolon' is not CONNECTOR:RECORD_ID"),
        ("post", "/decisions", {"left": "a:1", "right": "b:1", "verdict": "maybe"}, "verdict"),
        ("patch", "/settings", {"field_rules": {"shoe_size": "most_recent"}},
         "account.shoe_size is not a field"),
        ("patch", "/settings", {"lower": 0.9, "upper": 0.5}, "need 0 < lower <= upper < 1"),
        ("patch", "/settings", {"upper": 1.5}, "upper"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_by_name(queued, method, path, body, message):
    api = queued
    response = getattr(api.client, method)(URL + path, json=body, headers=api.headers("reviewer"))
    assert response.status_code == 422, response.text
    assert message in response.text


def test_an_entity_that_is_not_unified_is_refused(queued):
    api = queued
    response = api.client.get(
        "/v1/tenants/acme/unify/invoice/review", headers=api.headers("viewer")
    )
    assert response.status_code == 422 and "entity" in response.text
