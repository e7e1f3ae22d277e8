"""The tenant warehouse as a Dagster resource."""

from __future__ import annotations

from dagster import ConfigurableResource

from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.warehouse.store import Warehouse


class WarehouseResource(ConfigurableResource):
    """Raw and canonical tables: one DuckDB file per tenant under AUTONOMOS_HOME, or
    per-tenant schemas in the PostgreSQL at WAREHOUSE_URL."""

    home: str = ""
    warehouse_url: str = ""

    def get(self) -> Warehouse:
        values = {"AUTONOMOS_HOME": self.home, "WAREHOUSE_URL": self.warehouse_url}
        return Warehouse(Settings.from_values(values))
