"""The local production stack the scale-out benchmarks start: processes in their own process
group (stopped with everything they started), an embedded PostgreSQL with fresh databases, and
a redis-server as Celery broker."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start ``command`` in a session of its own, its output in ``log``."""
    with log.open("wb") as handle:
        return subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    """The process and everything it started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def wait_for(check: Callable[[], object], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.3)
    raise SystemExit(f"{what} did not come up within {seconds:.0f} s")


def start_redis(env: dict[str, str], work: Path) -> tuple[subprocess.Popen, str]:
    """A redis-server on a free port, nothing persisted; the process and its URL."""
    port = free_port()
    redis_bin = shutil.which("redis-server") or "redis-server"
    command = [redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no"]  # fmt: skip
    return spawn(command, env, work / "redis.log"), f"redis://127.0.0.1:{port}/0"


def start_postgres(work: Path):  # type: ignore[no-untyped-def]
    """An embedded PostgreSQL (pgserver) under ``work``; stop it with ``.cleanup()``."""
    import pgserver

    return pgserver.get_server(work / "pg", cleanup_mode="stop")


def fresh_database(root: str, name: str) -> str:
    """Drop and create database ``name`` on the server at ``root``; its URL."""
    import psycopg

    with psycopg.connect(root, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return root.replace("/postgres?", f"/{name}?")
