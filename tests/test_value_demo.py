"""End to end on the sandbox: what its APIs really send for enumerations (Zendesk's `hold`,
Intercom's `snoozed` and `not_priority`, HubSpot's `marketingqualifiedlead` and `PROSPECT`,
Stripe's `sepa_debit`) reaches the canonical tables as canonical values, through baseline
value maps and the mapping pass's own; what nothing maps is kept and counted."""

from __future__ import annotations

import duckdb
import pytest
from dagster import AssetKey, instance_for_test

from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.value_store import ValueStore
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
CONNECTORS = ["zendesk", "intercom", "hubspot", "stripe"]


def distinct(env, sql: str) -> set:
    with duckdb.connect(str(env.warehouse_dir / "acme.duckdb"), read_only=True) as db:
        return {row[0] for row in db.sql(sql).fetchall()}


def metadata(instance, key: list[str]) -> dict:
    event = instance.get_latest_materialization_event(AssetKey(key))
    assert event is not None and event.asset_materialization is not None
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def test_sandbox_enumerations_reach_canonical_tables_as_canonical_values(env, sandbox):
    registry = open_registry(env)
    with instance_for_test() as instance:
        onboard_tenant("acme", CONNECTORS, {}, registry, instance, "test")
        summary = run_tenant(sandbox_definitions(), "acme", CONNECTORS, instance, env)
        assert summary.success, summary.failures
        mapped = metadata(instance, ["dcl", "field_mappings"])
        tickets = metadata(instance, ["canonical", "ticket"])

    statuses = distinct(env, "SELECT status FROM canonical.ticket WHERE status IS NOT NULL")
    assert "on_hold" in statuses and not statuses & {"hold", "snoozed"}
    priorities = distinct(env, "SELECT priority FROM canonical.ticket")
    assert {"high", "normal"} <= priorities and not priorities & {"priority", "not_priority"}
    stages = distinct(env, "SELECT lifecycle_stage FROM canonical.contact")
    assert "marketing_qualified_lead" in stages and "marketingqualifiedlead" not in stages
    types = distinct(env, "SELECT account_type FROM canonical.account")
    assert "prospect" in types and "PROSPECT" not in types  # by rule, auto-approved
    methods = distinct(env, "SELECT payment_method FROM canonical.payment")
    assert "direct_debit" in methods and not methods & {"sepa_debit", "us_bank_account"}

    own = [m for m in ValueStore(registry).active("acme") if m.tenant_id == "acme"]
    assert {m.method for m in own} == {"rule"} and len(own) >= 5  # PROSPECT, CUSTOMER, ...
    assert mapped["values_mapped"] >= len(own) and mapped["values_total"] > mapped["values_mapped"]
    assert mapped["value_maps_auto_approved_this_run"] == len(own)
    assert {"values_canonical", "values_in_review", "values_unmapped"} <= set(mapped)
    assert tickets["unmapped_values"] == 0 and "unmapped_values_detail" in tickets
