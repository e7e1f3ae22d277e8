"""Faults injected into real runs: nothing is lost, nothing is duplicated.

Every scenario ends with the tenant's raw and canonical tables compared with a clean run of the
same tenant (rows per table), and every table's rows equal to its distinct keys. Real
processes (`autonomos materialize` killed with SIGKILL), a registry PostgreSQL stopped and
started again, a redis-server killed, the sandbox APIs in storms of 5xx and 429, a truncated
page and an oversized body. Runtime on the 2-core machine: see the README's *Tests*."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import instance_for_test

from autonomos_pipelines.aam.http.http_client import MAX_RESPONSE_ENV
from autonomos_pipelines.core.database import dispose_engines
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import RunSummary, run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions
from tests.conftest import SERVICE_VARIABLES, create_database, start_redis
from tests.faults import CLI, Materialize, start_postgres, step_started, stop_postgres
from tests.faults import warehouse_counts as counted

pytestmark = pytest.mark.e2e
TENANT = "acme"
CONNECTORS = ["pipedrive", "stripe"]


def onboard(tenant: str = TENANT) -> None:
    added = subprocess.run(
        [*CLI, "tenants", "add", tenant, "--connectors", ",".join(CONNECTORS)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


def warehouse(settings: Settings, tenant: str = TENANT) -> Path:
    return settings.warehouse_dir / f"{tenant}.duckdb"


@pytest.fixture(scope="module")
def clean(tmp_path_factory, pg_root, sandbox) -> dict[str, int]:
    """Rows per table after one undisturbed run of the tenant (its own home and registry)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in SERVICE_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setenv("AUTONOMOS_HOME", str(tmp_path_factory.mktemp("clean")))
        patch.setenv("DATABASE_URL", create_database(pg_root, "clean"))
        patch.setenv("AUTONOMOS_SANDBOX_URL", sandbox.url)
        settings = Settings.from_env()
        with instance_for_test() as instance:
            onboard_tenant(TENANT, CONNECTORS, {}, open_registry(settings), instance, "t")
            summary = run_tenant(sandbox_definitions(), TENANT, CONNECTORS, instance, settings)
        assert summary.success, summary.failures
        rows, duplicated = counted(warehouse(settings))
        dispose_engines()
    assert not any(duplicated.values()) and rows["canonical.account"] > 0
    return rows


def assert_as_clean(settings: Settings, clean: dict[str, int]) -> None:
    rows, duplicated = counted(warehouse(settings))
    assert rows == clean
    assert {table: n for table, n in duplicated.items() if n} == {}


def rerun() -> Materialize:
    again = Materialize(TENANT)
    assert again.finish() == 0, again.output[-3000:]
    return again


def test_kill_9_mid_load_and_mid_canonical_build_then_rerun_matches_a_clean_run(
    env, pristine, clean
):
    onboard()
    pristine.controls.configure("stripe", {"latency_s": 0.3})  # its pages trickle in
    began = time.time()
    first = Materialize(TENANT)
    first.wait_for(step_started("raw_stripe"))
    while not _stripe_requests(pristine, 2, since=began):
        time.sleep(0.05)
    first.kill()  # pipedrive committed, stripe half-extracted
    pristine.controls.reset()
    rerun()
    assert_as_clean(env, clean)

    second = Materialize(TENANT)
    second.wait_for(step_started("canonical__account"))
    second.kill()
    assert "canonical__web_traffic - STEP_SUCCESS" not in second.output  # mid-build indeed
    rerun()
    assert_as_clean(env, clean)


def _stripe_requests(sandbox, at_least: int, since: float) -> bool:  # type: ignore[no-untyped-def]
    log = list(sandbox.controls.log)
    return sum(1 for item in log if item.api == "stripe" and item.at >= since) >= at_least


@pytest.fixture
def own_postgres(monkeypatch) -> Iterator[object]:
    """A registry PostgreSQL this test may stop and start (the session one serves others)."""
    import pgserver

    directory = tempfile.mkdtemp(prefix="fpg")
    server = pgserver.get_server(Path(directory) / "pg", cleanup_mode="stop")
    monkeypatch.setenv("DATABASE_URL", server.get_uri())
    yield server
    dispose_engines()
    server.cleanup()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def own_redis(monkeypatch) -> Iterator[subprocess.Popen]:
    """A redis-server this test may kill; REDIS_URL points at it."""
    process, url = start_redis()
    monkeypatch.setenv("REDIS_URL", url)
    yield process
    process.kill()
    process.wait(5)


@pytest.mark.postgres
@pytest.mark.redis
def test_redis_killed_mid_run_degrades_and_the_registry_restarted_loses_nothing(
    env, pristine, clean, own_postgres, own_redis, monkeypatch
):
    settings = Settings.from_env()  # the test's own registry and Redis
    onboard()
    pristine.controls.configure("stripe", {"latency_s": 0.2})
    redis_lost = Materialize(TENANT)
    redis_lost.wait_for(step_started("raw_stripe"))
    own_redis.kill()
    assert redis_lost.finish() == 0, redis_lost.output[-3000:]  # Redis is a cache: no data
    assert "cannot use REDIS_URL=redis://127.0.0.1" in redis_lost.output
    assert_as_clean(settings, clean)

    refused = subprocess.run([*CLI, "materialize", TENANT], capture_output=True, text=True)
    assert refused.returncode == 2  # Redis down when a run starts: one line, nothing done
    assert refused.stderr.strip().startswith("autonomos: error: cannot use REDIS_URL=")
    monkeypatch.delenv("REDIS_URL")

    registry_lost = Materialize(TENANT)
    registry_lost.wait_for(step_started("raw_stripe"))
    stop_postgres(own_postgres)
    try:
        assert registry_lost.finish(timeout=240) != 0  # ends, does not hang
    finally:
        start_postgres(own_postgres)
    pristine.controls.reset()
    rerun()
    assert_as_clean(settings, clean)


def test_a_faulty_connector_fails_alone_and_loses_nothing(env, pristine, clean, monkeypatch):
    """5xx and 429 storms, a truncated page, an oversized body: each on one connector while
    the other loads; the faulty one's raw tables keep their last good load, the canonical
    tables are rebuilt from it (the next good run loading every record once is
    tests/test_payload_faults.py's)."""
    faults = [
        ("stripe", {"failure_rate": 1.0, "fail_status": 503}, "503"),
        ("pipedrive", {"failure_rate": 1.0, "fail_status": 429}, "429"),
        ("stripe", {"corrupt_after": 1}, "JSON"),
        ("pipedrive", {"pad_bytes": 300_000}, MAX_RESPONSE_ENV),
    ]
    monkeypatch.setenv(MAX_RESPONSE_ENV, "0.25")  # a clean page is a few KB
    with instance_for_test() as instance:
        onboard_tenant(TENANT, CONNECTORS, {}, open_registry(env), instance, "t")

        def run() -> RunSummary:
            return run_tenant(sandbox_definitions(), TENANT, CONNECTORS, instance, env)

        assert run().success
        assert_as_clean(env, clean)
        for connector, behaviour, named in faults:
            pristine.controls.configure(connector, behaviour)
            summary = run()
            pristine.controls.reset()
            assert [f.split(":")[0] for f in summary.failures] == [f"raw_{connector}"]
            assert named in summary.failures[0]
            assert summary.canonical_rows == _canonical(clean)  # from the last good load
            assert_as_clean(env, clean)


def _canonical(rows: dict[str, int]) -> dict[str, int]:
    return {name.split(".")[1]: n for name, n in rows.items() if name.startswith("canonical.")}


@pytest.mark.redis
def test_a_lost_redis_costs_speed_not_the_run(own_redis, caplog):
    """The cache reads through to PostgreSQL and the buckets go per process, each with one
    warning naming REDIS_URL, instead of every later call raising ConnectionError."""
    from autonomos_pipelines.aam.http.rate_limit import RedisLimiter
    from autonomos_pipelines.core.cache import RedisCache

    url = os.environ["REDIS_URL"]
    cache, limiter = RedisCache(url), RedisLimiter(url)
    cache.set("autonomos:acme:k", [1])
    assert cache.get("autonomos:acme:k") == [1] and limiter.wait_time("b", 0, 1) == 0
    own_redis.kill()
    own_redis.wait(5)
    for _ in range(2):
        assert cache.get("autonomos:acme:k") is None  # PostgreSQL answers from now on
        cache.set("autonomos:acme:k", [2])
        assert cache.delete_prefix("autonomos:acme:") == 0
        assert limiter.wait_time("b", 1, 1) >= 0
        limiter.pause("b", 0.01)
    lost = [r.getMessage() for r in caplog.records if "REDIS_URL" in r.getMessage()]
    assert len(lost) == 2 and lost[0].startswith(f"cannot use REDIS_URL={url}: lost")
