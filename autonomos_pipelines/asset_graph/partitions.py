"""Tenants are a dynamic partition: `autonomos tenants add` adds one."""

from dagster import DynamicPartitionsDefinition

TENANTS_PARTITION = "tenants"
tenants_partitions = DynamicPartitionsDefinition(name=TENANTS_PARTITION)
