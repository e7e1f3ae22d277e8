"""What every request works with, built once per server process."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.database import migrated_engine
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.registry.bootstrap import registry_on
from autonomos_pipelines.dcl.registry.field_lookup import FieldLookup
from autonomos_pipelines.dcl.registry.identity import Identities
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.workflow import Workflow


@dataclass
class Services:
    settings: Settings
    engine: Engine
    registry: Registry
    workflow: Workflow
    identities: Identities
    lookups: FieldLookup  # per-field active mappings, cached in this process

    @classmethod
    def open(cls, settings: Settings) -> Services:
        engine = migrated_engine(settings)
        registry = registry_on(engine, settings.redis_url, Quotas.defaults_of(settings))
        return cls(
            settings,
            engine,
            registry,
            Workflow(registry),
            Identities(engine),
            FieldLookup(registry),
        )


async def services(request: Request) -> Services:
    """FastAPI dependency: the process's Services (set up by the app's lifespan). Async so
    that FastAPI runs it on the event loop instead of a worker thread: it does no I/O."""
    return request.app.state.services
