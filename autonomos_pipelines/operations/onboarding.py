"""Onboarding: register a tenant and its connectors, and add its Dagster partition."""

from __future__ import annotations

from dagster import DagsterInstance

from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.aam.specs.spec_model import FileSpec
from autonomos_pipelines.asset_graph.partitions import TENANTS_PARTITION
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.naming import validate_connector_name, validate_tenant_id
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.sandbox.files import write_demo_files


def parse_connectors(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise ConfigError("--connectors needs at least one connector name")
    specs = default_specs()
    for name in names:
        validate_connector_name(name)
        if name not in specs:
            raise ConfigError(f"unknown connector {name!r}; known: {', '.join(sorted(specs))}")
    return names


def onboard_tenant(
    tenant_id: str,
    connectors: list[str],
    endpoints: dict[str, str],
    registry: Registry,
    instance: DagsterInstance,
    settings: Settings,
    actor: str,
) -> bool:
    """Returns True if the tenant is new. Connectors without an endpoint use the sandbox."""
    validate_tenant_id(tenant_id)
    specs = default_specs()
    unknown = set(endpoints) - set(connectors)
    if unknown:
        raise ConfigError(f"--endpoint names connectors not in --connectors: {sorted(unknown)}")
    options = {}
    for name in connectors:
        option = {"endpoint": endpoints.get(name, "sandbox")}
        if isinstance(specs[name], FileSpec) and option["endpoint"] != "sandbox":
            option = {"endpoint": "files", "file_root": option["endpoint"]}
        options[name] = option
    created = registry.add_tenant(tenant_id, options, actor=actor)
    for name, option in options.items():
        if isinstance(specs[name], FileSpec) and option["endpoint"] == "sandbox":
            write_demo_files(settings.files_dir / tenant_id / name)
    if not instance.has_dynamic_partition(TENANTS_PARTITION, tenant_id):
        instance.add_dynamic_partitions(TENANTS_PARTITION, [tenant_id])
    return created
