"""Per-tenant usage and quotas as a Dagster resource."""

from __future__ import annotations

from dagster import ConfigurableResource

from autonomos_pipelines.core.cadence import Cadences
from autonomos_pipelines.core.quotas import QUOTAS, Quotas
from autonomos_pipelines.core.settings import Settings, quota_variable
from autonomos_pipelines.core.usage import UsageMeter
from resources.postgres import PostgresResource


class TenancyResource(ConfigurableResource):
    """What each tenant used (counted per hour) and may use: the deployment's default limits
    from AUTONOMOS_QUOTA_<NAME> (empty: built-in), each tenant's overrides from the registry
    (`autonomos tenants quota`)."""

    postgres: PostgresResource
    max_active_connectors: str = ""
    canonical_rows_per_hour: str = ""
    llm_calls_per_month: str = ""
    api_calls_per_minute: str = ""

    def quota_defaults(self) -> dict[str, int]:
        """One field per quota (the names of core.quotas.QUOTAS), parsed like the CLI's."""
        values = {quota_variable(name): getattr(self, name) for name in QUOTAS}
        return Quotas.defaults_of(Settings.from_values(values))

    def quotas(self) -> Quotas:
        return Quotas(self.postgres.engine(), self.quota_defaults())

    def usage(self) -> UsageMeter:
        return UsageMeter(self.postgres.engine())

    def cadences(self) -> Cadences:
        """Each tenant's refresh cadence (`autonomos tenants schedule`)."""
        return Cadences(self.postgres.engine())
