"""A mapping pass in parts: each part's decisions are written on a thread of their own while
the next part is matched.

Matching is Python on one core, except the encoder; writing waits mostly on PostgreSQL, whose
server is another process. Written after all the matching, an onboarding's 50,000 fields
left a core idle for the whole of the writing, a quarter of the pass (bench/scale.py).

A part holds whole sources: what decides a field (its table, its source's other tables, the
claims on a canonical field within a table, a nested list's parent) is never split across
two parts. Each part is written in its own transaction, so a failure leaves the parts before
it written; the pass stops matching at the first failure and raises it, and the fields not
written are resolved again by the next pass, as any field without a decision is.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from autonomos_pipelines.dcl.mapping_outcomes import MappingRun
from autonomos_pipelines.dcl.matching.source_field import SourceField

# fields per part: 8 of the matcher's chunks. Parts of 4,000 to 16,000 fields measured alike
# (bench/scale.py, 2026-12-07); smaller ones encode in smaller batches
PART_FIELDS = 8192


def parts_of_whole_sources(
    fields: Sequence[SourceField], size: int | None = None
) -> Iterator[list[SourceField]]:
    """``fields`` in parts of about ``size`` (PART_FIELDS), each source whole in one (a larger
    source is a part of its own), sources in the order they first appear."""
    size = size or PART_FIELDS
    by_source: dict[str, list[SourceField]] = {}
    for source in fields:
        by_source.setdefault(source.source_system, []).append(source)
    part: list[SourceField] = []
    for own in by_source.values():
        if part and len(part) + len(own) > size:
            yield part
            part = []
        part.extend(own)
    if part:
        yield part


class WriteBehind:
    """Writes each part handed to `submit` with ``write`` on one thread of its own, in
    order, timed as the pass's "writing" stage (it overlaps "matching"). Once a write fails,
    no later part is written; leaving the block waits for every part handed over (a matched
    part is written even when matching the next one failed) and raises the first failure."""

    def __init__(self, write: Callable[[dict], None], run: MappingRun) -> None:
        self._write, self._run = write, run
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mapping-writer")
        self._failure: BaseException | None = None

    def __enter__(self) -> WriteBehind:
        return self

    def submit(self, decided: dict) -> None:
        """Queue one part's decisions; raises at once if an earlier part failed to write."""
        self._raise_failure()
        context = contextvars.copy_context()  # its span is the pass's child, as before
        self._pool.submit(context.run, self._timed, decided)

    def __exit__(self, kind: Any, error: BaseException | None, trace: Any) -> None:
        self._pool.shutdown(wait=True)
        if error is None:
            self._raise_failure()
        elif self._failure is not None:  # both failed: the matching error says so
            error.add_note(f"writing a part failed too ({type(self._failure).__name__})")

    def _timed(self, decided: dict) -> None:
        if self._failure is not None:
            return  # the pass stops at its first failed write: later parts wait for the next
        try:
            with self._run.stage("writing", fields=len(decided)):
                self._write(decided)
        except BaseException as failure:
            self._failure = failure

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure
