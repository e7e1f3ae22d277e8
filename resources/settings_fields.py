"""Shared resource configuration: the environment variables every resource may read."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from autonomos_pipelines.core.settings import DEFAULT_SANDBOX_URL, Settings


class AutonomosConfig(ConfigurableResource):
    """AUTONOMOS_HOME plus the service URLs; empty means the embedded default."""

    home: str
    database_url: str = ""
    warehouse_url: str = ""
    redis_url: str = ""
    sandbox_url: str = DEFAULT_SANDBOX_URL

    def settings(self) -> Settings:
        home = Path(self.home)
        return Settings(
            home=home,
            database_url=self.database_url or None,
            warehouse_url=self.warehouse_url or None,
            redis_url=self.redis_url or None,
            dagster_home=home / "dagster_home",
            sandbox_url=self.sandbox_url,
        )

    @classmethod
    def from_settings(cls, settings: Settings):
        return cls(
            home=str(settings.home),
            database_url=settings.database_url or "",
            warehouse_url=settings.warehouse_url or "",
            redis_url=settings.redis_url or "",
            sandbox_url=settings.sandbox_url,
        )
