"""Dagster ConfigurableResources: registry (PostgreSQL), warehouse (DuckDB/PostgreSQL), cache."""

from resources.registry import RegistryResource
from resources.warehouse import WarehouseResource

__all__ = ["RegistryResource", "WarehouseResource"]
