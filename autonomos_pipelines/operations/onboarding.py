"""Onboarding: register a tenant and its connectors, and add its Dagster partition."""

from __future__ import annotations

from dagster import DagsterInstance

from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.aam.specs.spec_model import FileSpec
from autonomos_pipelines.asset_graph.partitions import TENANTS_PARTITION
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.naming import validate_connector_name
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.store import Registry

SANDBOX = "sandbox"


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


def connector_options(connectors: list[str], endpoints: dict[str, str]) -> dict[str, dict]:
    """Each connector's stored options: its endpoint (a base URL, a folder for file
    connectors) or, without one, the sandbox's."""
    unknown = set(endpoints) - set(connectors)
    if unknown:
        raise ConfigError(f"--endpoint names connectors not in --connectors: {sorted(unknown)}")
    specs = default_specs()
    options = {}
    for name in connectors:
        endpoint = endpoints.get(name, SANDBOX)
        if isinstance(specs[name], FileSpec) and endpoint != SANDBOX:
            options[name] = {"endpoint": "files", "file_root": endpoint}
        else:
            options[name] = {"endpoint": endpoint}
    return options


def onboard_tenant(
    tenant_id: TenantId,
    connectors: list[str],
    endpoints: dict[str, str],
    registry: Registry,
    instance: DagsterInstance,
    actor: str,
) -> bool:
    """Returns True if the tenant is new. Writes the registry rows and the partition only:
    a connector on the sandbox endpoint gets its data from the sandbox when it loads."""
    created = registry.add_tenant(tenant_id, connector_options(connectors, endpoints), actor)
    if not instance.has_dynamic_partition(TENANTS_PARTITION, tenant_id):
        instance.add_dynamic_partitions(TENANTS_PARTITION, [tenant_id])
    return created


def uses_sandbox(options: dict[str, dict]) -> list[str]:
    """The connectors of a tenant that are set to the sandbox endpoint."""
    return sorted(name for name, option in options.items() if option.get("endpoint") == SANDBOX)
