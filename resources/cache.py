"""The hot cache and rate-limit buckets as a Dagster resource."""

from __future__ import annotations

from dagster import ConfigurableResource

from autonomos_pipelines.core.cache import Cache, open_cache
from autonomos_pipelines.core.settings import Settings


class CacheResource(ConfigurableResource):
    """Redis at REDIS_URL (mapping cache, invalidations, token buckets shared by every
    process), or (empty) in-process. Holds nothing PostgreSQL cannot rebuild."""

    redis_url: str = ""

    def url(self) -> str | None:
        return Settings.from_values({"REDIS_URL": self.redis_url}).redis_url

    def cache(self) -> Cache:
        return open_cache(self.url())
