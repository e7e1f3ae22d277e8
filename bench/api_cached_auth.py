"""Bench only: the API with the auth dependency's three database reads (token, role, tenant
list) cached per worker for 5 s, to measure what authentication costs a hot lookup, i.e. what
a per-process cache of verified tokens would save. Not for production as is: a revoked token
would keep working for up to 5 s. Started by bench/api_load.py with uvicorn directly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from autonomos_pipelines.api.app import create_app
from autonomos_pipelines.dcl.registry.identity import Identities
from autonomos_pipelines.dcl.registry.store import Registry

SECONDS = 5.0


def _cached(method: Callable[..., Any]) -> Callable[..., Any]:
    remembered: dict[tuple, tuple[float, Any]] = {}

    def wrapper(self: object, *args: Any) -> Any:
        key = (id(self), args)
        hit = remembered.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        value = method(self, *args)
        remembered[key] = (now + SECONDS, value)
        return value

    return wrapper


Identities.from_token = _cached(Identities.from_token)  # type: ignore[method-assign]
Identities.role = _cached(Identities.role)  # type: ignore[method-assign]
Registry.tenants = _cached(Registry.tenants)  # type: ignore[method-assign]

__all__ = ["create_app"]
