"""Broken and oversized payloads fail the one connector that got them, with an error naming
what is wrong, and load nothing of it: the raw tables keep their last good load, the next
good run loads every record once. Real sandbox HTTP API (truncated JSON mid-pagination,
oversized bodies), dlt, DuckDB, Dagster."""

from __future__ import annotations

import duckdb
import pytest
from dagster import instance_for_test

from autonomos_pipelines.aam.http.http_client import MAX_RESPONSE_ENV
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import RunSummary, run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions

pytestmark = pytest.mark.e2e
TENANT = "faults"
MARKER = "second_load_marker"


def raw_state(env, connector: str) -> tuple[int, int, set[str]]:  # type: ignore[no-untyped-def]
    """(loads recorded, deals rows, deals columns) of the tenant's raw dataset."""
    with duckdb.connect(str(env.warehouse_dir / f"{TENANT}.duckdb"), read_only=True) as db:
        loads = db.execute(f"SELECT count(*) FROM raw_{connector}._dlt_loads").fetchone()[0]  # type: ignore[index]
        if connector != "pipedrive":
            return loads, 0, set()
        rows = db.execute("SELECT count(*) FROM raw_pipedrive.deals").fetchone()[0]  # type: ignore[index]
        columns = {r[0] for r in db.execute("DESCRIBE raw_pipedrive.deals").fetchall()}
    return loads, rows, columns


@pytest.fixture
def faulty(env, pristine):  # type: ignore[no-untyped-def]
    """A tenant with a first good load of pipedrive and stripe; the sandbox's controls and
    data are restored afterwards."""
    with instance_for_test() as instance:
        onboard_tenant(TENANT, ["pipedrive", "stripe"], {}, open_registry(env), instance, "t")

        def run(connectors: list[str]) -> RunSummary:
            return run_tenant(sandbox_definitions(), TENANT, connectors, instance, env)

        assert run(["pipedrive", "stripe"]).success
        for deal in pristine.apis["pipedrive"].data["deals"]:
            deal[MARKER] = "only in the broken load"
        try:
            yield run
        finally:
            pristine.controls.reset()


def test_a_truncated_page_fails_its_connector_and_loads_nothing_of_it(env, pristine, faulty):
    before = raw_state(env, "pipedrive")
    stripe_loads = raw_state(env, "stripe")[0]
    pristine.controls.configure("pipedrive", {"corrupt_after": 1})  # the 2nd answer is cut
    summary = faulty(["pipedrive", "stripe"])
    assert not summary.success
    assert len(summary.failures) == 1 and summary.failures[0].startswith("raw_pipedrive")
    line = summary.failures[0]
    assert "malformed JSON" in line  # named as such, with the URL of the page, not its query
    assert f"GET {pristine.url}/pipedrive/v1/" in line and " answered 200 " in line, line
    assert "api_token" not in line and "?" not in line.split(" answered ")[0]
    assert raw_state(env, "pipedrive") == before  # no load, no new column, no rows
    assert MARKER not in before[2]
    assert raw_state(env, "stripe")[0] == stripe_loads + 1  # the other connector loaded

    pristine.controls.reset()
    assert faulty(["pipedrive"]).success  # nothing half-extracted is replayed
    loads, rows, columns = raw_state(env, "pipedrive")
    assert loads == before[0] + 1 and MARKER in columns
    assert rows == before[1]  # merged on the key: every deal once


def test_an_oversized_response_is_refused_by_name(env, pristine, faulty, monkeypatch):
    before = raw_state(env, "pipedrive")
    monkeypatch.setenv(MAX_RESPONSE_ENV, "0.002")  # 2 KB: every pipedrive page is over
    summary = faulty(["pipedrive"])
    assert not summary.success
    message = summary.failures[0]
    assert message.startswith("raw_pipedrive") and MAX_RESPONSE_ENV in message
    assert "larger than 0.002 MB" in message and "api_token" not in message
    assert raw_state(env, "pipedrive") == before
