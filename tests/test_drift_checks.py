"""The drift checks Dagster shows: `schema_changes` on raw assets (per tenant partition) and
`lost_source_fields` on canonical tables (real Postgres, DuckDB, Dagster, sandbox)."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from dagster import (
    AssetCheckKey,
    AssetKey,
    AssetRecordsFilter,
    DagsterInstance,
    instance_for_test,
)

from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions
from tests.sensor_tick import tick

RAW_CHECK = "raw/pipedrive/deals schema_changes"
LOST_CHECK = "canonical/opportunity lost_source_fields"


@pytest.mark.e2e
def test_raw_schema_check_reports_one_tenants_drift_and_not_the_others(env, pristine):
    with instance_for_test() as instance:
        registry = open_registry(env)
        for tenant in ("acme", "beta"):
            onboard_tenant(tenant, ["pipedrive"], {}, registry, instance, "t")
            first = run_tenant(sandbox_definitions(), tenant, ["pipedrive"], instance, env)
            assert first.success and RAW_CHECK not in first.warnings  # a first load: recorded
        tick(instance, env)  # the observer's baseline for both tenants
        store = SchemaStore(get_engine(env))
        loaded = store.latest_schemas("acme", "pipedrive", "load")["deals"]
        assert loaded.columns["title"]["type"] == "text"  # dlt's schema of the load
        deals = store.latest_schemas("acme", "pipedrive", "observer")["deals"]
        without_title = {k: v for k, v in deals.columns.items() if k != "title"}
        # acme's source stops sending `title` (as the observer would record it)
        (event,) = store.record(
            "acme",
            "pipedrive",
            {"deals": dataclasses.replace(deals, columns=without_title)},
            "observer",
        )

        acme = run_tenant(sandbox_definitions(), "acme", ["pipedrive"], instance, env)
        beta = run_tenant(sandbox_definitions(), "beta", ["pipedrive"], instance, env)

        assert acme.success and beta.success
        # at load time the event is still open: the DCL repairs it in the mapping step next
        assert "1 drift event(s) (1 unresolved)" in acme.warnings[RAW_CHECK]
        assert RAW_CHECK not in beta.warnings  # partition-aware: beta has no drift
        # the title mapping was deprecated for acme only: its canonical name lost a source
        assert "name ← pipedrive.title" in acme.warnings[LOST_CHECK]
        assert LOST_CHECK not in beta.warnings
        assert store.event(event.id).status == "repaired"
        # each tenant's verdicts are kept on its own partition (the UI's per-tenant view)
        assert check_partitions(instance, RAW_CHECK) == {"acme": 2, "beta": 2}
        assert check_partitions(instance, LOST_CHECK) == {"acme": 2, "beta": 2}
        (deals,) = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey(["raw", "pipedrive", "deals"])), limit=1
        ).records
        table = deals.asset_materialization.metadata["dagster/table_name"].value  # type: ignore[union-attr]
        assert table == "raw_pipedrive.deals"  # the schema.table in the tenant's DuckDB file


def check_partitions(instance: DagsterInstance, check: str) -> dict[str | None, int]:
    """How many stored evaluations of ``check`` ("asset/key name") each partition has."""
    asset, name = check.split(" ")
    history = instance.event_log_storage.get_asset_check_execution_history(
        AssetCheckKey(AssetKey.from_user_string(asset), name), limit=100
    )
    return dict(Counter(record.partition for record in history))
