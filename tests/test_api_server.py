"""`autonomos serve` as a real server: two uvicorn worker processes on a free loopback port,
the test's registry database and a real Redis; the approval comes from this test process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from autonomos_pipelines.core.cache import RedisCache
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.workflow import Workflow
from tests.api_fixtures import *  # noqa: F403
from tests.api_fixtures import ApiWorld

ROOT = Path(__file__).resolve().parents[1]
ACME = TenantId("acme")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(extra_env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """`autonomos serve --workers 2` with the test's environment; stopped (its whole process
    group) whatever happens."""
    port = free_port()
    env = {**os.environ, **extra_env, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "autonomos_pipelines.cli", "serve", "--port", str(port),
               "--workers", "2"]  # fmt: skip
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(server, base, log)
        yield server, base
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)


def wait_until_ready(server: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, f"server exited: {log.read_text()[-3000:]}"
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server not ready within 90 s: {log.read_text()[-3000:]}")


def ask(base: str, headers: dict[str, str], params: dict[str, str]) -> httpx.Response:
    """One lookup on a new connection, so the kernel may hand it to either worker."""
    response = httpx.get(f"{base}/v1/tenants/acme/lookup", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


def every_worker_hot(base: str, headers: dict[str, str], params: dict[str, str]) -> dict:
    """Ask until both workers answered from their cache; {pid: body}."""
    hot: dict[str, dict] = {}
    for _ in range(400):
        response = ask(base, headers, params)
        if response.headers["X-Lookup-Cache"] == "hit":
            hot[response.headers["X-Worker"]] = response.json()
        if len(hot) == 2:
            return hot
    raise AssertionError(f"only workers {sorted(hot)} answered from cache in 400 requests")


def test_approval_reaches_every_worker_within_a_second(
    api: ApiWorld, redis_url: str, tmp_path: Path
) -> None:
    found = api.client.app.state.services  # type: ignore[attr-defined]
    mappings = [m for m in found.registry.active_mappings(None) if m.canonical_field]
    m = mappings[0]
    target = next(f"{o.canonical_entity}.{o.canonical_field}" for o in mappings
                  if o.canonical_entity != m.canonical_entity)  # fmt: skip
    workflow = Workflow(Registry(found.engine, RedisCache(redis_url)))  # publishes on Redis
    ref = FieldRef(ACME, m.connector, m.source_table, m.source_field)
    proposed = workflow.propose(ref, target, 0.7, "rag", "system:dcl")
    params = {"connector": m.connector, "table": m.source_table, "field": m.source_field}
    headers = api.headers("viewer")
    with served({"REDIS_URL": redis_url}, tmp_path / "serve.log") as (_, base):
        before = every_worker_hot(base, headers, params)
        assert {body["id"] for body in before.values()} == {m.id}  # the baseline's, pending
        time.sleep(1.2)  # with Redis an entry outlives the 1 s of a server without it
        assert set(every_worker_hot(base, headers, params)) == set(before)
        workflow.approve(proposed, "alice")
        approved = time.monotonic()
        new_at: dict[str, float] = {}
        while len(new_at) < 2 and time.monotonic() - approved < 1.0:
            response = ask(base, headers, params)
            if response.json()["id"] == proposed:
                new_at.setdefault(response.headers["X-Worker"], time.monotonic() - approved)
            time.sleep(0.01)
        assert set(new_at) == set(before), f"workers seeing the approval within 1 s: {new_at}"
        assert ask(base, headers, params).json()["target"] == target


def test_sigterm_stops_the_server_and_every_worker(api: ApiWorld, tmp_path: Path) -> None:
    with served({}, tmp_path / "serve.log") as (server, base):
        children = psutil.Process(server.pid).children(recursive=True)
        workers = [c.pid for c in children if "spawn_main" in " ".join(c.cmdline())]
        assert len(workers) == 2, [c.cmdline() for c in children]
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0, (tmp_path / "serve.log").read_text()[-3000:]
        # uvicorn joined its workers before exiting; multiprocessing's resource tracker
        # follows once its pipe closes
        assert [pid for pid in workers if psutil.pid_exists(pid)] == []
        _, left = psutil.wait_procs(children, timeout=5)
        assert left == [], f"processes left after SIGTERM: {left}"
    assert "docs at http://127.0.0.1:" in (tmp_path / "serve.log").read_text()
