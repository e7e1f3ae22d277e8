"""What every request works with, built once per server process."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine

from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.api.common.principal_cache import VerifiedCache
from autonomos_pipelines.core.database import migrated_engine
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.registry.bootstrap import registry_on
from autonomos_pipelines.dcl.registry.field_lookup import FieldLookup
from autonomos_pipelines.dcl.registry.identity import Identities
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.workflow import Workflow

TENANT_LIST_SECONDS = 1.0  # a tenant added elsewhere is served within a second


@dataclass
class Services:
    settings: Settings
    engine: Engine
    registry: Registry
    workflow: Workflow
    schemas: SchemaStore  # drift events: a review decision settles the ones waiting on it
    identities: Identities
    lookups: FieldLookup  # per-field active mappings, cached in this process
    principals: VerifiedCache[Any]  # verified API tokens (api.common.auth.Principal)
    _tenants: tuple[float, frozenset[str]] = (0.0, frozenset())

    @classmethod
    def open(cls, settings: Settings) -> Services:
        engine = migrated_engine(settings)
        registry = registry_on(engine, settings.redis_url, Quotas.defaults_of(settings))
        return cls(
            settings,
            engine,
            registry,
            Workflow(registry),
            SchemaStore(engine),
            Identities(engine, registry.cache),
            FieldLookup(registry),
            VerifiedCache(registry.cache),
        )

    async def tenant_ids(self) -> frozenset[str]:
        """Every tenant's id, read at most once a second (in a worker thread)."""
        read_at, ids = self._tenants
        if time.monotonic() - read_at > TENANT_LIST_SECONDS:
            ids = frozenset(await run_in_threadpool(self.registry.tenants))
            self._tenants = (time.monotonic(), ids)
        return ids


async def services(request: Request) -> Services:
    """FastAPI dependency: the process's Services (set up by the app's lifespan). Async so
    that FastAPI runs it on the event loop instead of a worker thread: it does no I/O."""
    return request.app.state.services
