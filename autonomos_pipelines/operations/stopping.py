"""Stopping an in-process tenant run on SIGINT or SIGTERM: the stage in flight ends (its run
marked failed), no further stage starts, and the caller says what was stopped and what was
kept.

Dagster swaps its own SIGINT/SIGTERM handler in while a run executes and raises the interrupt
once, wherever the main thread happens to be; when that is a garbage-collector callback, Python
prints "Exception ignored" and the run carries on. So the signal is also noticed at C level
(signal.set_wakeup_fd, whichever Python handler is installed): a watcher thread records it,
repeats the interrupt until the stage ends and, if it still has not after HARD_STOP_S, marks
this process's runs failed and exits."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from dagster import DagsterEventType, ExecuteInProcessResult
from dagster._core.events import JobFailureData, RunFailureReason

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
REPEAT_S, HARD_STOP_S = 0.5, 3.5  # the promise is a stop within 5 s
_received: list[int] = []  # signals are per process, and so is this


class RunInterrupted(Exception):
    """A signal stopped a tenant run; ``kept`` names the assets it had already written."""

    def __init__(self, stage: str, run_id: str, kept: list[str], skipped: list[str]) -> None:
        self.stage, self.run_id, self.kept, self.skipped = stage, run_id, kept, skipped
        super().__init__(self.line())

    def line(self) -> str:
        kept = ", ".join(self.kept) if self.kept else "nothing new"
        not_started = f"; not started: {', '.join(self.skipped)}" if self.skipped else ""
        return (
            f"stopped: {self.stage} run {self.run_id} interrupted and marked failed{not_started}; "
            f"kept: {kept} (every other table keeps its last complete load)"
        )


def exit_code() -> int:
    """128 + the signal received (130 SIGINT, 143 SIGTERM), as a shell reports it."""
    return 128 + (_received[0] if _received else signal.SIGINT)


@contextmanager
def stop_on_signals(hard_stop: Callable[[str], None]) -> Iterator[None]:
    """SIGINT and SIGTERM interrupt what runs inside; `hard_stop(why)` is called from the
    watcher if that has not ended after HARD_STOP_S (it should exit the process)."""
    _received.clear()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    previous_term = signal.signal(signal.SIGTERM, signal.default_int_handler)
    done = threading.Event()
    watcher = threading.Thread(target=_watch, args=(read_end, done, hard_stop), daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGTERM, previous_term)
        os.close(write_end)
        watcher.join(REPEAT_S * 2)
        os.close(read_end)


def _watch(read_end: int, done: threading.Event, hard_stop: Callable[[str], None]) -> None:
    while not _received:
        data = os.read(read_end, 64)
        if not data:  # the context ended: the pipe was closed
            return
        _received.extend(signum for signum in data if signum in STOP_SIGNALS)
    noticed = time.monotonic()
    while not done.wait(REPEAT_S):
        if time.monotonic() - noticed >= HARD_STOP_S:
            hard_stop(
                f"did not end within {HARD_STOP_S:g} s of {signal.Signals(_received[0]).name}"
            )
            return
        os.kill(os.getpid(), signal.SIGINT)  # once more: the first may have been swallowed


def stop_if_interrupted(result: ExecuteInProcessResult, stage: str, later: list[str]) -> None:
    """Raise RunInterrupted when a signal ended this stage's run (Dagster swallows it: the
    result only says the run failed, with reason UNEXPECTED_TERMINATION)."""
    if not (
        _received or any(_interrupted(event.event_specific_data) for event in _failures(result))
    ):
        return
    kept = sorted(
        {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}  # type: ignore[union-attr]
    )
    raise RunInterrupted(stage, result.run_id, kept, later)


def _failures(result: ExecuteInProcessResult) -> list:
    return [e for e in result.all_events if e.event_type == DagsterEventType.RUN_FAILURE]


def _interrupted(data: object) -> bool:
    return (
        isinstance(data, JobFailureData)
        and data.failure_reason == RunFailureReason.UNEXPECTED_TERMINATION
    )


def leave_now(why: str) -> None:
    """The last resort of a stop: one line, then exit without clean-up (the kernel releases the
    tenant's file lock)."""
    print(f"autonomos: stopped: {why}; exiting", file=sys.stderr, flush=True)
    exit_at_once()


def exit_at_once(code: int | None = None) -> None:
    """Exit (with exit_code() unless told) once what we wrote is flushed, skipping the
    interpreter's tear-down of torch, dlt and Dagster: seconds on a busy machine, and a stop is
    promised within seconds. Only for when nothing is left in flight."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code() if code is None else code)
