"""Tenants are a dynamic partition: `autonomos tenants add` adds one. A partition key is one
of the places a tenant id enters, so it becomes a TenantId here."""

from __future__ import annotations

from typing import Any

from dagster import DynamicPartitionsDefinition

from autonomos_pipelines.core.tenant_id import TenantId

TENANTS_PARTITION = "tenants"
tenants_partitions = DynamicPartitionsDefinition(name=TENANTS_PARTITION)


def tenant_of(context: Any) -> TenantId:
    """The tenant of an asset, check or run context's partition."""
    return TenantId(context.partition_key)
