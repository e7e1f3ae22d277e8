"""The DCL mapping registry as a Dagster resource."""

from __future__ import annotations

from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.store import Registry
from resources.settings_fields import AutonomosConfig


class RegistryResource(AutonomosConfig):
    """Mapping registry in PostgreSQL (DATABASE_URL, else embedded pgserver), hot cache in
    Redis (REDIS_URL, else in-process). Migrated and seeded with the baseline on first use."""

    def get(self) -> Registry:
        return open_registry(self.settings())
