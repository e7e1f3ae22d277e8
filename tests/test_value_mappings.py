"""Value mappings on real PostgreSQL and DuckDB: the generated CASE (hostile values quoted,
unknown values kept and counted), the registry workflow (validation, versions, rollback,
audit, roles), tenant isolation, and the mapping pass's proposals from observed values."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import sqlalchemy as sa

from autonomos_pipelines.canonical.sql_builder import SourceTable, entity_select
from autonomos_pipelines.canonical.unmapped_values import unmapped_counts
from autonomos_pipelines.core.database import admin_session, tenant_session
from autonomos_pipelines.core.errors import AutonomosError
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.refs import FieldRef, PermissionDenied, WorkflowError
from autonomos_pipelines.dcl.registry.source_values import ObservedValues, values_seen
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.dcl.registry.value_baseline import baseline_values
from autonomos_pipelines.dcl.registry.value_refs import ValueRef
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from autonomos_pipelines.dcl.registry.value_writes import ValueProposal
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.dcl.value_run import map_tenant_values
from autonomos_pipelines.warehouse.store import Warehouse
from tests.test_canonical_sql import warehouse_for

TICKET = canonical_model()["ticket"]
ODD = 'it\'s "odd"; DROP TABLE x; --'  # a source value that must stay a literal
ACME_MAP = {"hold": "on_hold", ODD: "pending", "P1": "urgent"}
# (status sent, priority sent) -> (status, priority, extras._unmapped_values) in canonical
ROWS = [
    (("hold", "P1"), ("on_hold", "urgent", None)),
    (("open", "normal"), ("open", "normal", None)),  # canonical already: untouched
    ((ODD, "low"), ("pending", "low", None)),
    (("snoozed", "P2"), ("snoozed", "P2", {"state": "snoozed", "prio": "P2"})),  # kept
    ((None, None), (None, None, None)),
]


def field_mapping(id_: int, field: str, target: str) -> Mapping:
    return Mapping(id_, None, "desk", "tickets", field, "ticket", target, "none", 1.0,
                   "manual", "active", 1)  # fmt: skip


MAPPINGS = [
    field_mapping(1, "id", "ticket_id"),
    field_mapping(2, "state", "status"),
    field_mapping(3, "prio", "priority"),
]


@pytest.fixture(params=["duckdb", "postgres"])
def store(request, tmp_path, pg_root) -> Warehouse:
    if request.param == "duckdb":
        return warehouse_for(tmp_path, None)
    from tests.conftest import create_database

    return warehouse_for(tmp_path, create_database(pg_root, "wh"))


def seed_tickets(store: Warehouse, tenant: str) -> SourceTable:
    schema = store.raw_schema(tenant, "desk")
    text = store.dialect.text_type
    mark = "?" if store.dialect.name == "duckdb" else "%s"
    with store.session(tenant) as session:
        session.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        session.execute(
            f'CREATE TABLE "{schema}".tickets (id {text}, state {text}, prio {text}, '
            f"_dlt_load_id {text}, _dlt_id {text})"
        )
        for number, ((state, prio), _) in enumerate(ROWS):
            session.execute(
                f'INSERT INTO "{schema}".tickets VALUES ({", ".join([mark] * 5)})',
                (f"t{number}", state, prio, "load1", f"d{number}"),
            )
        columns = session.columns(schema)["tickets"]
    return SourceTable("desk", "desk", schema, "tickets", columns, "id", MAPPINGS)


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else json.loads(value)


def test_value_maps_apply_and_unknown_values_are_kept_and_counted(store):
    source = seed_tickets(store, "acme")
    source = replace(
        source,
        value_maps={"state": ACME_MAP, "prio": {"P1": "urgent"}},
        value_versions={"state": 41, "prio": 57, "unused": 99},
    )
    sql, _ = entity_select(TICKET, [source], "acme", store.dialect)
    schema = store.canonical_schema("acme")
    with store.session("acme") as session:
        assert session.replace_table(schema, "ticket", sql) == len(ROWS)
        built = session.rows(
            f'SELECT status, priority, extras FROM "{schema}".ticket ORDER BY ticket_id'
        )
        lineage = session.rows(f'SELECT DISTINCT _value_mapping_version FROM "{schema}".ticket')
        counts = unmapped_counts(session, f'"{schema}".ticket')
    assert lineage == [(57,)]  # the newest value map the rows went through
    for (status, priority, extras), (_, expected) in zip(built, ROWS, strict=True):
        assert (status, priority) == expected[:2]
        assert as_dict(extras).get("_unmapped_values") == expected[2]
    assert counts == {("desk", "tickets", "state", "snoozed"): 1,
                      ("desk", "tickets", "prio", "P2"): 1}  # fmt: skip


def test_without_value_maps_an_enumeration_still_counts_its_unknown_values(store):
    source = seed_tickets(store, "acme")
    sql, _ = entity_select(TICKET, [source], "acme", store.dialect)
    schema = store.canonical_schema("acme")
    with store.session("acme") as session:
        session.replace_table(schema, "ticket", sql)
        statuses = [r[0] for r in session.rows(f'SELECT status FROM "{schema}".ticket')]
        counts = unmapped_counts(session, f'"{schema}".ticket')
    assert sorted(s for s in statuses if s) == sorted(["hold", "open", ODD, "snoozed"])
    assert counts[("desk", "tickets", "state", ODD)] == 1
    assert counts[("desk", "tickets", "prio", "P1")] == 1
    assert ("desk", "tickets", "state", "open") not in counts


# the registry --------------------------------------------------------------------------------
@pytest.fixture
def flow(env) -> ValueWorkflow:
    registry = open_registry(env)
    for tenant in ("acme", "beta"):
        registry.add_tenant(tenant, {"zendesk": {}, "intercom": {}}, "test")
    workflow = Workflow(registry)
    workflow.set_role("rita", "admin", "rita")
    workflow.set_role("victor", "viewer", "rita")
    return ValueWorkflow(workflow)


def ref(tenant: str | None, value: str, field: str = "status") -> ValueRef:
    return ValueRef(FieldRef(tenant, "zendesk", "tickets", field), value)


def active_map(flow: ValueWorkflow, tenant: str | None, field: str = "status") -> dict:
    maps = flow.store.applying(tenant).get(("zendesk", "tickets", field), {})
    return {value: m.canonical_value for value, m in maps.items()}


def test_the_baseline_ships_value_maps_for_fields_it_maps(flow):
    assert active_map(flow, "acme")["hold"] == "on_hold"
    assert len(flow.store.active(None)) == len(baseline_values())


REFUSALS = [
    (ref("acme", "hold"), "closed_for_good", r"not a value of ticket\.status; allowed: new, open"),
    (ValueRef(FieldRef("acme", "zendesk", "tickets", "subject"), "x"), "new",
     r"ticket\.subject has no value set"),
    (ValueRef(FieldRef("acme", "zendesk", "tickets", "no_such"), "x"), "new",
     r"no active field mapping for tenant acme"),
    (ref("acme", "x" * 201), "new", "an enumeration's values have at most 200"),
    (ref("acme", "a\x00b"), "new", "NUL"),
]  # fmt: skip


@pytest.mark.parametrize("value_ref, canonical, message", REFUSALS)
def test_set_refuses_what_cannot_be_a_value_mapping(flow, value_ref, canonical, message):
    with pytest.raises(AutonomosError, match=message):
        flow.set(value_ref, canonical, "rita")


def test_tenant_maps_override_the_baseline_and_never_reach_another_tenant(flow):
    flow.set(ref("acme", "hold"), "pending", "rita")
    flow.set(ref("acme", ODD), "closed", "rita")
    assert active_map(flow, "acme")["hold"] == "pending"
    assert active_map(flow, "acme")[ODD] == "closed"
    assert active_map(flow, "beta")["hold"] == "on_hold"  # the baseline, untouched
    assert ODD not in active_map(flow, "beta")
    with tenant_session(flow.engine, "beta") as db:
        seen = set(db.execute(sa.text("SELECT tenant_id FROM value_mappings")).scalars())
        changed = db.execute(sa.text("UPDATE value_mappings SET canonical_value = 'new'")).rowcount
    assert seen == {None} and changed == 0  # acme's rows are invisible, the baseline read-only


def test_versions_rollback_and_audit(flow):
    first = flow.set(ref("acme", "snoozed"), "pending", "rita")
    flow.set(ref("acme", "snoozed"), "on_hold", "rita")
    assert active_map(flow, "acme")["snoozed"] == "on_hold"
    back = flow.rollback(ref("acme", "snoozed"), 1, "rita")
    assert active_map(flow, "acme")["snoozed"] == "pending"
    history = flow.store.history(ref("acme", "snoozed"))
    assert [(r["version"], r["status"]) for r in history] == [
        (1, "deprecated"), (2, "deprecated"), (3, "active")]  # fmt: skip
    assert history[0]["id"] == first and history[-1]["id"] == back
    with pytest.raises(WorkflowError, match="has no version 9"):
        flow.rollback(ref("acme", "snoozed"), 9, "rita")
    with admin_session(flow.engine) as db:
        actions = db.execute(sa.text(
            "SELECT action FROM audit_log WHERE object_type = 'value_mapping' "
            "AND tenant_id = 'acme' ORDER BY id")).scalars().all()  # fmt: skip
    assert actions.count("value_mapping.activate") == 3
    assert actions.count("value_mapping.deprecate") == 2


def propose(flow: ValueWorkflow, tenant: str, value: str, canonical: str,
            field: str = "status") -> int:  # fmt: skip
    proposal = ValueProposal(ref(tenant, value, field), "ticket", field, canonical, 0.7, "rag")
    return flow.propose_many([proposal], "system:dcl")[0]


def test_approve_reject_need_a_reviewer_and_are_audited(flow):
    proposal = propose(flow, "acme", "snoozed", "on_hold")
    with pytest.raises(PermissionDenied, match="needs role reviewer or admin"):
        flow.approve(proposal, "victor")
    assert flow.approve(proposal, "rita")["status"] == "active"
    assert active_map(flow, "acme")["snoozed"] == "on_hold"
    with pytest.raises(WorkflowError, match="only proposed or needs_review"):
        flow.reject(proposal, "rita")
    other = propose(flow, "acme", "urgentish", "urgent", field="priority")
    assert flow.reject(other, "rita", "no")["status"] == "rejected"
    assert "urgentish" not in active_map(flow, "acme", "priority")
    with admin_session(flow.engine) as db:
        refused = db.execute(sa.text(
            "SELECT count(*) FROM audit_log WHERE action = 'value_mapping.approve.refused'"
        )).scalar_one()  # fmt: skip
    assert refused == 1


def test_a_value_map_stops_applying_when_its_field_is_remapped(flow):
    flow.set(ref("acme", "snoozed"), "on_hold", "rita")
    flow.workflow.edit(FieldRef("acme", "zendesk", "tickets", "status"), "ticket.ticket_type",
                       "none", "rita")  # fmt: skip
    assert active_map(flow, "acme") == {}
    with pytest.raises(AutonomosError, match="no value set|not a value"):
        flow.set(ref("acme", "snoozed"), "on_hold", "rita")


def test_a_field_computed_by_an_expression_takes_no_value_map(flow):
    """The canonical SQL reads the expression, not the column's values: a value map set on
    it was stored, listed as mapped and never applied (a helper's probe)."""
    flow.workflow.edit(FieldRef("acme", "zendesk", "tickets", "status"), "ticket.status",
                       "none", "rita", expression="lower(status)")  # fmt: skip
    with pytest.raises(AutonomosError, match=r"computed by an expression .*lower\(status\)"):
        flow.set(ref("acme", "snoozed"), "on_hold", "rita")


# the mapping pass ----------------------------------------------------------------------------
def observed(field: str, *counts: tuple[str, int]) -> ObservedValues:
    return ObservedValues("zendesk", "tickets", field, counts)


def test_the_pass_accounts_for_every_value_and_proposes_for_the_rest(flow):
    seen = [
        observed("status", ("open", 40), ("hold", 7), ("Solved", 5), ("resolved", 3),
                 ("xq-17", 1)),
        observed("priority", ("URGENT", 4), ("P1", 2)),
    ]  # fmt: skip
    run = map_tenant_values(flow.registry, "acme", seen)
    status = {o.value: (o.status, o.canonical_value) for o in run.outcomes}
    assert status["open"] == ("canonical", "open")
    assert status["hold"] == ("mapped", "on_hold")  # the baseline's
    assert status["Solved"] == ("mapped", "solved")  # by rule: auto-approved
    assert status["URGENT"] == ("mapped", "urgent")
    assert status["resolved"] == ("in_review", "solved")  # by meaning: a person decides
    assert status["xq-17"][0] == status["P1"][0] == "unmapped"  # kept as sent, counted
    assert run.auto_approved == 2 and run.proposed == 1
    assert values_seen(flow.engine, FieldRef("acme", "zendesk", "tickets", "status"))[0] == (
        "open", 40)  # fmt: skip
    assert values_seen(flow.engine, FieldRef("beta", "zendesk", "tickets", "status")) == []

    (pending,) = flow.store.pending("acme")
    flow.reject(pending["id"], "rita", "resolved is not solved here")
    again = map_tenant_values(flow.registry, "acme", seen)
    resolved = next(o for o in again.outcomes if o.value == "resolved")
    assert resolved.canonical_value != "solved"  # a rejected value is never proposed again
    assert again.auto_approved == 0  # what was approved is a registry hit now
    assert not flow.store.pending("beta") and "Solved" not in active_map(flow, "beta")
