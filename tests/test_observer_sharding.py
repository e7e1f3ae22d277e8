"""Drift observation sharded over connectors: the schema_observer sensor only plans (observe
runs per shard, repair runs per drift event) and the observe job samples (real Postgres,
Dagster instance and sandbox)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterRunStatus,
    EventRecordsFilter,
    instance_for_test,
)
from dagster._core.test_utils import create_run_for_test

from autonomos_pipelines.aam.connections.secrets import secret_env_var
from autonomos_pipelines.aam.drift.fingerprint import TableSchema
from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.sandbox.apis.controls import mutate
from autonomos_pipelines.sandbox.definitions import sandbox_definitions
from tests.sensor_tick import evaluate, observe_runs, tick

TENANTS = {
    "acme": ["hubspot", "pipedrive", "slack", "stripe", "zendesk"],
    "beta": ["github"],
    "gamma": ["intercom", "mailchimp", "pipedrive"],
}


@pytest.fixture
def tenants(env, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AUTONOMOS_OBSERVE_BATCH", "2")
    monkeypatch.setenv("AUTONOMOS_OBSERVE_SHARD", "4")
    with instance_for_test() as instance:
        registry = open_registry(env)
        for tenant, connectors in TENANTS.items():
            onboard_tenant(tenant, connectors, {}, registry, instance, "t")
        yield instance


def covered(requests) -> Counter:  # type: ignore[no-untyped-def]
    return Counter(
        (batch["tenant"], name)
        for request in requests
        for batch in request.run_config["ops"]["observe_batches"]["config"]["batches"]
        for name in batch["connectors"]
    )


def test_each_tick_plans_one_observe_run_per_shard_covering_every_connector_once(tenants):
    first = evaluate(tenants)
    runs = observe_runs(first)
    assert covered(runs) == Counter((t, c) for t, names in TENANTS.items() for c in names)
    for request in runs:
        batches = request.run_config["ops"]["observe_batches"]["config"]["batches"]
        assert all(len(b["connectors"]) <= 2 for b in batches)  # AUTONOMOS_OBSERVE_BATCH
        assert sum(len(b["connectors"]) for b in batches) <= 4  # AUTONOMOS_OBSERVE_SHARD
        assert request.tags["observe_connectors"] == str(sum(len(b["connectors"]) for b in batches))
        assert set(request.tags["observe_tenants"].split(",")) == {b["tenant"] for b in batches}
    # 9 connectors in batches of 2 per tenant (3 + 1 + 2 batches) packed 4 per run
    assert [r.tags["observe_shard"] for r in runs] == ["0", "1", "2"]
    second = observe_runs(evaluate(tenants, first.cursor))
    keys = {r.run_key for r in runs} | {r.run_key for r in second}
    assert len(keys) == 6  # a new key each tick and shard: the daemon launches each once
    assert first.skip_reason is None


def test_a_shard_whose_observe_run_is_in_progress_is_skipped_and_counted(tenants):
    busy = create_run_for_test(
        tenants, job_name="observe", status=DagsterRunStatus.STARTED, tags={"observe_shard": "1"}
    )
    create_run_for_test(  # a finished run of shard 2 holds nothing back
        tenants, job_name="observe", status=DagsterRunStatus.SUCCESS, tags={"observe_shard": "2"}
    )
    held = evaluate(tenants)
    assert [r.tags["observe_shard"] for r in observe_runs(held)] == ["0", "2"]
    cursor = json.loads(held.cursor)
    assert (cursor["shards"], cursor["skipped_shards"], cursor["skipped_total"]) == (3, 1, 1)

    tenants.report_run_failed(busy)  # e.g. run monitoring marked its dead process failed
    freed = evaluate(tenants, held.cursor)
    assert [r.tags["observe_shard"] for r in observe_runs(freed)] == ["0", "1", "2"]
    assert json.loads(freed.cursor)["skipped_total"] == 1


def test_a_drift_event_since_the_cursor_gets_one_repair_run_and_never_a_second(env, tenants):
    store = SchemaStore(get_engine(env))
    deals = TableSchema("deals", {"id": {"type": "bigint"}, "title": {"type": "text"}})
    store.record("gamma", "pipedrive", {"deals": deals}, "observer")
    renamed = TableSchema("deals", {"id": {"type": "bigint"}, "name": {"type": "text"}})
    (event,) = store.record("gamma", "pipedrive", {"deals": renamed}, "observer")

    first = evaluate(tenants)
    (repair,) = [r for r in first.run_requests if r.job_name == "refresh"]
    assert repair.partition_key == "gamma" and repair.tags["tenant"] == "gamma"
    assert repair.tags["drift_events"] == str(event.id)
    assert repair.run_key == f"drift:gamma:{event.id}"
    assert AssetKey(["raw", "pipedrive", "deals"]) in repair.asset_selection
    assert json.loads(first.cursor)["last_event_id"] == event.id

    again = evaluate(tenants, first.cursor)
    assert [r for r in again.run_requests if r.job_name == "refresh"] == []
    # a settled event (repaired by a load that met it first) asks for nothing either
    store.close_event("gamma", event.id, "repaired", [])
    assert [r for r in evaluate(tenants).run_requests if r.job_name == "refresh"] == []


@pytest.mark.e2e
def test_observe_run_records_drift_on_the_tenant_partition_and_reports_a_failing_source(
    env, pristine, monkeypatch
):
    with instance_for_test() as instance:
        registry = open_registry(env)
        onboard_tenant("acme", ["pipedrive", "slack", "stripe"], {}, registry, instance, "t")
        onboard_tenant("beta", ["pipedrive"], {}, registry, instance, "t")
        monkeypatch.setenv(secret_env_var("acme", "slack", "bot_token"), "xoxb-revoked-canary")
        baseline = tick(instance, env)
        assert (baseline.observed, baseline.failed) == (3, 1)
        mutate(pristine.apis["pipedrive"], "deals", {"op": "rename", "field": "title", "to": "t2"})

        (request,) = observe_runs(evaluate(instance, baseline.cursor))
        job = sandbox_definitions().resolve_job_def("observe")
        result = job.execute_in_process(
            run_config=request.run_config, instance=instance, tags=request.tags
        )
        assert result.success  # a source that cannot be sampled fails no step
        summaries = {
            e.step_key: e.event_specific_data.metadata  # type: ignore[union-attr]
            for e in result.all_events
            if e.event_type_value == "STEP_OUTPUT" and e.step_key.startswith("observe_batch[")
        }
        acme = next(m for m in summaries.values() if m["tenant"].value == "acme")
        assert (acme["observed"].value, acme["failed"].value) == (2, 1)
        assert "acme/slack" in acme["failures"].value
        assert "xoxb-revoked-canary" not in acme["failures"].value
        assert acme["seconds"].value > 0 and acme["cpu_seconds"].value > 0
        assert result.output_for_node("observe_totals") == {
            "observed": 3,
            "failed": 1,
            "drift_events": 2,
        }  # pipedrive deals, for acme and for beta
        for tenant in ("acme", "beta"):
            (record,) = instance.get_event_records(
                EventRecordsFilter(
                    DagsterEventType.ASSET_OBSERVATION,
                    asset_key=AssetKey(["raw", "pipedrive", "deals"]),
                    asset_partitions=[tenant],
                )
            )
            observation = record.asset_observation
            assert observation and observation.metadata["drift_changes"].value == 1
        events = SchemaStore(get_engine(env)).events()
        assert sorted((e.tenant_id, e.source_table) for e in events) == [
            ("acme", "deals"),
            ("beta", "deals"),
        ]
