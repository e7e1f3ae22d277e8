"""The registry's PostgreSQL as a Dagster resource: the one database every store lives in."""

from __future__ import annotations

from dagster import ConfigurableResource
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import migrated_engine
from autonomos_pipelines.core.settings import Settings


class PostgresResource(ConfigurableResource):
    """PostgreSQL holding the mapping registry, tenants, secrets, usage, quotas, connector
    health and schema history: DATABASE_URL, or (empty) the embedded pgserver under
    AUTONOMOS_HOME. Migrated to head on first use in each process."""

    database_url: str = ""
    home: str = ""

    def settings(self) -> Settings:
        return Settings.from_values(
            {"DATABASE_URL": self.database_url, "AUTONOMOS_HOME": self.home}
        )

    def engine(self) -> Engine:
        return migrated_engine(self.settings())
