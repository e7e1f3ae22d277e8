"""The tenant warehouse as a Dagster resource."""

from __future__ import annotations

from autonomos_pipelines.warehouse.store import Warehouse
from resources.settings_fields import AutonomosConfig


class WarehouseResource(AutonomosConfig):
    """Raw and canonical tables: one DuckDB file per tenant, or per-tenant schemas in the
    PostgreSQL at WAREHOUSE_URL."""

    def get(self) -> Warehouse:
        return Warehouse(self.settings())
