"""Value mappings and computed mappings over HTTP on a real registry: a field's value map
with what the last pass saw, the value review queue confined to the tenant, decisions, edits,
history and rollback; proposals with an expression and expression checks (422 problems
naming what is wrong)."""

from __future__ import annotations

import pytest

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.source_values import ObservedValues, record_values
from autonomos_pipelines.dcl.registry.value_refs import ValueRef
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from autonomos_pipelines.dcl.registry.value_writes import ValueProposal
from tests.api_fixtures import *  # noqa: F403
from tests.test_api_routes import ACME, REVIEWER, problem_of

pytestmark = pytest.mark.postgres
FIELD = {"connector": "stripe", "table": "charges", "field": "payment_method_details__type"}


def proposal(tenant: str | None, value: str, canonical: str) -> ValueProposal:
    ref = ValueRef(FieldRef(tenant and TenantId(tenant), *FIELD.values()), value)
    evidence = {"candidates": [[canonical, 0.81]]}
    return ValueProposal(
        ref, "payment", "payment_method", canonical, 0.7, "rag", reason="rag", evidence=evidence
    )


@pytest.fixture
def world(api):
    found = api.client.app.state.services
    values = ValueWorkflow(found.workflow)
    ids = {
        tenant: values.propose_many([proposal(tenant, "klarna", "other")], "system:dcl")[0]
        for tenant in ("acme", "globex")
    }
    ids["baseline"] = values.propose_many([proposal(None, "ideal", "bank_transfer")], "x")[0]
    seen = (("card", 40), ("klarna", 3), ("sepa_debit", 2), ("zip", 1))
    record_values(found.engine, TenantId("acme"),
                  [ObservedValues(*FIELD.values(), seen)])  # fmt: skip
    reviewer = api.bearer(api.issue("rita", "acme", REVIEWER))
    viewer = api.bearer(api.issue("vic", "acme", ("read",)))
    return api, ids, reviewer, viewer


def test_a_fields_value_map_shows_active_pending_and_seen_values(world):
    api, ids, _, viewer = world
    body = api.client.get(f"{ACME}/values", params=FIELD, headers=viewer).json()
    assert body["target"] == "payment.payment_method" and "direct_debit" in body["canonical_values"]
    active = {row["source_value"]: row for row in body["active"]}
    assert active["sepa_debit"]["canonical_value"] == "direct_debit"
    assert active["sepa_debit"]["scope"] == "global"  # inherited from the baseline
    assert [row["id"] for row in body["pending"]] == [ids["acme"]]  # not globex's
    states = {row["value"]: (row["rows"], row["state"]) for row in body["seen"]}
    assert states == {"card": (40, "canonical"), "klarna": (3, "in review"),
                      "sepa_debit": (2, "mapped"), "zip": (1, "unknown")}  # fmt: skip
    unmapped = {**FIELD, "field": "description"}
    detail = problem_of(api.client.get(f"{ACME}/values", params=unmapped, headers=viewer), 422)
    assert detail["detail"].startswith("payment.description has no value set")
    nowhere = {**FIELD, "field": "no_such_field"}
    detail = problem_of(api.client.get(f"{ACME}/values", params=nowhere, headers=viewer), 422)
    assert "has no active field mapping for tenant acme" in detail["detail"]


def test_value_review_is_confined_to_the_tenant_and_decisions_are_audited(world):
    api, ids, reviewer, viewer = world
    queue = api.client.get(f"{ACME}/values/review", headers=viewer).json()["pending"]
    assert [row["id"] for row in queue] == [ids["acme"]]  # the baseline has its own queue
    one = api.client.get(f"{ACME}/values/review/{ids['acme']}", headers=viewer).json()
    assert one["candidates"] == [{"value": "other", "similarity": 0.81}]
    url = f"{ACME}/values/review/{ids['acme']}/approve"
    assert "lacks scope 'review'" in problem_of(api.client.post(url, headers=viewer), 403)["detail"]
    approved = api.client.post(url, headers=reviewer)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["approved_by"]) == ("active", "rita")
    problem_of(api.client.post(url, headers=reviewer), 409)  # decided already
    # another tenant's proposal does not exist for acme; the baseline's needs an admin
    other = f"{ACME}/values/review/{ids['globex']}/approve"
    assert "v" in problem_of(api.client.post(other, headers=reviewer), 404)["detail"]
    baseline = f"{ACME}/values/review/{ids['baseline']}/reject"
    refused = problem_of(api.client.post(baseline, json={}, headers=reviewer), 403)
    assert "global baseline" in refused["detail"]
    by_admin = api.client.post(baseline, json={"reason": "no"}, headers=api.headers("admin"))
    assert by_admin.json()["status"] == "rejected" and by_admin.json()["reason"] == "no"


def test_set_history_and_rollback_a_value_mapping(world):
    api, _, reviewer, viewer = world
    body = {**FIELD, "source_value": "zip", "canonical_value": "paylater"}
    problem_of(api.client.put(f"{ACME}/values", json=body, headers=viewer), 403)
    outside = problem_of(api.client.put(f"{ACME}/values", json=body, headers=reviewer), 422)
    assert "'paylater'" in outside["detail"] and "wallet" in outside["detail"]  # names the set
    for canonical in ("other", "wallet"):
        done = api.client.put(f"{ACME}/values", json={**body, "canonical_value": canonical},
                              headers=reviewer)  # fmt: skip
        assert done.status_code == 201, done.text
    params = {**FIELD, "value": "zip"}
    history = api.client.get(f"{ACME}/values/history", params=params, headers=viewer).json()
    assert [(r["version"], r["canonical_value"], r["status"]) for r in history] == [
        (1, "other", "deprecated"),
        (2, "wallet", "active"),
    ]
    back = api.client.post(f"{ACME}/values/rollback", json={**FIELD, "source_value": "zip",
                           "version": 1}, headers=reviewer)  # fmt: skip
    assert back.status_code == 201 and back.json()["canonical_value"] == "other"
    assert back.json()["version"] == 3


def test_a_proposal_with_an_expression_and_expression_checks(world):
    api, _, reviewer, viewer = world
    url = f"{ACME}/mappings/proposals"
    body = {
        "connector": "stripe",
        "table": "subscriptions",
        "field": "mrr",
        "target": "subscription.mrr",
        "expression": "to_decimal(plan__amount) / 100",
    }
    created = api.client.post(url, json=body, headers=reviewer)
    assert created.status_code == 201, created.text
    assert created.json()["expression"] == body["expression"]
    assert created.json()["status"] == "proposed"
    bad = {**body, "expression": "plan__amount * "}
    detail = problem_of(api.client.post(url, json=bad, headers=reviewer), 422)["detail"]
    assert "at position" in detail and "subscription.mrr" in detail
    wrong_type = {**body, "expression": "plan__amount = 'x'"}
    detail = problem_of(api.client.post(url, json=wrong_type, headers=reviewer), 422)["detail"]
    assert "boolean" in detail

    check = f"{ACME}/mappings/check-expression"
    fine = api.client.post(check, json={"expression": "status in ('active', 'trialing')",
                                        "target": "opportunity.is_won"},
                           headers=viewer)  # fmt: skip
    assert fine.status_code == 200, fine.text
    assert fine.json() == {"type": "boolean", "columns": ["status"], "table_observed": False}
    refused = api.client.post(check, json={"expression": "lower(", "target": None}, headers=viewer)
    assert "at position 6" in problem_of(refused, 422)["detail"]
    half = {"expression": "1", "connector": "stripe"}
    only_one = problem_of(api.client.post(check, json=half, headers=viewer), 422)["detail"]
    assert only_one.startswith("table: connector and table name a table together")
    unknown = api.client.post(check, json={"expression": "1", "target": "x.y"}, headers=viewer)
    assert problem_of(unknown, 422)["detail"].startswith("target: 'x.y' is not a field")
