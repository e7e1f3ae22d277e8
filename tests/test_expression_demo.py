"""End to end on the sandbox: the baseline's computed mappings fill subscription.mrr (Stripe:
price x quantity / months of the billing interval) and opportunity.is_won (Pipedrive: status
= 'won', which no column carries directly)."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest
from dagster import instance_for_test

from autonomos_pipelines.dcl.model.currencies import CONVENTIONS
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
CONNECTORS = ["stripe", "pipedrive"]


def rows(env, sql: str) -> list[tuple]:
    with duckdb.connect(str(env.warehouse_dir / "acme.duckdb"), read_only=True) as db:
        return db.sql(sql).fetchall()


def expected_mrr(subscription: dict) -> Decimal:
    plan = subscription["plan"]
    months = {"year": 12, "month": 1}[plan["interval"]] * plan["interval_count"]
    places = CONVENTIONS["minor_units_stripe"].get(plan["currency"].upper(), 2)
    value = Decimal(plan["amount"]) / 10**places * subscription["quantity"] / months
    return value.quantize(Decimal("0.01"))


def test_computed_mappings_fill_mrr_and_is_won(env, sandbox):
    registry = open_registry(env)
    with instance_for_test() as instance:
        onboard_tenant("acme", CONNECTORS, {}, registry, instance, "test")
        summary = run_tenant(sandbox_definitions(), "acme", CONNECTORS, instance, env)
        assert summary.success, summary.failures

    mrr = dict(rows(env, "SELECT subscription_id, mrr FROM canonical.subscription"))
    served = sandbox.apis["stripe"].data["subscriptions"]
    assert len(mrr) == len(served) and all(value is not None for value in mrr.values())
    assert {s["id"]: expected_mrr(s) for s in served} == {k: Decimal(v) for k, v in mrr.items()}

    won = rows(
        env,
        """SELECT is_won, count(*) FROM canonical.opportunity
                       WHERE _source_connector = 'pipedrive' GROUP BY 1 ORDER BY 1""",
    )
    deals = sandbox.apis["pipedrive"].data["deals"]
    wins = sum(d["status"] == "won" for d in deals)
    assert won == [(False, len(deals) - wins), (True, wins)]
    active = registry.lookup("acme", "pipedrive", "deals", "is_won")
    assert active is not None and active.expression == "status = 'won'"


def test_aggregates_of_nested_lists_fill_tags_and_domain(env, sandbox):
    """Zendesk's tickets.tags and organizations.domain_names are lists, loaded by dlt as
    nested tables; the baseline's list() and first() bring them onto each ticket and account."""
    registry = open_registry(env)
    with instance_for_test() as instance:
        onboard_tenant("acme", ["zendesk"], {}, registry, instance, "test")
        summary = run_tenant(sandbox_definitions(), "acme", ["zendesk"], instance, env)
        assert summary.success, summary.failures

    served = sandbox.apis["zendesk"].data
    tags = dict(rows(env, "SELECT ticket_id, CAST(tags AS VARCHAR) FROM canonical.ticket"))
    assert {str(t["id"]): t["tags"] for t in served["tickets"]} == {
        k: json.loads(v) for k, v in tags.items()
    }
    domains = dict(rows(env, "SELECT account_id, domain FROM canonical.account"))
    assert domains == {str(o["id"]): o["domain_names"][0] for o in served["organizations"]}
