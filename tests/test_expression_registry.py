"""Computed mappings in the registry and the CLI: validated before they are stored, proposed,
reviewed, versioned, audited, rolled back, exported and imported like any mapping."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from autonomos_pipelines.cli.common import os_account
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.mapping_file import export_document, import_document
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.store import ObservedField
from autonomos_pipelines.dcl.registry.workflow import Workflow
from tests.cli_runner import cli

pytestmark = pytest.mark.postgres
REF = FieldRef("acme", "pipedrive", "deals", "is_won")
WON = "status = 'won'"


@pytest.fixture
def flow(env) -> Workflow:
    registry = open_registry(env)
    registry.add_tenant("acme", {"pipedrive": {}}, "test")
    registry.record_source_fields(
        "acme",
        [
            ObservedField("pipedrive", "deals", "status", "VARCHAR", None),
            ObservedField("pipedrive", "deals", "value", "DOUBLE", None),
        ],
    )
    workflow = Workflow(registry)
    workflow.set_role(os_account(), "admin", os_account())  # the CLI acts as this account
    return workflow


def audited(flow: Workflow) -> list[dict]:
    with flow.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT action, new_value FROM audit_log WHERE object_key LIKE :k ORDER BY id"),
            {"k": "pipedrive.deals.is_won@%"},
        )
        # the tenant's own trail (the baseline's row is created by system:baseline)
        return [{"action": r[0], **(r[1] or {})} for r in rows if r[0] != "mapping.create"]


def test_propose_approve_history_rollback_with_an_expression(flow):
    actor = os_account()
    first = flow.propose(REF, "opportunity.is_won", 0.9, "manual", "system:dcl", expression=WON)
    assert flow.get(first)["expression"] == WON and flow.get(first)["status"] == "proposed"
    flow.approve(first, actor)
    active = flow.registry.lookup("acme", "pipedrive", "deals", "is_won")
    assert active is not None and active.expression == WON
    second = flow.edit(REF, "opportunity.is_won", "none", actor, "status in ('won', 'closed')")
    assert flow.get(second)["version"] == 2
    restored = flow.get(flow.rollback(REF, 1, actor))
    assert (restored["version"], restored["expression"]) == (3, WON)
    history = [
        (r["version"], r["status"], r["expression"])
        for r in flow.history(REF)
        if r["tenant_id"] == "acme"  # the baseline has its own is_won (version 1)
    ]
    assert history == [
        (1, "deprecated", WON),
        (2, "deprecated", "status in ('won', 'closed')"),
        (3, "active", WON),
    ]
    trail = audited(flow)
    assert trail[0] == {
        "action": "mapping.propose",
        "target": "opportunity.is_won",
        "confidence": 0.9,
        "method": "manual",
        "status": "proposed",
        "transform": "none",
        "expression": WON,
    }
    assert [t["expression"] for t in trail if t["action"] == "mapping.activate"][-1] == WON


@pytest.mark.parametrize(
    ("expression", "target", "message"),
    [
        ("value * 2 > 'x'", "opportunity.is_won", "got decimal and string"),
        ("status", "opportunity.is_won", "gives string but opportunity.is_won is boolean"),
        ("stage = 'won'", "opportunity.is_won", "unknown column 'stage' (known: status, value)"),
        ("status = ", "opportunity.is_won", "at position 9: expected a value"),
        (WON, None, "an expression needs a canonical target"),
    ],
)
def test_an_invalid_expression_never_reaches_the_registry(flow, expression, target, message):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        flow.edit(REF, target, "none", os_account(), expression)
    assert [r for r in flow.history(REF) if r["tenant_id"] == "acme"] == []


def test_export_and_import_carry_the_expression(flow):
    flow.edit(REF, "opportunity.is_won", "none", os_account(), WON)
    document = export_document(flow.registry, "acme")
    own = [row for row in document["mappings"] if row["field"] == "pipedrive.deals.is_won"]
    assert own[0]["expression"] == WON and own[0]["scope"] == "tenant"
    own[0]["expression"] = "status = 'lost'"
    done = import_document(flow, "acme", own, os_account())
    assert (done.changed, done.unchanged) == (1, 0)
    assert flow.registry.lookup("acme", "pipedrive", "deals", "is_won").expression == (
        "status = 'lost'"
    )
    assert import_document(flow, "acme", own, os_account()).unchanged == 1


def test_cli_set_history_review_and_check_expression(flow):
    said = cli("mappings", "set", "pipedrive.deals.is_won", "opportunity.is_won",
               "--tenant", "acme", "--expression", WON)  # fmt: skip
    assert re.search(r"now +\d+  acme  pipedrive\.deals\.is_won -> opportunity\.is_won = "
                     r"status = 'won'  \[active, manual", said)  # fmt: skip
    refused = cli("mappings", "set", "pipedrive.deals.is_won", "opportunity.is_won",
                  "--tenant", "acme", "--expression", "value || 'x'", code=2)  # fmt: skip
    assert "|| joins text, but 'value' is decimal; use to_text(value)" in refused
    history = cli("mappings", "history", "pipedrive.deals.is_won", "--tenant", "acme")
    assert "v1 " in history and "= status = 'won'" in history and "v2" not in history

    flow.propose(REF, "opportunity.is_won", 0.8, "rag", "system:dcl", expression="value > 1000")
    listed = cli("review", "list", "--tenant", "acme")
    assert "pipedrive.deals.is_won -> opportunity.is_won = value > 1000  [proposed" in listed
    pending = flow.pending("acme")[0]["id"]
    assert "= value > 1000" in cli("review", "show", str(pending))
    assert "approved" in cli("review", "approve", str(pending))

    checked = cli("mappings", "check-expression", "to_decimal(price) * 2",
                  "--target", "subscription.mrr")  # fmt: skip
    assert "type: decimal" in checked and "table: unknown" in checked
    duck = 'duckdb: try(CAST((TRY_CAST((CASE WHEN regexp_full_match(trim(CAST(src."price" AS'
    postgres = """postgres: ((CASE WHEN (trim((src."price")::text) ~"""
    assert duck in checked and postgres in checked
    observed = cli("mappings", "check-expression", "value / 0", "--field",
                   "pipedrive.deals.is_won", "--tenant", "acme")  # fmt: skip
    assert "type: decimal" in observed and "table: 2 observed" in observed
    wrong = cli("mappings", "check-expression", "price * 2", code=2)
    assert "'price' is string; use to_decimal(price) for arithmetic" in wrong
    assert json.loads(json.dumps(checked))  # plain text, nothing else printed


def test_an_aggregate_of_a_nested_list_is_checked_against_the_observed_list(flow):
    flow.registry.record_source_fields(
        "acme",
        [
            # dlt's _dlt_id is never recorded as a source field: the lists say it is there
            ObservedField("pipedrive", "deals__products", "item_price", "DOUBLE", None),
            ObservedField("pipedrive", "deals__products", "quantity", "BIGINT", None),
            ObservedField("pipedrive", "deals__products", "_dlt_parent_id", "VARCHAR", None),
        ],
    )
    amount = FieldRef("acme", "pipedrive", "deals", "amount")
    total = "sum(products.item_price * products.quantity)"
    flow.edit(amount, "opportunity.amount", "none", os_account(), total)
    assert flow.registry.lookup("acme", "pipedrive", "deals", "amount").expression == total
    with pytest.raises(ExpressionError, match=re.escape("unknown column 'products.sku' (known: "
                                                        "item_price, quantity)")):  # fmt: skip
        flow.edit(amount, "opportunity.amount", "none", os_account(), "sum(products.sku)")
    checked = cli("mappings", "check-expression", total, "--field", "pipedrive.deals.amount",
                  "--tenant", "acme", "--target", "opportunity.amount")  # fmt: skip
    assert "type: decimal" in checked
    assert 'FROM "deals__products" AS nst GROUP BY nst."_dlt_parent_id") AS agg1' in checked
