"""Tenants are a dynamic partition: `autonomos tenants add` adds one. A partition key is one
of the places a tenant id enters, so it becomes a TenantId here."""

from __future__ import annotations

from typing import Any

from dagster import DagsterInstance, DynamicPartitionsDefinition

from autonomos_pipelines.core.tenant_id import TenantId

TENANTS_PARTITION = "tenants"
tenants_partitions = DynamicPartitionsDefinition(name=TENANTS_PARTITION)


def tenant_of(context: Any) -> TenantId:
    """The tenant of an asset, check or run context's partition."""
    return TenantId(context.partition_key)


def add_missing_tenants(instance: DagsterInstance, tenant_ids: list[TenantId]) -> list[TenantId]:
    """Add the tenants the instance has no partition for; return them. A tenant removed from
    the registry keeps its partition: its runs and materialisations hang on it."""
    missing = missing_tenants(instance, tenant_ids)
    if missing:
        instance.add_dynamic_partitions(TENANTS_PARTITION, missing)
    return missing


def missing_tenants(instance: DagsterInstance, tenant_ids: list[TenantId]) -> list[TenantId]:
    present = set(instance.get_dynamic_partitions(TENANTS_PARTITION))
    return [tenant_id for tenant_id in tenant_ids if tenant_id not in present]
