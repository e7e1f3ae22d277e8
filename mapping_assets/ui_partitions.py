"""Partitions the registry does not know: someone added them in the Dagster UI (the
Materialize dialog's "Add a partition"), bypassing `autonomos tenants add`.

A key that is not a valid tenant id (core/tenant_id.py) never becomes a tenant: its partition
is deleted, since that key would otherwise reach schema names, files and cache keys. A valid
one is registered as a tenant without connectors, audited as `dagster-ui`, so the registry
stays the one list of tenants; its runs load nothing until `autonomos tenants add <tenant>
--connectors …` enables some.

A sensor pointed at a fresh or wrong registry would see every partition as "added in the UI":
so nothing is registered while the registry has no tenant at all, and at most
`MAX_REGISTERED_PER_TICK` a tick (the rest wait for the next, and the log says so)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from dagster import DagsterInstance

from autonomos_pipelines.asset_graph.partitions import TENANTS_PARTITION
from autonomos_pipelines.core.errors import InvalidName
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.store import Registry

UI_ACTOR = "dagster-ui"
MAX_REGISTERED_PER_TICK = 5  # a person adds one or two; dozens mean a registry mix-up


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


def register_ui_tenants(
    registry: Registry, tenant_ids: list[TenantId], registered: list[TenantId]
) -> tuple[int, str]:
    """Register up to MAX_REGISTERED_PER_TICK as tenants with no connectors (audited as
    `dagster-ui`), none if the registry has no tenant; the log level and line that say so."""
    if not registered:
        return logging.ERROR, (
            f"{len(tenant_ids)} partition(s) without a tenant ({', '.join(tenant_ids[:10])}) "
            "not registered: the registry has no tenant at all, so it is likely a fresh or "
            "wrong database (check DATABASE_URL); add the first tenant with "
            "`autonomos tenants add`"
        )
    now, later = tenant_ids[:MAX_REGISTERED_PER_TICK], tenant_ids[MAX_REGISTERED_PER_TICK:]
    for tenant_id in now:
        registry.add_tenant(tenant_id, {}, UI_ACTOR)
    held = f"; {len(later)} more next tick (at most {MAX_REGISTERED_PER_TICK} a tick)"
    return logging.WARNING, registered_message(now) + (held if later else "")


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
