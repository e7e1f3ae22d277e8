"""Partitions the registry does not know: someone added them in the Dagster UI (the
Materialize dialog's "Add a partition"), bypassing `autonomos tenants add`.

A key that is not a valid tenant id (core/tenant_id.py) never becomes a tenant: its partition
is deleted, since that key would otherwise reach schema names, files and cache keys. A valid
one is registered as a tenant without connectors, audited as `dagster-ui`, so the registry
stays the one list of tenants; its runs load nothing until `autonomos tenants add <tenant>
--connectors …` enables some."""

from __future__ import annotations

from dataclasses import dataclass, field

from dagster import DagsterInstance

from autonomos_pipelines.asset_graph.partitions import TENANTS_PARTITION
from autonomos_pipelines.core.errors import InvalidName
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.store import Registry

UI_ACTOR = "dagster-ui"


@dataclass
class UnknownPartitions:
    hostile: dict[str, str] = field(default_factory=dict)  # partition key -> why refused
    valid: list[TenantId] = field(default_factory=list)


def unknown_partitions(instance: DagsterInstance, registered: list[TenantId]) -> UnknownPartitions:
    """The `tenants` partitions without a registry tenant, sorted into refused and valid."""
    found = UnknownPartitions()
    for key in instance.get_dynamic_partitions(TENANTS_PARTITION):
        if key in registered:
            continue
        try:
            found.valid.append(TenantId(key))
        except InvalidName as refused:
            found.hostile[key] = str(refused)
    return found


def register_ui_tenants(registry: Registry, tenant_ids: list[TenantId]) -> None:
    """Register each as a tenant with no connectors (audited as `dagster-ui`)."""
    for tenant_id in tenant_ids:
        registry.add_tenant(tenant_id, {}, UI_ACTOR)


def refusal_message(hostile: dict[str, str]) -> str:
    """InvalidName's reasons name each key (repr: no control characters) and its rule."""
    reasons = "; ".join(hostile.values())
    return (
        f"deleted {len(hostile)} partition(s) added in the UI: {reasons}. Tenants are added "
        "with `autonomos tenants add`"
    )


def registered_message(tenant_ids: list[TenantId]) -> str:
    names = ", ".join(tenant_ids)
    return (
        f"registered tenant(s) {names} from partition(s) added in the Dagster UI, with no "
        f"connectors: enable some with `autonomos tenants add {tenant_ids[0]} --connectors …`"
    )
