"""Gauges computed at scrape time from the registry, time-boxed.

A queue depth counted in one process would be wrong in every other; the registry is the
truth. A scrape must stay cheap and never hang on a database that is down: each collector
runs its query in its own worker thread, waits at most ``timeout`` seconds, and reports
``autonomos_collector_up{collector=...}`` 0 when it did not answer (a query still running
from an earlier scrape is not started twice).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine, Row

from autonomos_pipelines.core.database import admin_session
from autonomos_pipelines.core.metrics.definitions import COLLECTED

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 2.0
# one reading: (gauge name from definitions.COLLECTED, its labels, its value)
Sample = tuple[str, dict[str, str], float]
Samples = list[Sample]
STATEMENT_TIMEOUT_MS = 1500


def scrape_rows(engine: Engine, *queries: sa.TextClause, **params: object) -> list[list[Row]]:
    """Each query's rows across every tenant (an admin session: a scrape sees them all), in
    one transaction whose statements PostgreSQL cuts off after 1.5 s."""
    with admin_session(engine) as db:
        db.execute(sa.text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        return [list(db.execute(query, params).all()) for query in queries]


def families(samples: Iterable[Sample]) -> list[GaugeMetricFamily]:
    """One family per gauge name (readers may add to the same gauge), help from COLLECTED."""
    found: dict[str, GaugeMetricFamily] = {}
    for name, labels, value in samples:
        if name not in found:
            found[name] = GaugeMetricFamily(name, COLLECTED[name], labels=list(labels))
        found[name].add_metric(list(labels.values()), value)
    return list(found.values())


class TimeboxedCollector(Collector):
    """Runs each reader (name -> a function returning samples) in its own thread, all within
    ``timeout`` seconds together."""

    def __init__(
        self, readers: dict[str, Callable[[], Samples]], timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.readers, self.timeout = readers, timeout
        self._pools = {name: ThreadPoolExecutor(1, f"metrics-{name}") for name in readers}
        self._running: dict[str, Future[Samples]] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, read in self.readers.items():
            running = self._running.get(name)
            if running is None or running.done():  # one query at a time per reader
                self._running[name] = self._pools[name].submit(read)
        deadline = time.monotonic() + self.timeout
        samples: Samples = []
        for name in self.readers:
            answer = self._wait(name, max(0.0, deadline - time.monotonic()))
            samples.append(
                ("autonomos_collector_up", {"collector": name}, float(answer is not None))
            )
            samples += answer or []
        yield from families(samples)

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return ()  # registering must not run the queries

    def _wait(self, name: str, seconds: float) -> Samples | None:
        try:
            return self._running[name].result(timeout=seconds)
        except FutureTimeout:
            log.warning("metrics collector %s did not answer within %ss", name, self.timeout)
        except Exception as error:  # a scrape never fails for one collector: it reports up 0
            log.warning("metrics collector %s failed: %s", name, str(error)[:300])
        return None
