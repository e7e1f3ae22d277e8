"""Shared fixtures: one real PostgreSQL (pgserver) per session, a fresh database per test,
the sandbox HTTP APIs on 127.0.0.1, and an isolated AUTONOMOS_HOME per test.

Markers tell the truth: a test that uses PostgreSQL or Redis is marked so from the fixtures it
uses, and a test that runs a Dagster job in-process without the e2e marker fails, so
``-m "not postgres and not redis and not e2e"`` runs only what needs none of them."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

# each test session (each xdist worker too) counts metrics in a folder of its own (set before
# any metric is imported)
if not os.environ.get("AUTONOMOS_METRICS_DIR") or os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["AUTONOMOS_METRICS_DIR"] = tempfile.mkdtemp(prefix="autonomos-metrics-")
    atexit.register(shutil.rmtree, os.environ["AUTONOMOS_METRICS_DIR"], True)

from autonomos_pipelines.core.database import dispose_engines  # noqa: E402
from autonomos_pipelines.core.settings import Settings  # noqa: E402
from autonomos_pipelines.sandbox.server import SandboxServer  # noqa: E402
from resources import env_variables, from_environment  # noqa: E402

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
_database_numbers = itertools.count()
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "WAREHOUSE_URL",
    "REDIS_URL",
    "DAGSTER_HOME",
    "DAGSTER_PG_URL",
    "AUTONOMOS_HOME",
    "AUTONOMOS_SANDBOX_URL",
)


@pytest.fixture(scope="session")
def pg_root() -> Iterator[str]:
    """A pgserver PostgreSQL 16 + pgvector in a short temp dir (Unix socket path limits)."""
    import pgserver

    directory = tempfile.mkdtemp(prefix="apg")
    server = pgserver.get_server(Path(directory) / "pg", cleanup_mode="stop")
    yield server.get_uri()
    server.cleanup()
    shutil.rmtree(directory, ignore_errors=True)


def create_database(root_uri: str, prefix: str, template: str | None = None) -> str:
    """A fresh database on the session's server (a copy of ``template``'s, if given)."""
    import psycopg

    # unique even when this module is imported twice (as `conftest` and as `tests.conftest`,
    # each with its own counter)
    name = f"{prefix}_{os.getpid()}_{next(_database_numbers)}_{uuid.uuid4().hex[:6]}"
    copy = f" TEMPLATE {template}" if template else ""
    with psycopg.connect(root_uri, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}{copy}")
    return root_uri.replace("/postgres?", f"/{name}?")


@pytest.fixture(scope="session")
def dagster_template(pg_root: str) -> str:
    """A Dagster database whose tables are built once per session (about 3 s); each test's
    Dagster database is a copy of it (about 0.1 s). Nothing may stay connected to it."""
    from dagster_postgres import DagsterPostgresStorage

    url = create_database(pg_root, "dagtpl")
    storage = DagsterPostgresStorage(url)
    for part in (storage.run_storage, storage.event_log_storage, storage.schedule_storage):
        part.dispose()  # its engines: a template must have no connection left
    return url.split("?", 1)[0].rsplit("/", 1)[1]


def create_dagster_database(pg_root: str, template: str) -> str:
    """DAGSTER_PG_URL of a test's own Dagster instance: its runs show in no other test.
    Spelled for psycopg2, as the instance exports it (see core/instance_database.py), so a
    test may open the instance with DagsterInstance.get() too; `libpq_url` for psycopg."""
    url = create_database(pg_root, "dag", template)
    return "postgresql+psycopg2://" + url.split("://", 1)[1]


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def env(
    tmp_path: Path,
    pg_root: str,
    dagster_template: str,
    sandbox: SandboxServer,
    monkeypatch,
) -> Iterator[Settings]:
    """Isolated settings: own AUTONOMOS_HOME, own registry and Dagster databases, the
    session sandbox."""
    for name in SERVICE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTONOMOS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DATABASE_URL", create_database(pg_root, "reg"))
    monkeypatch.setenv("DAGSTER_PG_URL", create_dagster_database(pg_root, dagster_template))
    monkeypatch.setenv("AUTONOMOS_SANDBOX_URL", sandbox.url)
    for name in env_variables(from_environment()):  # what the resources' EnvVars read
        if name not in os.environ:
            monkeypatch.setenv(name, "")
    yield Settings.from_env()
    dispose_engines()  # each test has its own database: its pooled connections go with it


def start_redis() -> tuple[subprocess.Popen, str]:
    """A real redis-server on a free loopback port, answering; the caller stops it."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return process, url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a free loopback port (REDIS_URL wins if set)."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    process, url = start_redis()
    yield url
    process.terminate()
    process.wait(5)


@pytest.fixture
def pristine(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """The session sandbox, with every API's data restored after the test mutates it."""
    yield sandbox
    for api in sandbox.apis.values():
        api.reset()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the services its fixtures start."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "pg_root" in fixtures:
            item.add_marker(pytest.mark.postgres)
        if "redis_url" in fixtures:
            item.add_marker(pytest.mark.redis)


@pytest.fixture(autouse=True)
def dagster_runs_need_the_e2e_marker(request, monkeypatch):
    """An in-process Dagster run in a test not marked e2e fails the test, by name."""
    if request.node.get_closest_marker("e2e"):
        return
    from dagster import JobDefinition

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        pytest.fail(f"{request.node.nodeid} runs a Dagster job: mark it e2e")

    monkeypatch.setattr(JobDefinition, "execute_in_process", refuse)
