"""Per-tenant quotas on real Postgres and Dagster: one tenant over its quota stops with an
error naming it; another tenant's run is unaffected."""

from __future__ import annotations

import pytest
from dagster import instance_for_test

from autonomos_pipelines.core.quotas import QuotaExceeded, Quotas
from autonomos_pipelines.dcl.llm.ledger import PgUsageLedger
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions
from tests.test_cli import run


@pytest.mark.e2e
def test_a_tenant_over_its_rows_quota_stops_and_the_other_runs(env, pristine):
    with instance_for_test() as instance:
        registry = open_registry(env)
        for tenant in ("acme", "beta"):
            onboard_tenant(tenant, ["pipedrive"], {}, registry, instance, "t")
        Quotas.for_settings(env).set("acme", "canonical_rows_per_hour", 50, "alice")

        acme = run_tenant(sandbox_definitions(), "acme", ["pipedrive"], instance, env)
        beta = run_tenant(sandbox_definitions(), "beta", ["pipedrive"], instance, env)

        assert beta.success and beta.canonical_rows["opportunity"] > 50
        assert not acme.success
        stopped = [f for f in acme.failures if "canonical_rows_per_hour" in f]
        assert (
            stopped and "limit 50" in stopped[0] and "autonomos tenants quota acme" in (stopped[0])
        )
        # the first build crossed the limit; every later one of the hour stops before building
        assert len(acme.canonical_rows) == 1


def test_enabling_more_connectors_than_the_quota_changes_nothing(env):
    registry = open_registry(env)
    registry.add_tenant("acme", {"stripe": {}}, actor="t")
    Quotas.for_settings(env).set("acme", "max_active_connectors", 2, "alice")
    registry.add_tenant("acme", {"hubspot": {}}, actor="t")  # 2 of 2: fine
    with pytest.raises(QuotaExceeded, match="max_active_connectors.*limit 2, used 3"):
        registry.add_tenant("acme", {"zendesk": {}, "slack": {}}, actor="t")
    assert set(registry.tenant_connectors("acme")) == {"stripe", "hubspot"}  # rolled back
    registry.add_tenant("beta", {"zendesk": {}, "slack": {}, "github": {}}, actor="t")


def test_llm_calls_are_refused_past_the_tenants_own_monthly_quota(env):
    registry = open_registry(env)
    for tenant in ("acme", "beta"):
        registry.add_tenant(tenant, {"stripe": {}}, actor="t")
    Quotas.for_settings(env).set("acme", "llm_calls_per_month", 2, "alice")
    ledger = PgUsageLedger(registry.engine)
    assert [ledger.reserve("acme") for _ in range(3)] == [True, True, False]
    assert all(ledger.reserve("beta") for _ in range(3))  # beta keeps the default


def test_quota_cli_shows_sets_and_refuses_unknown_quotas(env):
    assert run(["tenants", "add", "acme", "--connectors", "stripe"]).returncode == 0
    shown = run(["tenants", "quota", "acme"])
    assert "max_active_connectors" in shown.stdout and "(default)" in shown.stdout
    changed = run(["tenants", "quota", "acme", "canonical_rows_per_hour", "1000"])
    assert changed.returncode == 0
    (line,) = [x for x in changed.stdout.splitlines() if x.startswith("canonical_rows_per_hour")]
    assert line.split()[:3] == ["canonical_rows_per_hour", "1000", "(tenant)"]
    unknown = run(["tenants", "quota", "acme", "rows", "5"])
    assert unknown.returncode == 2 and "unknown quota 'rows'" in unknown.stderr
    stranger = run(["tenants", "quota", "nobody"])
    assert stranger.returncode == 2 and "unknown tenant 'nobody'" in stranger.stderr
