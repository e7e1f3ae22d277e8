"""Verified API tokens remembered per worker, so a hot request costs no database round trip.

Verifying a token reads its row, its user's role and (for an all-tenant token) the tenant
list: ~3.5 ms of server CPU per request measured in bench/api_load.py, more than the lookup
it guards. What was verified is remembered, keyed by a hash of the token (never the token),
until the first of:

* a change of who may do what — a revocation or a role change — announced in this process at
  once and, with Redis, in every other within milliseconds (identity_events);
* LOCAL_SECONDS (1 s) without Redis, or once Redis is lost: other processes' revocations
  cannot reach us then, so a revoked token works at most one more second;
* SHARED_SECONDS (60 s) with Redis, a safety net for a message lost in a Redis restart;
* the token's own expiry.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from autonomos_pipelines.core.cache import Cache
from autonomos_pipelines.dcl.registry import identity_events

LOCAL_SECONDS = 1.0
SHARED_SECONDS = 60.0
MAX_ENTRIES = 10_000

Value = TypeVar("Value")


class VerifiedCache(Generic[Value]):
    def __init__(self, cache: Cache, clock: Callable[[], float] = time.monotonic) -> None:
        self._cache = cache
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Value]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0  # bumped by every forget: a verification begun before is not kept
        self._shared = identity_events.listen(cache, self.forget_all)

    @property
    def lifetime(self) -> float:
        lost = getattr(self._cache, "lost", False)
        return SHARED_SECONDS if self._shared and not lost else LOCAL_SECONDS

    def get(self, credential: str) -> Value | None:
        key = _key(credential)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= self._clock():
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def generation(self) -> int:
        with self._lock:
            return self._generation

    def put(self, credential: str, value: Value, valid_seconds: float, generation: int) -> None:
        """Remember `value` (verified when the generation was `generation`) for at most
        `valid_seconds` more."""
        until = self._clock() + min(self.lifetime, valid_seconds)
        with self._lock:
            if generation != self._generation:
                return
            self._entries[_key(credential)] = (until, value)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def forget_all(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1


def _key(credential: str) -> str:
    return hashlib.sha256(credential.encode()).hexdigest()
