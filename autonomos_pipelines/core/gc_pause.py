"""Python's cyclic garbage collector held off while a pass builds many long-lived objects.

A 50,000-field mapping pass keeps a quarter of a million candidates alive until it writes
them. Each of the collector's full passes walks every live object, and the allocations keep
triggering them: about a third of the pass's matching time went to the collector
(bench/results.md, 2026-12-04). Reference counting still frees everything that is not in a
cycle; cycles made meanwhile wait for the collector's next pass after this one.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_state = {"holders": 0, "restore": False}  # threads of one process share one collector


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off cyclic collection for the duration. Nested and concurrent uses are counted;
    when the last ends, the collector is as the first found it. The collector is the
    process's: passes that keep overlapping keep it off until one moment none runs, and a
    `gc.disable()` elsewhere during a pass is undone when the last pass ends."""
    with _lock:
        if _state["holders"] == 0:
            _state["restore"] = gc.isenabled()
        _state["holders"] += 1
        gc.disable()
    try:
        yield
    finally:
        with _lock:
            _state["holders"] -= 1
            if _state["holders"] == 0 and _state["restore"]:
                gc.enable()
