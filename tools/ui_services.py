"""What the UI screenshots need running, and stopping all of it that we started: the embedded
PostgreSQL (pgserver, when it was not running), the sandbox APIs (when none answers) and a
Dagster webserver on the project's instance (no daemon: nothing runs behind the shots)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEV_LOCATION = "autonomos_pipelines.sandbox.definitions"  # as `autonomos ui` loads it
READY_SECONDS = 180  # a cold start imports the dev code location on a busy machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postmaster_pid(datadir: Path) -> int | None:
    """The pid of the PostgreSQL serving ``datadir``, if one is alive."""
    try:
        pid = int((datadir / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return pid


def stop_postmaster(pid: int) -> None:
    """pgserver's postmaster ignores SIGTERM; SIGINT is PostgreSQL's fast shutdown."""
    os.kill(pid, signal.SIGINT)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)


def has_assets(base_url: str) -> bool:
    """The webserver answers and its code location has loaded (it lists assets)."""
    query = b'{"query": "{ assetNodes { id } }"}'
    request = urllib.request.Request(
        f"{base_url}/graphql", data=query, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return bool(json.load(response)["data"]["assetNodes"])
    except (OSError, ValueError, KeyError, TypeError):  # not up, or the location not loaded
        return False


def wait_until_ready(base_url: str, webserver: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while not has_assets(base_url):
        if webserver.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the Dagster webserver did not come up; see {log}")
        time.sleep(1)


def stop_group(process: subprocess.Popen) -> None:
    """The webserver and its code server (its own process group): 10 s, then SIGKILL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@contextmanager
def running_services(log: Path) -> Iterator[str]:
    """The webserver's base URL, with the registry database and the sandbox up."""
    from autonomos_pipelines.cli.sandbox_cmd import start_sandbox_thread
    from autonomos_pipelines.core.settings import child_environment, get_settings
    from autonomos_pipelines.operations.instance import ensure_dagster_home

    settings = get_settings()
    postgres_before = postmaster_pid(settings.pg_datadir)
    sandbox = webserver = None
    try:
        ensure_dagster_home(settings)  # starts pgserver if it is not running
        sandbox = start_sandbox_thread(settings.sandbox_url)
        base_url = f"http://127.0.0.1:{free_port()}"
        command = [str(Path(sys.executable).with_name("dagster-webserver")), "-m", DEV_LOCATION]
        command += ["-h", "127.0.0.1", "-p", base_url.rsplit(":", 1)[1]]
        with log.open("wb") as output:
            webserver = subprocess.Popen(
                command,
                env=child_environment(settings),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_ready(base_url, webserver, log)
        yield base_url
    finally:
        if webserver is not None:
            stop_group(webserver)
        if sandbox is not None:
            sandbox.stop()
        postgres_now = postmaster_pid(settings.pg_datadir)
        if postgres_before is None and postgres_now is not None:
            stop_postmaster(postgres_now)
