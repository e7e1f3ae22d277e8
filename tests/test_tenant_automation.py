"""Declarative automation and freshness, on real runs: a tenant's raw tables refreshed by a run
that leaves downstream to automation get that tenant's mapping and canonical tables
requested; the CLI's load stage (whose own map-and-build run follows) does not. Then the
freshness check passes for the tables just built and fails once they are older than the
tenant's cadence allows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dagster import (
    AssetKey,
    AssetSelection,
    build_sensor_context,
    evaluate_automation_conditions,
    instance_for_test,
)

from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY
from autonomos_pipelines.asset_graph.run_tags import (
    DOWNSTREAM_OWN_RUN,
    DOWNSTREAM_TAG,
    REFRESH_TICK_TAG,
)
from autonomos_pipelines.core.cadence import Cadences
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import tenant_selection
from autonomos_pipelines.sandbox.definitions import sandbox_definitions, sandbox_resources
from mapping_assets.automation import clock
from mapping_assets.automation.freshness_sensor import canonical_freshness

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
STRIPE_TABLES = {"account", "invoice", "payment", "subscription"}  # what stripe feeds


def requested(result) -> dict[str, set]:  # type: ignore[no-untyped-def]
    keys = [FIELD_MAPPINGS_KEY] + [
        k for k in result_keys(result) if k.path[0] in ("canonical", "unified")
    ]
    return {k.to_user_string(): p for k in keys if (p := result.get_requested_partitions(k))}


def result_keys(result) -> list[AssetKey]:  # type: ignore[no-untyped-def]
    return [r.key for r in result.results if isinstance(r.key, AssetKey)]


def freshness_tick(instance, monkeypatch, at: datetime, cursor: str | None):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "utc_now", lambda: at)
    resources = sandbox_resources()
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={name: resources[name] for name in ("registry", "tenancy")},
    ) as context:
        return canonical_freshness(context)


def test_downstream_follows_a_refresh_only_and_freshness_judges_each_tenant(env, monkeypatch):
    defs = sandbox_definitions()
    registry = open_registry(env)
    job = defs.resolve_implicit_global_asset_job_def()
    raw, downstream = tenant_selection(defs, ["stripe"])
    with instance_for_test() as instance:
        for tenant in ("acme", "beta"):
            onboard_tenant(TenantId(tenant), ["stripe"], {}, registry, instance, "test")

        def run(selection, **tags):  # type: ignore[no-untyped-def]
            result = job.execute_in_process(
                instance=instance,
                partition_key="acme",
                asset_selection=selection,
                tags={"tenant": "acme", **tags},
                raise_on_error=False,
            )
            failures = [
                e.step_failure_data.error.to_string()[-1500:]
                for e in result.all_events
                if e.is_step_failure
            ]
            assert result.success, failures
            return result

        tick = evaluate_automation_conditions(defs, instance)  # the sensor's first tick

        # the CLI's load stage: its own map-and-build run follows, automation must not
        run(raw, **{DOWNSTREAM_TAG: DOWNSTREAM_OWN_RUN})
        tick = evaluate_automation_conditions(defs, instance, cursor=tick.cursor)
        assert requested(tick) == {}

        # a refresh: raw only, no tag -> acme's mapping and every canonical table, not beta's
        run(raw, **{REFRESH_TICK_TAG: "2026-01-01T10:00:00+00:00"})
        # ... but a canonical table never on its raw tables alone: only with the mapping it
        # reads (else a long load would have it built on old mappings, then again)
        alone = AssetSelection.assets(*downstream) - AssetSelection.assets(FIELD_MAPPINGS_KEY)
        probe = evaluate_automation_conditions(defs, instance, alone, cursor=tick.cursor)
        assert requested(probe) == {}
        tick = evaluate_automation_conditions(defs, instance, cursor=tick.cursor)
        expected = {key.to_user_string() for key in downstream}
        assert requested(tick) == {name: {"acme"} for name in expected}

        # the tables stripe feeds built (as automation's run would): each reports itself fresh
        built = run(
            [k for k in downstream if k.path[0] == "canonical" and k.path[-1] in STRIPE_TABLES]
        )
        fresh_at_build = {
            (e.asset_key.path[1], e.partition)
            for e in built.get_asset_check_evaluations()
            if e.check_name == "freshness" and e.passed
        }
        assert {(table, "acme") for table in STRIPE_TABLES} <= fresh_at_build

        # freshness between runs: acme refreshes hourly, beta has no cadence
        cadence = Cadences(registry.engine).set(TenantId("acme"), "0 * * * *", "UTC", "test")
        now = datetime.now(UTC)
        first = freshness_tick(instance, monkeypatch, now + timedelta(minutes=5), None)
        assert {(e.partition, e.asset_key.path[1], e.passed) for e in first.asset_events} == {
            (tenant, table, True) for tenant in ("acme", "beta") for table in STRIPE_TABLES
        }
        beta = next(e for e in first.asset_events if e.partition == "beta")
        assert beta.metadata["cadence"].value == "none"

        late = now + cadence.allowed_age(now) + timedelta(minutes=20)
        stale = freshness_tick(instance, monkeypatch, late, first.cursor)
        assert {(e.partition, e.asset_key.path[1], e.passed) for e in stale.asset_events} == {
            ("acme", table, False) for table in STRIPE_TABLES
        }  # beta unchanged: not reported again
        invoice = next(e for e in stale.asset_events if e.asset_key.path[1] == "invoice")
        assert invoice.metadata["tenant"].value == "acme"
        assert 15 <= invoice.metadata["overdue_by_minutes"].value <= 25
        assert stale.skip_reason.skip_message.startswith(
            "8 tables checked, 4 stale: acme/account, acme/invoice, acme/payment, "
            "acme/subscription; 4 result(s) reported"
        )
        repeat = freshness_tick(instance, monkeypatch, late + timedelta(minutes=1), stale.cursor)
        assert repeat.asset_events == []  # a stale table fails once, not every minute
