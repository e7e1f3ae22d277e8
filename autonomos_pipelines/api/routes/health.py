"""Liveness and readiness for a load balancer."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends

from autonomos_pipelines.api.common.services import Services, services
from autonomos_pipelines.core.database import ping
from autonomos_pipelines.core.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz")
def live() -> dict:
    """The process answers (no dependency is checked)."""
    return {"status": "ok"}


@router.get("/readyz")
def ready(found: Services = Depends(services)) -> dict:
    """The registry database answers; 503 problem otherwise (take this worker out)."""
    try:
        ping(found.engine)
    except sa.exc.SQLAlchemyError as error:
        raise ServiceUnavailable(
            "DATABASE_URL", found.settings.database_url, type(error).__name__
        ) from None
    return {"status": "ready"}
