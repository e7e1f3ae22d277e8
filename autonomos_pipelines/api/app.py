"""The FastAPI application: routers, problem details, limits, services per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from autonomos_pipelines.api.common import problems
from autonomos_pipelines.api.common.body_limit import BodyLimit
from autonomos_pipelines.api.common.request_metrics import RequestMetrics
from autonomos_pipelines.api.common.services import Services
from autonomos_pipelines.api.routes import (
    connectors,
    drift,
    health,
    lookups,
    mapping,
    mappings,
    metrics,
    review,
    status,
    table_review,
    tenants,
    unify,
    values,
)
from autonomos_pipelines.core.settings import Settings, get_settings

ROUTERS = (
    health,
    lookups,
    mapping,
    table_review,  # before review: /review/tables is no /review/{mapping_id}
    review,
    mappings,
    drift,
    connectors,
    tenants,
    status,
    metrics,
    unify,
    values,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API on `settings` (default: the environment's), its services opened at startup."""

    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = Services.open(settings)
        yield

    app = FastAPI(
        title="autonomos DCL",
        summary="The canonical mapping registry: lookups, mapping, review, history, drift.",
        version="1",
        lifespan=lifespan,
    )
    problems.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_kb * 1024)
    app.add_middleware(RequestMetrics)  # outermost: counts refusals of the body limit too
    for module in ROUTERS:
        app.include_router(module.router)
    return app
