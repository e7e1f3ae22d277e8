"""Announcing that who may do what changed (a token revoked, a role granted or lowered), so
that processes holding verified credentials in memory (the API workers) forget them.

In this process, listeners are called at once. With Redis the change is also published and
every other process's listeners hear it within milliseconds; without Redis other processes
cannot hear it, which is why they keep what they verified for a second at most."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from autonomos_pipelines.core.cache import Cache

IDENTITY_CHANNEL = "autonomos:identity"

_lock = threading.Lock()
_listeners: list[weakref.WeakMethod] = []  # bound methods, so a closed app's cache goes away


def announce(cache: Cache | None) -> None:
    """Tell this process's listeners and, through Redis, every other process's."""
    for listener in _alive():
        listener()
    publish = getattr(cache, "publish", None)
    if publish is not None:
        publish(IDENTITY_CHANNEL, "changed")


def listen(cache: Cache, listener: Callable[[], Any]) -> bool:
    """Call the bound method `listener` on every change; True if changes made by other
    processes reach it too (Redis), False if only this process's do."""
    with _lock:
        _listeners.append(weakref.WeakMethod(listener))  # type: ignore[arg-type]
    subscribe = getattr(cache, "subscribe", None)
    if subscribe is None:
        return False
    method = weakref.WeakMethod(listener)  # type: ignore[arg-type]

    def relay(_message: str | None) -> None:
        alive = method()
        if alive is not None:
            alive()

    subscribe(IDENTITY_CHANNEL, relay)
    return True


def _alive() -> list[Callable[[], Any]]:
    with _lock:
        _listeners[:] = [ref for ref in _listeners if ref() is not None]
        return [listener for ref in _listeners if (listener := ref()) is not None]
