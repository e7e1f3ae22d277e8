"""GET /metrics: Prometheus' scrape of the registry's gauges (breakers, drift, review
queue, quotas) — the one target serving them. The counts of the API's workers, like every
process's, are `autonomos metrics serve`'s (one per machine): served here too, every
machine's counter would be scraped twice on the API's.

It names every tenant and its volumes, so it is not public: an all-tenant (admin) token is
required, like any cross-tenant listing (Prometheus sends it with `authorization:
credentials_file`). An unauthenticated endpoint is `autonomos metrics serve`, bound to
127.0.0.1 unless told otherwise."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from autonomos_pipelines.api.common.auth import Principal, authenticated
from autonomos_pipelines.api.common.scrape import build_scrape
from autonomos_pipelines.core.metrics.exposition import CONTENT_TYPE, render
from autonomos_pipelines.dcl.registry.refs import PermissionDenied

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response)
async def metrics(request: Request, principal: Principal = Depends(authenticated)) -> Response:
    """The registry's gauges in the Prometheus text exposition (every tenant's series:
    admins only); the API's own counts are `autonomos metrics serve`'s."""
    if principal.tenant_id is not None:
        raise PermissionDenied(
            f"{principal.actor.describe()} is bound to tenant {principal.tenant_id!r}; "
            "/metrics shows every tenant: scrape with an all-tenant (admin) token"
        )
    state = request.app.state
    if getattr(state, "scrape", None) is None:
        state.scrape = build_scrape(state.services.settings, counts=False, registry_gauges=True)
    body = await run_in_threadpool(render, state.scrape)
    return Response(body, media_type=CONTENT_TYPE)
