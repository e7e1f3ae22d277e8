"""Onboarding: register a tenant and its connectors, and add its Dagster partition."""

from __future__ import annotations

from dagster import DagsterInstance

from autonomos_pipelines.aam.specs.file_rules import check_relative_pattern
from autonomos_pipelines.aam.specs.http_rules import check_http_url
from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.aam.specs.spec_model import AnySpec, FileSpec, MongoSpec, SqlSpec
from autonomos_pipelines.asset_graph.partitions import TENANTS_PARTITION
from autonomos_pipelines.core.cadence import Cadences
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.naming import validate_connector_name
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.store import Registry

SANDBOX = "sandbox"
DEMO_CADENCE = "0 * * * *"  # the demo tenant refreshes hourly on its own; others when asked


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


def checked_endpoint(spec: AnySpec, endpoint: str) -> str:
    """A file connector's folder relative to the tenant's files folder, or an http(s) base
    URL that is not a link-local / cloud metadata address; ConfigError naming it if not."""
    if isinstance(spec, SqlSpec | MongoSpec):
        if "://" in endpoint or "@" in endpoint:  # a database URL: not echoed, it may hold one
            raise ConfigError(
                f"--endpoint {spec.name}=…: a database URL is a secret, not an endpoint; store "
                f"it with `autonomos secrets set TENANT {spec.name} {_secret_name(spec)}`"
            )
        return endpoint
    try:
        if isinstance(spec, FileSpec):
            return check_relative_pattern(endpoint)
        return check_http_url(endpoint)
    except ValueError as error:
        raise ConfigError(f"--endpoint {spec.name}: {error}") from None


def _secret_name(spec: SqlSpec | MongoSpec) -> str:
    return (spec.credentials if isinstance(spec, SqlSpec) else spec.connection_url).secret


def connector_options(connectors: list[str], endpoints: dict[str, str]) -> dict[str, dict]:
    """Each connector's stored options: its endpoint (a base URL, a folder inside the tenant's
    files folder for file connectors) or, without one, the sandbox's."""
    unknown = set(endpoints) - set(connectors)
    if unknown:
        raise ConfigError(f"--endpoint names connectors not in --connectors: {sorted(unknown)}")
    specs = default_specs()
    options = {}
    for name in connectors:
        endpoint = endpoints.get(name, SANDBOX)
        if endpoint != SANDBOX:
            endpoint = checked_endpoint(specs[name], endpoint)
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


def schedule_demo(tenant_id: TenantId, registry: Registry, actor: str) -> None:
    """Turn on the demo tenant's hourly refresh, unless a cadence was already set for it (on
    or off: a person's choice is kept)."""
    cadences = Cadences(registry.engine)
    if cadences.get(tenant_id) is None:
        cadences.set(tenant_id, DEMO_CADENCE, "UTC", actor)


def uses_sandbox(options: dict[str, dict]) -> list[str]:
    """The connectors of a tenant that are set to the sandbox endpoint."""
    return sorted(name for name, option in options.items() if option.get("endpoint") == SANDBOX)
