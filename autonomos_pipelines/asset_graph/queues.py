"""The Celery queues a run's steps go to (production mode, ``AUTONOMOS_EXECUTOR=celery``).

Ingest steps (raw assets: API calls, dlt loads) and mapping steps (the embedding model) need
different machines, so each kind has its own queue; `autonomos worker --queue` picks which a
worker serves. Canonical builds and checks go to the default queue."""

from __future__ import annotations

from dagster_celery.tags import DAGSTER_CELERY_QUEUE_TAG

INGEST_QUEUE = "ingest"
MAPPING_QUEUE = "mapping"
DEFAULT_QUEUE = "dagster"  # dagster-celery's own default: untagged steps land here too
QUEUES = (INGEST_QUEUE, MAPPING_QUEUE, DEFAULT_QUEUE)


def queue_tag(queue: str) -> dict[str, str]:
    """The op tag routing a step to ``queue`` (ignored by the local executors)."""
    return {DAGSTER_CELERY_QUEUE_TAG: queue}
