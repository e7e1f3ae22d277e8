"""Circuit breaker and failure isolation through real Dagster runs: a connector with a broken
credential fails alone, the tenant's other connectors load and feed canonical tables; after
three failed runs it is degraded and skipped until a probe succeeds."""

from __future__ import annotations

import pytest
from dagster import instance_for_test

from autonomos_pipelines.aam.connections.secrets import secret_env_var
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions


def raw_status(instance, connector: str, table: str) -> str:
    from dagster import AssetKey

    event = instance.get_latest_materialization_event(AssetKey(["raw", connector, table]))
    return event.asset_materialization.metadata["connector_status"].value  # type: ignore[union-attr]


@pytest.mark.e2e
def test_broken_connector_fails_alone_then_degrades_and_recovers(env, monkeypatch):
    bad = secret_env_var("acme", "hubspot", "access_token")
    monkeypatch.setenv(bad, "pat-revoked-canary-0001")
    with instance_for_test() as instance:
        onboard_tenant("acme", ["stripe", "hubspot"], {}, open_registry(env), instance, "t")
        store = HealthStore(get_engine(env))
        for attempt in range(1, 4):
            summary = run_tenant(
                sandbox_definitions(), "acme", ["stripe", "hubspot"], instance, env
            )
            assert not summary.success
            assert [f.split(":")[0] for f in summary.failures] == ["raw_hubspot"]
            assert "401" in summary.failures[0] and "canary" not in summary.failures[0]
            assert summary.canonical_rows["invoice"] > 0  # stripe still fed its tables
            assert store.get("acme", "hubspot").consecutive_failures == attempt
        assert store.get("acme", "hubspot").degraded
        assert raw_status(instance, "stripe", "invoices") == "healthy"

        skipped = run_tenant(sandbox_definitions(), "acme", ["stripe", "hubspot"], instance, env)
        assert skipped.success  # skipped, not failed again
        assert raw_status(instance, "hubspot", "deals") == "degraded"

        monkeypatch.delenv(bad)  # credential fixed: the probe succeeds, the load resumes
        recovered = run_tenant(sandbox_definitions(), "acme", ["stripe", "hubspot"], instance, env)
        assert recovered.success, recovered.failures
        assert raw_status(instance, "hubspot", "deals") == "healthy"
        assert not store.get("acme", "hubspot").degraded
