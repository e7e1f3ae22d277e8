"""Circuit breaker and failure isolation through real Dagster runs: a connector with a broken
credential fails alone, the tenant's other connectors load and feed canonical tables; after
three failed runs it is degraded and skipped until a probe succeeds."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from dagster import instance_for_test

from autonomos_pipelines.aam.connections.secrets import secret_env_var
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import EXIT_SKIPPED, run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions


def raw_status(instance, connector: str, table: str) -> str:
    from dagster import AssetKey

    event = instance.get_latest_materialization_event(AssetKey(["raw", connector, table]))
    return event.asset_materialization.metadata["connector_status"].value  # type: ignore[union-attr]


def health_checks(instance, run_ids: str) -> dict[str, bool]:
    """The connector_health check's verdict on hubspot's deals and stripe's invoices."""
    from dagster import DagsterEventType

    found = {}
    for record in instance.all_logs(
        run_ids.split(", ")[0], DagsterEventType.ASSET_CHECK_EVALUATION
    ):
        evaluation = record.dagster_event.event_specific_data
        table = evaluation.asset_key.path[-1]
        if evaluation.check_name == "connector_health" and table in ("deals", "invoices"):
            found[table] = evaluation.passed
    return found


def assert_status_reported(instance) -> None:  # type: ignore[no-untyped-def]
    """The run reported the tenant's `ops/status`, naming the failed step, its error class and
    the command to run (the status view's own tests: tests/test_status.py)."""
    from dagster import AssetRecordsFilter

    from autonomos_pipelines.asset_graph.keys import STATUS_KEY

    (record,) = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=STATUS_KEY, asset_partitions=["acme"]), limit=5
    ).records
    metadata = record.asset_materialization.metadata
    assert metadata["verdict"].value == "fail" and metadata["verdict_failures"].value == "fail"
    assert metadata["failures_failed_steps"].value == 1.0
    assert metadata["connectors_failing"].value == 1.0
    shown = metadata["status"].value
    assert "raw_hubspot [source] hubspot for tenant acme:" in shown and "401" in shown
    assert "canary" not in shown and "`autonomos materialize acme`" in shown


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
            if attempt == 1:
                assert_status_reported(instance)
        assert store.get("acme", "hubspot").degraded
        assert raw_status(instance, "stripe", "invoices") == "healthy"

        skipped = run_tenant(sandbox_definitions(), "acme", ["stripe", "hubspot"], instance, env)
        assert skipped.success  # skipped, not failed again
        assert raw_status(instance, "hubspot", "deals") == "degraded"
        assert list(skipped.skipped) == ["hubspot"] and "401" in skipped.skipped["hubspot"]
        assert skipped.exit_code == EXIT_SKIPPED  # a cron job notices
        assert health_checks(instance, skipped.run_id) == {"deals": False, "invoices": True}

        monkeypatch.delenv(bad)  # credential fixed: the probe succeeds, the load resumes
        recovered = run_tenant(sandbox_definitions(), "acme", ["stripe", "hubspot"], instance, env)
        assert recovered.success, recovered.failures
        assert recovered.exit_code == 0 and not recovered.skipped
        assert health_checks(instance, recovered.run_id) == {"deals": True, "invoices": True}
        assert raw_status(instance, "hubspot", "deals") == "healthy"
        assert not store.get("acme", "hubspot").degraded


@pytest.mark.e2e
def test_materialize_exits_3_and_names_a_skipped_degraded_connector(env):
    cli = [sys.executable, "-m", "autonomos_pipelines.cli"]
    bad = {secret_env_var("acme", "hubspot", "access_token"): "pat-revoked-canary-0002"}
    cli_env = {**os.environ, **bad}
    added = subprocess.run(
        [*cli, "tenants", "add", "acme", "--connectors", "stripe,hubspot"],
        capture_output=True, text=True, timeout=300, env=cli_env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    store = HealthStore(get_engine(env))
    for _ in range(store.threshold):  # three failed loads before this run
        store.record_failure("acme", "hubspot", "HTTP 401 Unauthorized")
    run = subprocess.run(
        [*cli, "materialize", "acme"], capture_output=True, text=True, timeout=600, env=cli_env
    )
    assert run.returncode == EXIT_SKIPPED, run.stdout + run.stderr
    assert "for tenant acme: DEGRADED in" in run.stdout
    (line,) = [line for line in run.stderr.splitlines() if line.startswith("skipped: ")]
    assert line.startswith("skipped: hubspot is degraded, nothing loaded (probe failed: ")
    assert "401" in line and "canary" not in line
