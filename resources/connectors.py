"""The AAM connector runtime as a Dagster resource."""

from __future__ import annotations

from dagster import ConfigurableResource

from autonomos_pipelines.aam.connections.connection import SandboxPlug
from autonomos_pipelines.aam.runtime import ConnectorRuntime
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.vault.keyring import Keyring
from resources.cache import CacheResource
from resources.tenancy import TenancyResource


class ConnectorsResource(ConfigurableResource):
    """What connector loads and observations need: the tenant's secrets (sealed with
    AUTONOMOS_SECRET_KEY, or AUTONOMOS_SECRET_* variables), circuit-breaker state and schema
    history in PostgreSQL, rate-limit buckets (REDIS_URL), the tenant's API-call quota, dlt's
    pipeline state under AUTONOMOS_HOME, the response size limit (AUTONOMOS_MAX_RESPONSE_MB).
    Connectors set to the sandbox endpoint need the dev code location's sandbox plug."""

    tenancy: TenancyResource
    cache: CacheResource
    home: str = ""
    secret_key: str = ""
    max_response_mb: str = ""

    def settings(self) -> Settings:
        return Settings.from_values(
            {"AUTONOMOS_HOME": self.home, "AUTONOMOS_MAX_RESPONSE_MB": self.max_response_mb}
        )

    def sandbox(self) -> SandboxPlug | None:
        """None: connectors set to the sandbox endpoint fail with a line saying so."""
        return None

    def get(self) -> ConnectorRuntime:
        settings = self.settings()
        return ConnectorRuntime(
            engine=self.tenancy.postgres.engine(),
            keyring=Keyring.parse(self.secret_key),
            redis_url=self.cache.url(),
            quotas=self.tenancy.quotas(),
            files_dir=settings.files_dir,
            pipelines_dir=settings.dlt_pipelines_dir,
            max_response_bytes=settings.max_response_bytes,
            sandbox=self.sandbox(),
        )
