"""Per-field lookups of active mappings for the HTTP service: a bounded cache per process in
front of one indexed query (field_query).

How long an answer may be served from the cache, the rule that keeps "an approval is seen by
every worker within 1 s":

* With Redis (REDIS_URL set and reachable), every write's Registry.invalidate is published on
  Redis pub/sub and every process drops that tenant's entries (every tenant's for a baseline
  write) as soon as the message arrives. Entries then live up to REDIS_TTL_SECONDS (300 s), a
  safety net for a message lost with a Redis restart.
* Without Redis (or once Redis is lost) no other process can tell us about its writes, so an
  entry lives at most LOCAL_TTL_SECONDS (1 s): a write elsewhere is seen within 1 s anyway.

Writes made in this process drop the entries at once in both cases. "No mapping" is cached
too (an unknown field asked in a loop must not reach PostgreSQL each time). The cache holds at
most `max_entries` fields over all tenants, least recently used evicted first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import NamedTuple

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.field_query import FieldName, find_active, find_active_many
from autonomos_pipelines.dcl.registry.store import Mapping, Registry

REDIS_TTL_SECONDS = 300.0
LOCAL_TTL_SECONDS = 1.0
DEFAULT_MAX_ENTRIES = 100_000

# (tenant, connector, lower(table), field): tables compare case-insensitively, fields do not
CacheKey = tuple[str, str, str, str]


class Answer(NamedTuple):
    mapping: Mapping | None
    cached: bool  # served from this process's cache, no query


class FieldLookup:
    def __init__(
        self,
        registry: Registry,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[CacheKey, tuple[float, Mapping | None]] = OrderedDict()
        self._keys_of_tenant: dict[str, set[CacheKey]] = {}
        self._lock = threading.Lock()
        # bumped by every drop: an answer read from PostgreSQL before a drop is not stored
        # after it (it may be the version the drop was about)
        self._generation = 0
        registry.on_invalidate(self.drop)

    @property
    def ttl_seconds(self) -> float:
        if self._registry.invalidations_reach_every_process:
            return REDIS_TTL_SECONDS
        return LOCAL_TTL_SECONDS

    def get(self, tenant_id: TenantId, name: FieldName) -> Answer:
        """The field's active mapping for the tenant (its own over the baseline's), or None."""
        key = _key(tenant_id, name)
        with self._lock:
            hit = self._fresh(key)
            generation = self._generation
        if hit is not None:
            return Answer(hit[1], True)
        mapping = find_active(self._registry.engine, tenant_id, name)
        self._store({key: mapping}, generation)
        return Answer(mapping, False)

    def cached(self, tenant_id: TenantId, name: FieldName) -> Answer | None:
        """The cached answer, or None when `get` would have to query (never blocks on I/O:
        an async route answers hits on the event loop and sends only misses to a thread)."""
        with self._lock:
            hit = self._fresh(_key(tenant_id, name))
        return None if hit is None else Answer(hit[1], True)

    def get_many(self, tenant_id: TenantId, names: Sequence[FieldName]) -> list[Mapping | None]:
        """`get` for each name, in order; the uncached ones in one query."""
        keys = [_key(tenant_id, name) for name in names]
        known: dict[CacheKey, Mapping | None] = {}
        missing: dict[CacheKey, FieldName] = {}
        with self._lock:
            generation = self._generation
            for key, name in zip(keys, names, strict=True):
                hit = self._fresh(key)
                if hit is not None:
                    known[key] = hit[1]
                elif key not in known:
                    missing[key] = name
        fetched = find_active_many(self._registry.engine, tenant_id, list(missing.values()))
        answers = dict(zip(missing, fetched, strict=True))
        self._store(answers, generation)
        known.update(answers)
        return [known[key] for key in keys]

    def drop(self, tenant_id: str | None) -> None:
        """Forget a tenant's entries (None: every tenant's, after a baseline write)."""
        with self._lock:
            self._generation += 1
            if tenant_id is None:
                self._entries.clear()
                self._keys_of_tenant.clear()
                return
            for key in self._keys_of_tenant.pop(tenant_id, set()):
                self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)

    # under the lock ----------------------------------------------------------------------
    def _fresh(self, key: CacheKey) -> tuple[float, Mapping | None] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            self._forget(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def _store(self, answers: dict[CacheKey, Mapping | None], generation: int) -> None:
        expires = self._clock() + self.ttl_seconds
        with self._lock:
            if generation != self._generation:
                return
            for key, mapping in answers.items():
                self._entries[key] = (expires, mapping)
                self._entries.move_to_end(key)
                self._keys_of_tenant.setdefault(key[0], set()).add(key)
            while len(self._entries) > self._max_entries:
                self._forget(next(iter(self._entries)))

    def _forget(self, key: CacheKey) -> None:
        self._entries.pop(key, None)
        keys = self._keys_of_tenant.get(key[0])
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._keys_of_tenant[key[0]]


def _key(tenant_id: TenantId, name: FieldName) -> CacheKey:
    connector, table, field = name
    return (tenant_id, connector, table.lower(), field)
