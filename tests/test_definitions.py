"""The whole Definitions object loads and has the promised shape; its resources hold the names
of environment variables, never their values; the canonical contract holds."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dagster import AssetKey, ConfigurableResource, EnvVar, instance_for_test

from autonomos_pipelines.code_location import build_definitions
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions

ROOT = Path(__file__).resolve().parents[1]


def test_definitions_load_with_lineage_raw_mappings_canonical(env):
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    for entity in ["account", "contact", "opportunity", "invoice", "payment", "subscription"]:
        key = AssetKey(["canonical", entity])
        assert key in keys
        assert AssetKey(["dcl", "field_mappings"]) in graph.get(key).parent_keys
        assert graph.get(key).partitions_def.name == "tenants"
    assert (
        AssetKey(["raw", "stripe", "invoices"])
        in graph.get(AssetKey(["canonical", "invoice"])).parent_keys
    )
    assert {k.asset_key for k in graph.asset_check_keys} >= {AssetKey(["canonical", "account"])}
    assert all(graph.get(k).partitions_def is not None for k in keys)
    assert graph.get(AssetKey(["raw", "hubspot", "deals"])).group_name == "raw_revops"
    # contacts are linked knowing each account's unified id and its golden domain
    assert graph.get(AssetKey(["unified", "contact_crosswalk"])).parent_keys >= {
        AssetKey(["unified", "account_crosswalk"]),
        AssetKey(["unified", "account"]),
    }


def test_canonical_model_matches_the_shared_contract():
    contract = ROOT.parent / "shared" / "CANONICAL_MODEL.md"
    if not contract.exists():
        pytest.skip("shared/CANONICAL_MODEL.md is not beside this checkout")
    text = contract.read_text()
    model = canonical_model()
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        name = block.split("\n", 1)[0].strip()
        fields = re.findall(r"^\| (\w+) \| (\w+) \| .+ \|$", block, flags=re.M)
        ours = {f.name: f.type for f in model[name].fields}
        for field, type_ in fields:
            if field != "field":
                assert ours.get(field) == type_, f"{name}.{field} renamed, removed or retyped"


PLACEHOLDERS = {
    "DATABASE_URL": "postgresql://placeholder-user:placeholder-pw@placeholder-db:5432/registry",
    "WAREHOUSE_URL": "postgresql://placeholder-user:placeholder-pw@placeholder-wh:5432/wh",
    "REDIS_URL": "redis://:placeholder-pw@placeholder-redis:6379/0",
    "AUTONOMOS_HOME": "/placeholder/home",
    "AUTONOMOS_SANDBOX_URL": "http://placeholder-sandbox:1",
    "AUTONOMOS_SECRET_KEY": "placeholder-secret-key",
    "GEMINI_API_KEY": "placeholder-gemini-key",
    "AUTONOMOS_MAX_RESPONSE_MB": "7",
    "AUTONOMOS_QUOTA_API_CALLS_PER_MINUTE": "77",
}


def resource_fields(resource: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every field of a resource and of the resources it holds."""
    if not isinstance(resource, ConfigurableResource):
        return
    for name in type(resource).model_fields:
        value = getattr(resource, name)
        yield f"{path}.{name}", value
        yield from resource_fields(value, f"{path}.{name}")


@pytest.mark.parametrize("location", [build_definitions, sandbox_definitions])
def test_resources_hold_environment_variable_names_never_values(location, monkeypatch):
    for name, value in PLACEHOLDERS.items():
        monkeypatch.setenv(name, value)
    defs = location()
    fields = dict(
        field
        for key, resource in defs.resources.items()
        for field in resource_fields(resource, key)
    )
    named = {
        path: value.env_var_name for path, value in fields.items() if isinstance(value, EnvVar)
    }
    assert (
        named.items()
        >= {
            "registry.tenancy.postgres.database_url": "DATABASE_URL",
            "registry.cache.redis_url": "REDIS_URL",
            "warehouse.warehouse_url": "WAREHOUSE_URL",
            "connectors.secret_key": "AUTONOMOS_SECRET_KEY",
            "connectors.home": "AUTONOMOS_HOME",
            "llm.gemini_api_key": "GEMINI_API_KEY",
            "tenancy.api_calls_per_minute": "AUTONOMOS_QUOTA_API_CALLS_PER_MINUTE",
        }.items()
    )
    for path, value in fields.items():
        if isinstance(value, ConfigurableResource):
            continue  # its own fields are in the list
        shown = value.env_var_name if isinstance(value, EnvVar) else repr(value)
        assert not any(secret in shown for secret in PLACEHOLDERS.values()), path
        if isinstance(value, str):
            assert isinstance(value, EnvVar), f"{path} holds a value instead of an EnvVar"


@pytest.mark.e2e
def test_a_run_resolves_the_variables_on_the_machine_that_runs_it(env, monkeypatch):
    """Definitions built where every variable points elsewhere still run here, on this
    process's values: nothing was resolved when they were built."""
    real = {name: os.environ.get(name, "") for name in PLACEHOLDERS}
    for name, value in PLACEHOLDERS.items():
        monkeypatch.setenv(name, value)
    defs = sandbox_definitions()
    for name, value in real.items():
        monkeypatch.setenv(name, value)
    with instance_for_test() as instance:
        onboard_tenant(TenantId("acme"), ["stripe"], {}, open_registry(env), instance, "t")
        summary = run_tenant(defs, TenantId("acme"), ["stripe"], instance, env)
    assert summary.success, summary.failures
    assert summary.canonical_rows["invoice"] > 0


def test_loading_the_definitions_leaves_no_dlt_state_behind(monkeypatch, tmp_path):
    """Every process that loads the definitions describes the raw assets with a dlt pipeline;
    in dlt's shared default folder their state files raced (one process's load failed on a
    file another had just replaced). The pipeline lives in a temporary folder of its own
    while the specs are built, removed right after."""
    import tempfile

    from autonomos_pipelines.aam.specs.spec_loader import load_specs
    from mapping_assets.raw.assets import raw_assets_for

    shared, temporary = tmp_path / "dlt", tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("DLT_DATA_DIR", str(shared))  # dlt's default folder, read per call
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    raw = raw_assets_for(load_specs()["stripe"])
    assert len(list(raw.specs)) > 1  # the connector's tables were described
    assert not list(shared.rglob("definition__*")) and not list(temporary.iterdir())
