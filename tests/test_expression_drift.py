"""Computed mappings under schema drift: a rename rewrites the expression, a removal or a type
change it no longer fits goes to a person, and a canonical table says when an expression no
longer compiles over its source (real PostgreSQL registry; DuckDB for the canonical SQL)."""

from __future__ import annotations

import pytest

from autonomos_pipelines.canonical.sql_builder import SourceTable, broken_expressions
from autonomos_pipelines.cli.common import os_account
from autonomos_pipelines.dcl.drift.events import DriftInput
from autonomos_pipelines.dcl.drift.repair import repair_drift
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.rename import rename_column
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.store import Mapping, ObservedField
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.warehouse.dialects import DuckDbDialect
from quality_checks.computed_mappings import computed_mappings_result


@pytest.mark.parametrize(
    ("text", "old", "new", "expected"),
    [
        ("status = 'won'", "status", "deal_status", "deal_status = 'won'"),
        # a literal or a function that spells the old name is not a column reference
        ("status = 'status'", "status", "state", "state = 'status'"),
        ("lower(lower) || status", "lower", "low", "lower(low) || status"),
        ("\"status\" in ('won')", "status", "st", "\"st\" in ('won')"),
        # a quoted name touching its neighbours stays quoted: never glued to them
        ("\"status\"in ('won')", "status", "deal_status", "\"deal_status\"in ('won')"),
        ('not"flag"', "flag", "ok", 'not"ok"'),
        # a name that is not a plain identifier is written quoted, a quote doubled
        ("status = 'won'", "status", "deal status", "\"deal status\" = 'won'"),
        ("status = 'won'", "status", 'a"b', '"a""b" = \'won\''),
        ("status = 'won'", "status", "and", "\"and\" = 'won'"),
        ('"odd ""name""" || x', 'odd "name"', 'pl"ain', '"pl""ain" || x'),
        # a prefix of another column, or a column not read, is untouched
        ("status_code || status", "status", "s", "status_code || s"),
        ("amount * 2", "status", "s", "amount * 2"),
        ("if(status = 'won', status, 'x')", "status", "s", "if(s = 'won', s, 'x')"),
    ],
)
def test_rename_column_rewrites_column_references_only(text, old, new, expected):
    assert rename_column(text, old, new) == expected


def test_rename_column_refuses_an_expression_that_does_not_parse():
    with pytest.raises(ExpressionError, match="position"):
        rename_column("status = ", "status", "s")


WON = "status = 'won'"
DUCKDB = DuckDbDialect()


@pytest.fixture
def flow(env) -> Workflow:
    registry = open_registry(env)
    registry.add_tenant("acme", {"pipedrive": {}}, "test")
    registry.record_source_fields(
        "acme",
        [
            ObservedField("pipedrive", "deals", "status", "VARCHAR", None),
            ObservedField("pipedrive", "deals", "value", "DOUBLE", None),
            ObservedField("pipedrive", "deals", "stage", "VARCHAR", None),
        ],
    )
    workflow = Workflow(registry)
    workflow.set_role(os_account(), "admin", os_account())  # sets expressions by hand below
    return workflow


def fields(**columns: str) -> list[SourceField]:
    return [SourceField("pipedrive", "deals", name, type_) for name, type_ in columns.items()]


def no_matcher():  # type: ignore[no-untyped-def]
    raise AssertionError("no plain mapping moves here: the matcher is not needed")


def repair(flow: Workflow, change: dict | list[dict], now: list[SourceField]):  # type: ignore[no-untyped-def]
    event = DriftInput(7, "pipedrive", "deals", change if isinstance(change, list) else [change])
    (outcome,) = repair_drift(flow.registry, "acme", now, [event], no_matcher)
    return outcome


@pytest.mark.postgres
def test_a_rename_rewrites_the_baseline_expression_for_the_tenant(flow):
    baseline = flow.registry.lookup("acme", "pipedrive", "deals", "is_won")
    assert baseline is not None and baseline.tenant_id is None and baseline.expression == WON
    change = {
        "kind": "renamed_suspected",
        "column": "status",
        "renamed_to": "deal_status",
        "evidence": {"value_overlap": 1.0, "values_compared": True},
    }
    outcome = repair(flow, change, fields(deal_status="VARCHAR", value="DOUBLE"))
    assert outcome.status == "repaired", outcome
    (made,) = [r for r in outcome.repairs if r.field == "is_won"]
    assert (made.action, made.applied, made.target) == ("rewritten", True, "opportunity.is_won")
    mapping = flow.registry.lookup("acme", "pipedrive", "deals", "is_won")
    assert mapping is not None and mapping.tenant_id == "acme"
    assert mapping.expression == "deal_status = 'won'"
    other = flow.registry.lookup("globex", "pipedrive", "deals", "is_won")
    assert other is not None and other.expression == WON  # the baseline is untouched


@pytest.mark.postgres
def test_every_rename_of_an_event_lands_in_one_rewrite(flow):
    both = "status = 'won' or stage = 'closed_won'"
    ref = FieldRef("acme", "pipedrive", "deals", "is_won")
    flow.edit(ref, "opportunity.is_won", "none", os_account(), both)
    sure = {"value_overlap": 1.0, "values_compared": True}
    changes = [
        {"kind": "renamed_suspected", "column": "status", "renamed_to": "deal_status",
         "evidence": sure},
        {"kind": "renamed_suspected", "column": "stage", "renamed_to": "deal_stage",
         "evidence": sure},
        {"kind": "added", "column": "note"},
    ]  # fmt: skip
    now = fields(deal_status="VARCHAR", deal_stage="VARCHAR", value="DOUBLE", note="VARCHAR")
    outcome = repair(flow, changes, now)
    assert outcome.status == "repaired", outcome
    (made,) = outcome.repairs
    assert made.action == "rewritten" and made.expression == (
        "deal_status = 'won' or deal_stage = 'closed_won'"
    )
    mapping = flow.registry.lookup("acme", "pipedrive", "deals", "is_won")
    assert mapping is not None and mapping.expression == made.expression


@pytest.mark.postgres
def test_an_unsure_rename_proposes_the_rewrite_and_keeps_the_expression(flow):
    change = {
        "kind": "renamed_suspected",
        "column": "status",
        "renamed_to": "phase",
        "evidence": {"value_overlap": 0.0, "values_compared": True},
    }
    outcome = repair(flow, change, fields(phase="VARCHAR", value="DOUBLE"))
    assert outcome.status == "needs_review"
    pending = [p for p in flow.pending("acme") if p["source_field"] == "is_won"]
    assert [p["expression"] for p in pending] == ["phase = 'won'"]
    active = flow.registry.lookup("acme", "pipedrive", "deals", "is_won")
    assert active is not None and active.expression == WON


@pytest.mark.postgres
def test_a_removed_column_sends_its_expression_to_a_person(flow):
    outcome = repair(flow, {"kind": "removed", "column": "status"}, fields(value="DOUBLE"))
    assert outcome.status == "needs_review"
    (made,) = outcome.repairs
    assert made.action == "flagged" and "no longer sends" in made.detail
    (pending,) = [p for p in flow.pending("acme") if p["source_field"] == "is_won"]
    assert pending["canonical_field"] is None and "status" in pending["reason"]
    active = flow.registry.lookup("acme", "pipedrive", "deals", "is_won")
    assert active is not None and active.expression == WON  # kept until a person decides


@pytest.mark.postgres
def test_a_type_change_is_checked_against_the_expression(flow):
    # still text: `status = 'won'` holds, nothing to decide
    same = repair(flow, {"kind": "type_changed", "column": "status"}, fields(status="TEXT"))
    assert same.status == "repaired" and same.repairs == []
    # a number can no longer be compared with 'won'
    numeric = repair(flow, {"kind": "type_changed", "column": "status"}, fields(status="BIGINT"))
    assert numeric.status == "needs_review"
    (made,) = numeric.repairs
    assert made.action == "flagged" and "changed type" in made.detail


def test_a_canonical_table_names_expressions_that_no_longer_compile():
    model = canonical_model()["opportunity"]
    mappings = [
        Mapping(1, None, "crm", "deals", "id", "opportunity", "opportunity_id", "none", 1.0,
                "manual", "active", 1),
        Mapping(2, None, "crm", "deals", "is_won", "opportunity", "is_won", "none", 1.0,
                "manual", "active", 1, WON),
    ]  # fmt: skip
    fine = SourceTable("crm", "crm", "raw_crm", "deals", {"id": "VARCHAR", "status": "VARCHAR"},
                       "id", mappings)  # fmt: skip
    gone = SourceTable("crm", "crm", "raw_crm", "deals", {"id": "VARCHAR"}, "id", mappings)
    assert broken_expressions(model, [fine], DUCKDB) == []
    ((source, mapping, why),) = broken_expressions(model, [gone], DUCKDB)
    assert (source, mapping.source_field) == (gone, "is_won") and "unknown column 'status'" in why
    result = computed_mappings_result([(source, mapping, why)])
    assert not result.passed and result.metadata["broken_expressions"].value == 1
    assert "is_won <- crm.deals" in (result.description or "")
    assert computed_mappings_result([]).passed


@pytest.mark.parametrize(
    ("text", "old", "new", "nested", "expected"),
    [
        ("coalesce(value, first(email.value))", "value", "addr", "email",
         "coalesce(value, first(email.addr))"),
        ("coalesce(value, first(email.value))", "value", "v2", None,
         "coalesce(v2, first(email.value))"),
        ("first(EMAIL.value) || first(phone.value)", "value", "v", "email",
         "first(EMAIL.v) || first(phone.value)"),  # dlt's names in any case
    ],
)  # fmt: skip
def test_rename_column_of_a_nested_list_touches_that_lists_references_only(
    text, old, new, nested, expected
):
    assert rename_column(text, old, new, nested) == expected


@pytest.mark.postgres
def test_a_rename_in_a_nested_list_rewrites_the_parents_aggregate(flow):
    nested = [("item_price", "DOUBLE"), ("quantity", "BIGINT"), ("_dlt_parent_id", "VARCHAR")]
    flow.registry.record_source_fields(
        "acme", [ObservedField("pipedrive", "deals__products", n, t, None) for n, t in nested]
    )
    total = "sum(products.item_price * products.quantity)"
    flow.edit(FieldRef("acme", "pipedrive", "deals", "amount"), "opportunity.amount", "none",
              os_account(), total)  # fmt: skip
    change = {"kind": "renamed_suspected", "column": "item_price", "renamed_to": "unit_price",
              "evidence": {"value_overlap": 1.0, "values_compared": True}}  # fmt: skip
    now = [
        SourceField("pipedrive", "deals__products", name, type_)
        for name, type_ in [
            ("unit_price", "DOUBLE"),
            ("quantity", "BIGINT"),
            ("_dlt_parent_id", "VARCHAR"),
        ]
    ]
    event = DriftInput(8, "pipedrive", "deals__products", [change])
    (outcome,) = repair_drift(flow.registry, "acme", now, [event], no_matcher)
    assert outcome.status == "repaired", outcome
    (made,) = [r for r in outcome.repairs if r.field == "amount"]
    assert (made.action, made.applied) == ("rewritten", True)
    mapping = flow.registry.lookup("acme", "pipedrive", "deals", "amount")
    assert mapping is not None and mapping.expression == (
        "sum(products.unit_price * products.quantity)"
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("now", "status"),
    [("VARCHAR", "needs_review"), ("DECIMAL(18,4)", "repaired")],  # text breaks it; a number not
)
def test_a_type_change_in_a_nested_list_is_checked_against_the_parents_aggregate(flow, now, status):
    nested = [("item_price", "DOUBLE"), ("quantity", "BIGINT"), ("_dlt_parent_id", "VARCHAR")]
    flow.registry.record_source_fields(
        "acme", [ObservedField("pipedrive", "deals__products", n, t, None) for n, t in nested]
    )
    total = "sum(products.item_price * products.quantity)"
    amount = FieldRef("acme", "pipedrive", "deals", "amount")
    flow.edit(amount, "opportunity.amount", "none", os_account(), total)
    change = {"kind": "type_changed", "column": "item_price", "from": "double", "to": now}
    columns = [("item_price", now), ("quantity", "BIGINT"), ("_dlt_parent_id", "VARCHAR")]
    fields_now = [SourceField("pipedrive", "deals__products", n, t) for n, t in columns]
    event = DriftInput(9, "pipedrive", "deals__products", [change])
    (outcome,) = repair_drift(flow.registry, "acme", fields_now, [event], no_matcher)
    assert outcome.status == status, outcome
    waiting = [r for r in flow.pending("acme") if r["source_field"] == "amount"]
    if status == "needs_review":  # filed on the table whose aggregate reads the list
        (proposal,) = waiting
        assert proposal["source_table"] == "deals" and proposal["canonical_field"] is None
        assert (
            "item_price changed type; expression at position 24: * needs numeric, but "
            "'products.item_price' is string" in proposal["reason"]
        )
    else:
        assert waiting == []
    assert flow.registry.lookup("acme", "pipedrive", "deals", "amount").expression == total


@pytest.mark.postgres
def test_an_event_on_a_nested_list_waits_for_the_parents_proposal_and_settles_with_it(env):
    from autonomos_pipelines.aam.drift.fingerprint import TableSchema
    from autonomos_pipelines.aam.drift.store import SchemaStore
    from autonomos_pipelines.core.database import get_engine
    from autonomos_pipelines.dcl import review
    from autonomos_pipelines.dcl.drift.settle import settle_reviewed

    registry = open_registry(env)
    registry.add_tenant("acme", {"pipedrive": {}}, "t")
    flow = Workflow(registry)
    flow.set_role(os_account(), "admin", os_account())
    was = {"item_price": "double", "quantity": "bigint", "_dlt_parent_id": "text"}
    registry.record_source_fields(
        "acme", [ObservedField("pipedrive", "deals__products", n, t, None) for n, t in was.items()]
    )
    flow.edit(FieldRef("acme", "pipedrive", "deals", "amount"), "opportunity.amount", "none",
              os_account(), "sum(products.item_price * products.quantity)")  # fmt: skip
    store = SchemaStore(get_engine(env))

    def schema(columns: dict) -> dict:
        shape = {n: {"type": t, "nullable": True} for n, t in columns.items()}
        return {"deals__products": TableSchema("deals__products", shape)}

    store.record("acme", "pipedrive", schema(was), "observer")
    now = {"quantity": "bigint", "_dlt_parent_id": "text"}  # item_price is gone
    (event,) = store.record("acme", "pipedrive", schema(now), "observer")
    fields = [SourceField("pipedrive", "deals__products", n, t) for n, t in now.items()]
    drift = DriftInput(event.id, event.connector, event.source_table, event.changes)
    (outcome,) = repair_drift(registry, "acme", fields, [drift], no_matcher)
    store.close_event("acme", event.id, outcome.status, outcome.detail())
    assert outcome.status == "needs_review"
    (waiting,) = [r for r in flow.pending("acme") if r["source_field"] == "amount"]
    assert waiting["source_table"] == "deals"  # filed on the table whose expression reads it

    assert settle_reviewed(registry, "acme", store) == []  # the parent's proposal waits
    assert store.event(event.id).status == "needs_review"
    review.reject(flow, waiting["id"], os_account(), "keep it", None, drift=store)
    assert store.event(event.id).status == "repaired"
