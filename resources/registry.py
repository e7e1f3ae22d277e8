"""The DCL mapping registry as a Dagster resource."""

from __future__ import annotations

from dagster import ConfigurableResource

from autonomos_pipelines.dcl.registry.bootstrap import registry_on
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.workflow import Workflow
from resources.cache import CacheResource
from resources.tenancy import TenancyResource


class RegistryResource(ConfigurableResource):
    """The versioned mapping registry (tenants, connectors, field mappings, audit log) in
    PostgreSQL, with its hot cache; the global baseline loaded on first use."""

    tenancy: TenancyResource
    cache: CacheResource

    def get(self) -> Registry:
        engine = self.tenancy.postgres.engine()
        return registry_on(engine, self.cache.url(), self.tenancy.quota_defaults())

    def workflow(self) -> Workflow:
        return Workflow(self.get())
