"""Counts every API request by route template, method and status class, and times the
lookup routes: a pure ASGI middleware (no per-request task, unlike BaseHTTPMiddleware).
The route is its template (`/v1/tenants/{tenant}/lookup`), never the path a client sent."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autonomos_pipelines.core.metrics.definitions import (
    API_LOOKUP_SECONDS,
    API_REQUESTS,
    code_class,
)

LOOKUP_TAG = "lookups"


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), {"code": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            API_REQUESTS.labels(template, scope["method"], code_class(status["code"])).inc()
            if LOOKUP_TAG in (getattr(route, "tags", None) or ()):
                API_LOOKUP_SECONDS.labels(template).observe(time.perf_counter() - started)
