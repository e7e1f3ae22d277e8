"""Every tenant route over HTTP on a real registry: happy paths with rows written by the
registry's own write paths, scope refusals (403 problems) and validation errors (422
problems naming the field)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import FieldRef
from tests.api_fixtures import *  # noqa: F403
from tests.api_seed import seed

pytestmark = pytest.mark.postgres

ACME = "/v1/tenants/acme"
REVIEWER = ("read", "map", "review")


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    return body


@pytest.fixture
def world(api):
    seeded = seed(api)
    reviewer = api.bearer(api.issue("rita", "acme", REVIEWER))
    viewer = api.bearer(api.issue("vic", "acme", ("read",)))
    return api, seeded, reviewer, viewer


def test_review_queue_shows_the_tenants_own_and_an_approval_is_audited(world):
    api, seeded, reviewer, viewer = world
    flow = api.client.app.state.services.workflow
    disagreeing = FieldRef(TenantId("acme"), "hubspot", "companies", "created_at")
    other = flow.propose(disagreeing, "account.name", 0.7, "rag", "system:dcl")
    queue = api.client.get(f"{ACME}/review", headers=viewer).json()
    assert sorted(row["id"] for row in queue["pending"]) == [seeded.proposals["acme"], other]
    assert any(
        c.startswith("hubspot.companies.created_at@") and "proposes account.name but" in c
        for c in queue["conflicts"]
    )
    one = api.client.get(f"{ACME}/review/{seeded.proposals['acme']}", headers=viewer).json()
    assert one["target"] == "contact.email" and one["status"] == "proposed"
    assert one["candidates"] == [{"target": "contact.email", "confidence": 0.72}]

    url = f"{ACME}/review/{seeded.proposals['acme']}/approve"
    refused = problem_of(api.client.post(url, json={}, headers=viewer), 403)
    assert "lacks scope 'review'" in refused["detail"]
    approved = api.client.post(url, json={}, headers=reviewer)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active" and approved.json()["approved_by"] == "rita"
    assert approved.json()["note"] == (  # the form's fields wait for the form to be a contact
        "hubspot.lead_forms feeds no canonical contact row until a field of it is mapped to "
        "contact.contact_id"
    )
    form = FieldRef(TenantId("acme"), "hubspot", "lead_forms", "id")
    flow.propose(form, "contact.contact_id", 1.0, "manual", "rita", activate=True)
    phone = flow.propose(FieldRef(TenantId("acme"), "hubspot", "lead_forms", "phone"),
                         "contact.phone", 0.7, "rag", "system:dcl")  # fmt: skip
    fed = api.client.post(f"{ACME}/review/{phone}/approve", json={}, headers=reviewer).json()
    assert fed["status"] == "active" and fed["note"] is None
    again = problem_of(api.client.post(url, json={}, headers=reviewer), 409)
    assert "only proposed or needs_review" in again["detail"]

    with api.client.app.state.services.engine.connect() as db:
        (actor, credential) = db.execute(
            sa.text("""SELECT actor, credential FROM audit_log WHERE action = 'mapping.approve'
                       AND object_key LIKE 'hubspot.lead_forms.acme_mail@%'""")
        ).one()
    assert actor == "rita" and credential.startswith("token:")


def test_reject_records_the_reason_and_baseline_decisions_need_admin(world):
    api, seeded, reviewer, _ = world
    baseline = f"{ACME}/review/{seeded.baseline_proposal}"
    assert api.client.get(baseline, headers=reviewer).json()["scope"] == "global"
    refused = problem_of(api.client.post(f"{baseline}/reject", json={}, headers=reviewer), 403)
    assert "global baseline" in refused["detail"] and "scope 'admin'" in refused["detail"]
    acme_admin = api.bearer(api.issue("alice", "acme", ("read", "review", "admin")))
    own_admin = problem_of(api.client.post(f"{baseline}/reject", json={}, headers=acme_admin), 403)
    assert "global baseline" in own_admin["detail"]  # acme's administrator; others inherit it
    by_admin = api.client.post(f"{baseline}/reject", json={}, headers=api.headers("admin"))
    assert by_admin.status_code == 200 and by_admin.json()["status"] == "rejected"

    url = f"{ACME}/review/{seeded.proposals['acme']}/reject"
    long_reason = problem_of(
        api.client.post(url, json={"reason": "x" * 501}, headers=reviewer), 422
    )
    assert long_reason["detail"].startswith("body.reason:")
    rejected = api.client.post(url, json={"reason": "not an e-mail"}, headers=reviewer).json()
    assert rejected["status"] == "rejected" and rejected["reason"] == "not an e-mail"


def test_a_tables_proposals_are_approved_together_key_first(world):
    api, seeded, reviewer, viewer = world
    flow = api.client.app.state.services.workflow
    acme = TenantId("acme")
    for field, target, confidence in [("email", "contact.email", 0.9),
                                      ("id", "contact.contact_id", 0.84),
                                      ("mail2", "contact.email", 0.7)]:  # fmt: skip
        flow.propose(FieldRef(acme, "hubspot", "visitors", field), target, confidence, "rag", "dcl")
    listed = api.client.get(f"{ACME}/review/tables", headers=viewer).json()
    visitors = next(t for t in listed if t["table"] == "visitors")
    assert (visitors["connector"], visitors["pending"]) == ("hubspot", 3)
    assert visitors["key"]["source_field"] == "id"
    url = f"{ACME}/review/tables/hubspot/visitors/approve"
    problem_of(api.client.post(url, json={}, headers=viewer), 403)
    plan = api.client.post(url, json={"dry_run": True}, headers=reviewer).json()
    assert [r["source_field"] for r in plan["approved"]] == ["id", "email"]
    assert plan["approved"][0]["status"] == "proposed"  # nothing decided
    ((left,),) = [[(r["mapping"]["source_field"], r["why"]) for r in plan["left"]]]
    assert left == ("mail2", "contact.email is already fed by email of this table")

    done = api.client.post(url, json={}, headers=reviewer).json()
    assert plan["entity"] == done["entity"] == "contact" and done["note"] is None
    assert [(r["source_field"], r["status"], r["approved_by"]) for r in done["approved"]] == [
        ("id", "active", "rita"),
        ("email", "active", "rita"),
    ]
    assert flow.registry.lookup(acme, "hubspot", "visitors", "mail2") is None  # left
    again = api.client.post(url, json={}, headers=reviewer).json()
    assert again["approved"] == [] and len(again["left"]) == 1  # stays for a person
    nothing = f"{ACME}/review/tables/hubspot/nothing/approve"
    gone = problem_of(api.client.post(nothing, json={}, headers=reviewer), 404)
    assert gone["detail"] == "hubspot.nothing: no proposals wait for review for tenant acme"
    wrong = problem_of(api.client.post(url, json={"min_confidence": 2}, headers=reviewer), 422)
    assert wrong["detail"].startswith("body.min_confidence:")


def test_a_table_approval_the_database_interrupts_is_a_503_naming_what_was_kept(world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from autonomos_pipelines.dcl import review

    api, seeded, reviewer, viewer = world
    flow = api.client.app.state.services.workflow
    for field, target in [("id", "contact.contact_id"), ("email", "contact.email")]:
        flow.propose(FieldRef(TenantId("acme"), "hubspot", "visitors", field), target, 0.9, "rag",
                     "dcl")  # fmt: skip
    real = review.approve

    def dropped_after_the_key(workflow, mapping_id, *args, **kwargs):  # PostgreSQL gone
        if workflow.get(mapping_id)["source_field"] == "email":
            raise OperationalError("UPDATE", {}, Exception("server closed the connection"))
        return real(workflow, mapping_id, *args, **kwargs)

    monkeypatch.setattr(review, "approve", dropped_after_the_key)
    url = f"{ACME}/review/tables/hubspot/visitors/approve"
    said = problem_of(api.client.post(url, json={}, headers=reviewer), 503)["detail"]
    key = flow.registry.lookup(TenantId("acme"), "hubspot", "visitors", "id")
    assert key is not None and f"approved before it, and kept: {key.id} (" in said
    assert said.startswith("hubspot.visitors: stopped at ") and "(email)" in said


def test_a_proposal_waits_for_review_and_bad_ones_are_named(world):
    api, _, reviewer, viewer = world
    url = f"{ACME}/mappings/proposals"
    body = {"connector": "stripe", "table": "customers", "field": "mail", "target": "contact.email"}
    problem_of(api.client.post(url, json=body, headers=viewer), 403)
    created = api.client.post(url, json=body, headers=reviewer)
    assert created.status_code == 201, created.text
    row = created.json()
    assert (row["status"], row["method"], row["tenant_id"]) == ("proposed", "manual", "acme")
    queue = api.client.get(f"{ACME}/review", headers=reviewer).json()
    assert row["id"] in [r["id"] for r in queue["pending"]]

    wrong_target = {**body, "target": "contact.mail"}
    detail = problem_of(api.client.post(url, json=wrong_target, headers=reviewer), 422)["detail"]
    assert detail.startswith("target: 'contact.mail' is not a field")
    wrong_connector = {**body, "connector": "zendesk"}
    detail = problem_of(api.client.post(url, json=wrong_connector, headers=reviewer), 422)["detail"]
    assert detail.startswith("connector: 'zendesk' is not enabled")
    missing = {k: v for k, v in body.items() if k != "field"}
    detail = problem_of(api.client.post(url, json=missing, headers=reviewer), 422)["detail"]
    assert detail.startswith("body.field:")


def test_active_mappings_page_through_own_and_inherited(world):
    api, seeded, reviewer, viewer = world
    found = api.client.app.state.services
    api.client.post(f"{ACME}/review/{seeded.proposals['acme']}/approve", json={}, headers=reviewer)
    expected = found.registry.active_mappings(TenantId("acme"))
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 40, **({"cursor": cursor} if cursor else {})}
        page = api.client.get(f"{ACME}/mappings", params=params, headers=viewer).json()
        seen += page["mappings"]
        pages, cursor = pages + 1, page["next_cursor"]
        if cursor is None:
            break
    assert pages == -(-len(expected) // 40) and len(expected) > 40
    assert sorted(m["id"] for m in seen) == sorted(m.id for m in expected)
    scopes = {m["source_field"]: m["scope"] for m in seen}
    assert scopes["acme_mail"] == "tenant" and "globex_mail" not in scopes
    assert {m["scope"] for m in seen} == {"tenant", "global"}
    bad = problem_of(api.client.get(f"{ACME}/mappings?cursor=xyz", headers=viewer), 422)
    assert bad["detail"].startswith("cursor:")


def test_history_and_rollback(world):
    api, _, reviewer, viewer = world
    flow = api.client.app.state.services.workflow
    ref = FieldRef(TenantId("acme"), "stripe", "charges", "amount_paid")
    flow.edit(ref, "payment.amount", "minor_units", "rita")
    flow.edit(ref, None, "none", "rita")
    params = {"connector": "stripe", "table": "charges", "field": "amount_paid"}
    versions = api.client.get(f"{ACME}/mappings/history", params=params, headers=viewer).json()
    assert [(v["version"], v["target"]) for v in versions] == [(1, "payment.amount"), (2, None)]

    body = {**params, "version": 1}
    problem_of(api.client.post(f"{ACME}/mappings/rollback", json=body, headers=viewer), 403)
    restored = api.client.post(f"{ACME}/mappings/rollback", json=body, headers=reviewer)
    assert restored.status_code == 201, restored.text
    row = restored.json()
    assert (row["version"], row["target"], row["is_active"]) == (3, "payment.amount", True)
    assert row["transform"] == "minor_units"
    zero = problem_of(
        api.client.post(
            f"{ACME}/mappings/rollback", json={**params, "version": 0}, headers=reviewer
        ),
        422,
    )  # noqa: E501
    assert zero["detail"].startswith("body.version:")
    missing = problem_of(api.client.get(f"{ACME}/mappings/history", headers=viewer), 422)
    assert missing["detail"].startswith("query.connector:")


def test_drift_events_list_filter_page_and_show(world):
    api, seeded, _, viewer = world
    found = api.client.app.state.services
    from autonomos_pipelines.aam.drift.store import SchemaStore
    from tests.api_seed import deals

    (second,) = SchemaStore(found.engine).record(
        TenantId("acme"), "hubspot", {"deals": deals("id", "stage")}, "observer"
    )
    listed = api.client.get(f"{ACME}/drift/events", headers=viewer).json()
    assert [e["id"] for e in listed["events"]] == [seeded.events["acme"], second.id]
    assert listed["next_after"] is None
    first_page = api.client.get(f"{ACME}/drift/events?limit=1", headers=viewer).json()
    assert [e["id"] for e in first_page["events"]] == [seeded.events["acme"]]
    rest = api.client.get(
        f"{ACME}/drift/events?limit=1&after={first_page['next_after']}", headers=viewer
    ).json()
    assert [e["id"] for e in rest["events"]] == [second.id] and rest["next_after"] is None
    none = api.client.get(f"{ACME}/drift/events?status=repaired", headers=viewer).json()
    assert none["events"] == []
    other = api.client.get(f"{ACME}/drift/events?connector=stripe", headers=viewer).json()
    assert other["events"] == []
    bad = problem_of(api.client.get(f"{ACME}/drift/events?status=gone", headers=viewer), 422)
    assert bad["detail"].startswith("query.status:")

    shown = api.client.get(f"{ACME}/drift/events/{seeded.events['acme']}", headers=viewer).json()
    assert shown["changes"][0]["kind"] == "removed" and shown["changes"][0]["column"] == "amount"
    assert shown["old_fingerprint"] != shown["new_fingerprint"] and shown["repairs"] == []


def test_connectors_with_health(world):
    api, _, _, viewer = world
    connectors = {c["name"]: c for c in api.client.get(f"{ACME}/connectors", headers=viewer).json()}
    hubspot, stripe = connectors["hubspot"], connectors["stripe"]
    assert (hubspot["status"], hubspot["breaker"]) == ("healthy", "closed")
    assert hubspot["last_success_at"] is not None and hubspot["last_failure_at"] is None
    assert (stripe["status"], stripe["breaker"], stripe["consecutive_failures"]) == (
        "degraded",
        "open",
        3,
    )
    assert stripe["last_failure_at"] is not None and "last_error" not in stripe
    disabled = [c for c in connectors.values() if not c["enabled"]]
    assert disabled and all(c["status"] == "disabled" for c in disabled)


def test_status_is_the_cli_json_without_the_dagster_panel(world):
    from typer.testing import CliRunner

    from autonomos_pipelines.cli.main import app

    api, _, _, viewer = world
    found = api.client.get(f"{ACME}/status", headers=viewer).json()
    panels = {panel["name"]: panel for panel in found["panels"]}
    (stripe,) = panels["connectors"]["problems"]
    assert stripe["level"] == "fail" and stripe["text"].startswith("stripe: degraded since")
    assert panels["failures"]["verdict"] == "skipped"  # the API never opens Dagster
    assert found["verdict"] == "fail" and not panels["failures"]["problems"]
    assert panels["failures"]["lines"][0]["command"] == "autonomos status --tenant acme"
    cli = json.loads(CliRunner().invoke(app, ["status", "--tenant", "acme", "--json"]).output)
    for panel in cli["panels"][:-1]:
        same = panels[panel["name"]]
        figures = {k: v for k, v in panel["figures"].items() if not k.endswith("_age_s")}
        assert same["verdict"] == panel["verdict"]
        assert figures.items() <= same["figures"].items()  # ages move on between the calls
        assert [line["command"] for line in same["lines"]] == [
            line["command"] for line in panel["lines"]
        ]
    other = api.client.get("/v1/tenants/globex/status", headers=viewer)
    assert other.status_code in (403, 404)


def test_usage_and_quotas(world):
    api, _, _, viewer = world
    usage = api.client.get(f"{ACME}/usage?days=7", headers=viewer).json()
    assert usage["days"] == 7
    assert usage["totals"]["records_fetched"] == 100 and usage["totals"]["api_calls"] == 7
    assert usage["totals"]["llm_calls"] == 0
    globex = api.client.get("/v1/tenants/globex/usage", headers=api.headers("admin")).json()
    assert globex["totals"]["records_fetched"] == 200
    bad = problem_of(api.client.get(f"{ACME}/usage?days=0", headers=viewer), 422)
    assert bad["detail"].startswith("query.days:")
    quotas = {q["name"]: q for q in api.client.get(f"{ACME}/quotas", headers=viewer).json()}
    assert quotas["max_active_connectors"]["used"] == 2
    assert quotas["max_active_connectors"]["source"] == "default"
    assert quotas["llm_calls_per_month"]["used"] == 0
    assert quotas["api_calls_per_minute"]["used"] is None


FIELDS = [
    {"source_system": "hubspot", "source_entity": "contacts", "field": "email", "note_id": 1},
    {"source_system": "acme_crm", "source_entity": "clients", "field": "cust_revenue_usd"},
]


def test_map_gives_the_rows_autonomos_map_writes_and_writes_nothing(world, tmp_path):
    from tests.test_cli import run

    api, _, reviewer, viewer = world
    engine = api.client.app.state.services.engine
    count = sa.text("SELECT count(*), max(id) FROM field_mappings")
    with engine.connect() as db:
        before = db.execute(count).one()
    problem_of(api.client.post(f"{ACME}/map", json={"fields": FIELDS}, headers=viewer), 403)
    response = api.client.post(
        f"{ACME}/map", json={"fields": FIELDS, "top_k": 3, "no_llm": True}, headers=reviewer
    )
    assert response.status_code == 200, response.text
    mapped = response.json()["fields"]
    with engine.connect() as db:
        assert db.execute(count).one() == before

    source, out = tmp_path / "fields.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(f) + "\n" for f in FIELDS))
    cli = ["map", "--input", str(source), "--output", str(out), "--top-k", "3", "--no-llm"]
    result = run([*cli, "--tenant", "acme"])
    assert result.returncode == 0, result.stderr
    assert mapped == [json.loads(line) for line in out.read_text().splitlines()]
    assert mapped[0]["note_id"] == 1 and mapped[0]["mapping"] == "contact.email"
    assert len(mapped[1]["candidates"]) == 3

    no_system = [{"source_entity": "contacts", "field": "email"}]
    bad = api.client.post(f"{ACME}/map", json={"fields": no_system}, headers=reviewer)
    assert problem_of(bad, 422)["detail"].startswith("body.fields.0.source_system:")
    too_many = api.client.post(
        f"{ACME}/map", json={"fields": FIELDS, "top_k": 101}, headers=reviewer
    )
    assert problem_of(too_many, 422)["detail"].startswith("body.top_k:")
    long_name = [{**FIELDS[0], "field": "x" * 2000}]
    refused = api.client.post(f"{ACME}/map", json={"fields": long_name}, headers=reviewer)
    assert "fields[0]" in problem_of(refused, 422)["detail"]
    # what no JSON answer could carry is refused before mapping, naming where it is
    unpaired = json.dumps({"fields": [{**FIELDS[0], "field": "x\ud83d"}]})
    headers = {**reviewer, "Content-Type": "application/json"}
    refused = api.client.post(f"{ACME}/map", content=unpaired, headers=headers)
    assert "'fields[0].field' holds \\ud83d" in problem_of(refused, 422)["detail"]
    infinite = json.dumps({"fields": [{**FIELDS[0], "samples": [1e999]}]})
    refused = api.client.post(f"{ACME}/map", content=infinite, headers=headers)
    assert "'fields[0].samples[0]' is inf" in problem_of(refused, 422)["detail"]
    twice = {"fields": [FIELDS[0], FIELDS[0]]}
    refused = api.client.post(f"{ACME}/map", json=twice, headers=reviewer)
    assert "is given at fields[0] too" in problem_of(refused, 422)["detail"]
