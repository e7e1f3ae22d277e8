"""A long-running child (`dagster dev`) in a process group of its own, so that stopping us stops
everything it started: webserver, daemon, code servers and their run workers share the group
(Dagster starts them with no session of their own on POSIX)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL_S = 0.2
KILL_WAIT_S = 5  # how long the kernel gets to take SIGKILLed members away


def run_as_group(command: Sequence[str], env: Mapping[str, str], grace_s: float = 10) -> int:
    """Run `command` until it exits or we get SIGINT/SIGTERM/SIGHUP; a signal goes to the whole
    group, which has `grace_s` to shut down cleanly; then what is left of it (an orphaned code
    server, a run worker) gets SIGTERM and, `grace_s / 2` later, SIGKILL. Returns the child's
    exit code, or 128 + the signal that stopped us."""
    leader = subprocess.Popen(list(command), env=dict(env), start_new_session=True)
    received: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        received.append(signum)
        signal_group(leader.pid, signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED}
    try:
        while leader.poll() is None and not received:
            time.sleep(POLL_S)
        wait_for(leader, grace_s)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        stop_group(leader, grace_s / 2)
    return 128 + received[0] if received else leader.returncode


def wait_for(leader: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while leader.poll() is None and time.monotonic() < deadline:
        time.sleep(POLL_S)


def stop_group(leader: subprocess.Popen, grace_s: float) -> None:
    """SIGTERM what is left of the group, SIGKILL it after `grace_s`, reap the leader."""
    signal_group(leader.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while group_alive(leader) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    signal_group(leader.pid, signal.SIGKILL)
    leader.wait()
    # SIGKILL is delivered, not done: on a loaded machine a member can still be exiting
    # when we return, and whoever started us would see it running
    deadline = time.monotonic() + KILL_WAIT_S
    while group_alive(leader) and time.monotonic() < deadline:
        time.sleep(POLL_S / 4)


def group_alive(leader: subprocess.Popen) -> bool:
    leader.poll()  # reap the leader: a zombie would count as a member
    try:
        os.killpg(leader.pid, 0)
        return True
    except ProcessLookupError:
        return False


def signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except ProcessLookupError:  # the group is already gone
        pass
