"""What the Dagster UI shows of the asset graph, read from the Definitions in-process: table
names that never link two connectors, metadata the UI can render, per-tenant checks, groups
and descriptions; the usage the mapping asset plots; partitions added in the UI."""

from __future__ import annotations

import functools
from collections import Counter

import sqlalchemy as sa
from dagster import AssetKey, SensorResult, build_sensor_context
from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph
from dagster._core.definitions.metadata.metadata_set import TableMetadataSet

from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY
from autonomos_pipelines.asset_graph.partitions import TENANTS_PARTITION
from autonomos_pipelines.code_location import build_definitions
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.usage import UsageMeter
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.backfill import selected_keys
from autonomos_pipelines.operations.instance import get_instance
from autonomos_pipelines.sandbox.definitions import sandbox_resources
from mapping_assets.mappings.metadata import usage_metadata
from mapping_assets.tenant_partitions import tenant_partitions
from mapping_assets.ui_partitions import MAX_REGISTERED_PER_TICK

PER_TENANT_CHECKS = {
    "schema_changes",
    "connector_health",
    "lost_source_fields",
    "computed_mappings",
    "stranded_mappings",
}


@functools.cache
def definitions():  # type: ignore[no-untyped-def]
    return build_definitions(sandbox_resources())


def graph() -> BaseAssetGraph:
    return definitions().resolve_asset_graph()


def raw_keys() -> list[AssetKey]:
    return [key for key in graph().get_all_asset_keys() if key.path[0] == "raw"]


def test_no_two_assets_name_the_same_table(env):
    """The UI links assets with the same storage address as one table ("Linked asset")."""
    addresses = {
        key: TableMetadataSet.extract_storage_address(graph().get(key).metadata)
        for key in graph().get_all_asset_keys()
    }
    shared = [a for a, n in Counter(addresses.values()).items() if n > 1 and a is not None]
    assert not shared, shared
    deals = addresses[AssetKey(["raw", "pipedrive", "deals"])]
    assert deals and deals.table_name == "raw_pipedrive.deals"
    account = addresses[AssetKey(["canonical", "account"])]
    assert account and account.table_name == "canonical.account"
    assert all(addresses[key] for key in raw_keys())


def test_raw_metadata_holds_nothing_the_ui_cannot_render(env):
    for key in raw_keys():
        metadata = graph().get(key).metadata
        assert not [name for name in metadata if name.startswith("dagster_dlt/")], key
        assert all(isinstance(v, str | int | float) for v in metadata.values()), metadata


def test_drift_and_health_checks_are_recorded_per_tenant(env):
    checks = [key for key in graph().asset_check_keys if key.name in PER_TENANT_CHECKS]
    assert {key.name for key in checks} == PER_TENANT_CHECKS
    for key in checks:
        partitions = graph().get(key).partitions_def
        assert partitions is not None and partitions.name == TENANTS_PARTITION, key  # type: ignore[attr-defined]


def test_raw_assets_are_grouped_by_domain_and_described(env):
    specs = default_specs()
    groups = {graph().get(key).group_name for key in graph().get_all_asset_keys()}
    expected = {f"raw_{spec.domain}" for spec in specs.values()} | {
        "dcl",
        "canonical",
        "unified",
        "ops",
    }
    assert groups == expected
    for key in raw_keys():
        node, spec = graph().get(key), specs[key.path[1]]
        assert node.group_name == f"raw_{spec.domain}"
        assert f"`{key.path[2]}` from the {spec.name} connector" in (node.description or "")
        assert node.tags["connector"] == spec.name
    # a bare connector name in `backfill --select` still means its own raw tables
    stripe = {key for key in raw_keys() if key.path[1] == "stripe"}
    assert selected_keys(definitions(), "stripe") == stripe


def test_mapping_usage_plots_only_what_is_complete_at_that_step(env):
    registry = open_registry(env)
    registry.add_tenant(TenantId("acme"), {}, "test")
    meter = UsageMeter.for_settings(env)
    # canonical rows of this run are built after the mapping step: not shown there
    meter.add(TenantId("acme"), {"records_fetched": 40, "rows_produced": 6368})
    shown = usage_metadata(meter, TenantId("acme"))
    assert shown["usage_30d_records_fetched"].value == 40
    assert "usage_30d_rows_produced" not in shown
    assert "canonical" in shown["usage_30d_covers"].value
    assert graph().get(FIELD_MAPPINGS_KEY).group_name == "dcl"


def test_partitions_added_in_the_ui_are_registered_or_deleted(env):
    registry = open_registry(env)
    registry.add_tenant(TenantId("acme"), {"stripe": {"endpoint": "sandbox"}}, "test")
    instance = get_instance(env)
    hostile = ["Acme", "x'; DROP TABLE tenants; --", "pg_evil", "a__b"]
    valid = [f"newco{n}" for n in range(MAX_REGISTERED_PER_TICK + 1)]  # one more than a tick's
    instance.add_dynamic_partitions(TENANTS_PARTITION, ["acme", *valid, *hostile])
    resources = {"registry": sandbox_resources()["registry"]}

    with build_sensor_context(instance=instance, resources=resources) as context:
        result = tenant_partitions(context)
    assert isinstance(result, SensorResult)
    (deleted,) = result.dynamic_partitions_requests or []
    assert sorted(deleted.partition_keys) == sorted(hostile)  # type: ignore[arg-type]
    said = result.skip_reason.skip_message if result.skip_reason else ""
    assert "deleted 4 partition(s)" in said and "registered tenant(s) newco0" in said
    assert "1 more next tick" in said
    assert registry.tenants() == ["acme", *valid[:MAX_REGISTERED_PER_TICK]]
    assert registry.tenant_connectors(TenantId("newco")) == {}  # it loads nothing yet
    with registry.engine.connect() as db:
        actor = db.execute(
            sa.text(
                "SELECT actor FROM audit_log WHERE action = 'tenant.create' AND tenant_id = :t"
            ),
            {"t": valid[0]},
        ).scalar()
    assert actor == "dagster-ui"

    for key in hostile:  # what the daemon does with the request
        instance.delete_dynamic_partition(TENANTS_PARTITION, key)
    with build_sensor_context(instance=instance, resources=resources) as context:
        tenant_partitions(context)  # the next tick: the one left over
    assert registry.tenants() == ["acme", *valid]
    with build_sensor_context(instance=instance, resources=resources) as context:
        again = tenant_partitions(context)
    assert again.skip_message == "all 7 registry tenants have a partition"  # type: ignore[union-attr]


def test_a_registry_without_tenants_registers_no_partition(env):
    """A sensor pointed at a fresh (or the wrong) database must not copy every partition in."""
    registry = open_registry(env)
    instance = get_instance(env)
    instance.add_dynamic_partitions(TENANTS_PARTITION, ["acme", "globex"])
    resources = {"registry": sandbox_resources()["registry"]}
    with build_sensor_context(instance=instance, resources=resources) as context:
        result = tenant_partitions(context)
    assert isinstance(result, SensorResult) and not result.dynamic_partitions_requests
    said = result.skip_reason.skip_message if result.skip_reason else ""
    assert "not registered: the registry has no tenant at all" in said
    assert registry.tenants() == []
    assert instance.get_dynamic_partitions(TENANTS_PARTITION) == ["acme", "globex"]
