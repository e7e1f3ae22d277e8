"""What the terminal shows while a tenant is set up and materialised: one line per finished
stage or connector (counts and seconds) and, on a terminal, a live status line under them.
CI logs (not a TTY) get the same lines and no live line."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, TextIO

from rich.console import Console

log = logging.getLogger("autonomos.progress")  # every line also goes to the run's log file


class Progress:
    def __init__(self, stream: TextIO | None = None, live: bool | None = None):
        stream = stream or sys.stdout
        self.live = stream.isatty() if live is None else live
        self.console = Console(file=stream, highlight=False, soft_wrap=True)
        self.status: Any = None
        self.started = time.monotonic()
        self.stage_started = self.started

    def line(self, text: str) -> None:
        """One finished thing, kept on screen (above the live line)."""
        log.info(text)
        if self.live:
            self.console.print(text, markup=False)
        else:
            self.console.file.write(text + "\n")
            self.console.file.flush()

    def stage(self, name: str) -> None:
        """A new stage starts: its name on the live line; its seconds count from now."""
        self.stage_started = time.monotonic()
        self.now(name)

    def now(self, text: str) -> None:
        """What is in flight (live line only: a CI log would just repeat it)."""
        if not self.live:
            return
        if self.status is None:
            self.status = self.console.status(text)
            self.status.start()
        else:
            self.status.update(text)

    def done(self, text: str) -> None:
        """The stage in flight finished: a line with its seconds."""
        self.line(f"{text} ({time.monotonic() - self.stage_started:.1f} s)")

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None

    def info(self, message: str, *args: Any) -> None:
        """A logger's `info`, so a waiting loop can report here (e.g. the tenant's turn)."""
        self.line(message % args if args else message)
