"""Lookups over HTTP and the per-field cache behind them, on a real registry (PostgreSQL,
the global baseline loaded) and, for cross-process invalidation, a real Redis."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from autonomos_pipelines.core.cache import RedisCache
from autonomos_pipelines.core.database import admin_session, tenant_session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.field_lookup import FieldLookup
from autonomos_pipelines.dcl.registry.field_query import MANY_SQL, ONE_SQL
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.store import Mapping, Registry
from autonomos_pipelines.dcl.registry.workflow import Workflow
from tests.api_fixtures import *  # noqa: F403
from tests.api_fixtures import ApiWorld

ACME = TenantId("acme")


def baseline(api: ApiWorld) -> list[Mapping]:
    """Real baseline mappings that have a target, distinct tables (so overrides don't clash)."""
    mappings = api.client.app.state.services.registry.active_mappings(None)  # type: ignore[attr-defined]
    mapped = [m for m in mappings if m.canonical_field]
    assert len(mapped) > 20, "the baseline should hold hundreds of mappings"
    return mapped


def other_target(mappings: list[Mapping], than: Mapping) -> str:
    found = next(m for m in mappings if m.canonical_entity != than.canonical_entity)
    return f"{found.canonical_entity}.{found.canonical_field}"


def url(tenant: str = "acme") -> str:
    return f"/v1/tenants/{tenant}/lookup"


def params(m: Mapping) -> dict[str, str]:
    return {"connector": m.connector, "table": m.source_table, "field": m.source_field}


def test_lookup_answers_the_baseline_mapping_then_from_cache(api: ApiWorld) -> None:
    m = baseline(api)[0]
    first = api.client.get(url(), params=params(m), headers=api.headers("viewer"))
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["id"] == m.id and body["version"] == m.version
    assert body["target"] == f"{m.canonical_entity}.{m.canonical_field}"
    assert (body["method"], body["status"], body["transform"]) == (m.method, m.status, m.transform)
    assert body["confidence"] == m.confidence and body["scope"] == "global"
    assert first.headers["X-Lookup-Cache"] == "miss"
    upper = {**params(m), "table": m.source_table.upper()}  # tables compare case-insensitively
    again = api.client.get(url(), params=upper, headers=api.headers("viewer"))
    assert again.json() == body and again.headers["X-Lookup-Cache"] == "hit"


def test_tenant_override_beats_baseline_and_stays_in_its_tenant(api: ApiWorld) -> None:
    mappings = baseline(api)
    m = mappings[1]
    headers = api.headers("viewer")
    assert api.client.get(url(), params=params(m), headers=headers).json()["scope"] == "global"
    target = other_target(mappings, m)
    workflow = api.client.app.state.services.workflow  # type: ignore[attr-defined]
    ref = FieldRef(ACME, m.connector, m.source_table, m.source_field)
    workflow.edit(ref, target, "none", "alice")
    # the edit in this process dropped the cached answer at once
    acme = api.client.get(url(), params=params(m), headers=headers).json()
    assert (acme["scope"], acme["target"], acme["method"]) == ("tenant", target, "manual")
    everywhere = api.headers("admin")  # vic's token is acme's only
    globex = api.client.get(url("globex"), params=params(m), headers=everywhere).json()
    assert (globex["scope"], globex["id"]) == ("global", m.id)


def test_unknown_field_is_a_404_problem_naming_it(api: ApiWorld) -> None:
    asked = {"connector": "hubspot", "table": "contacts", "field": "no_such_field_xyz"}
    for _ in range(2):  # the second answer is the cached "no mapping"
        response = api.client.get(url(), params=asked, headers=api.headers("viewer"))
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "hubspot.contacts.no_such_field_xyz" in response.json()["detail"]
    assert response.headers["X-Lookup-Cache"] == "hit"


def test_batch_answers_in_request_order_with_nulls(api: ApiWorld) -> None:
    a, b = baseline(api)[2:4]
    unknown = {"connector": "stripe", "table": "charges", "field": "not_a_field"}
    fields = [params(b), unknown, params(a), {**params(a), "table": a.source_table.upper()}]
    response = api.client.post(url(), json={"fields": fields}, headers=api.headers("viewer"))
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["field"] for r in results] == [f["field"] for f in fields]
    assert [r["table"] for r in results] == [f["table"] for f in fields]
    assert [r["mapping"] and r["mapping"]["id"] for r in results] == [b.id, None, a.id, a.id]


def test_batch_over_the_limit_is_refused_naming_it(api: ApiWorld) -> None:
    fields = [{"connector": "hubspot", "table": "t", "field": f"f{i}"} for i in range(1001)]
    response = api.client.post(url(), json={"fields": fields}, headers=api.headers("viewer"))
    assert response.status_code == 422
    assert "body.fields" in response.json()["detail"] and "1000" in response.json()["detail"]


@pytest.mark.parametrize(
    ("asked", "where", "says"),
    [
        ({"connector": "Hub-Spot", "table": "t", "field": "f"}, "query.connector", "pattern"),
        ({"connector": "hubspot", "table": "", "field": "f"}, "query.table", "at least 1"),
        ({"connector": "hubspot", "table": "t", "field": "x" * 256}, "query.field", "at most"),
        ({"connector": "hubspot", "table": "t", "field": "a\x00b"}, "query.field", "NUL"),
        ({"connector": "hubspot", "table": "t"}, "query.field", "required"),
    ],
)
def test_bad_parameters_are_422_naming_where(
    api: ApiWorld, asked: dict, where: str, says: str
) -> None:
    response = api.client.get(url(), params=asked, headers=api.headers("viewer"))
    assert response.status_code == 422
    assert response.json()["detail"].startswith(where) and says in response.json()["detail"]


def test_lookup_in_an_unknown_tenant_is_404(api: ApiWorld) -> None:
    response = api.client.get(
        url("nobody"), params={"connector": "hubspot", "table": "t", "field": "f"},
        headers=api.headers("viewer"),
    )  # fmt: skip
    assert response.status_code == 404


def test_cold_lookup_is_one_index_scan_in_the_tenant_session(api: ApiWorld) -> None:
    m = baseline(api)[0]
    engine = api.client.app.state.services.engine  # type: ignore[attr-defined]
    asked = {"connector": m.connector, "source_table": m.source_table}
    with admin_session(engine) as connection:  # what autovacuum does to a live registry
        connection.execute(sa.text("ANALYZE field_mappings"))
    with tenant_session(engine, ACME) as connection:
        one = connection.execute(
            sa.text(f"EXPLAIN {ONE_SQL.text}"),
            {**asked, "source_field": m.source_field, "tenant_id": ACME},
        )
        many = connection.execute(
            sa.text(f"EXPLAIN {MANY_SQL.text}"),
            {"connectors": [m.connector] * 2, "tables": [m.source_table] * 2,
             "fields": [m.source_field, "x"], "tenant_id": ACME},
        )  # fmt: skip
        plans = ["\n".join(row[0] for row in plan) for plan in (one, many)]
    for plan in plans:
        assert "Index Scan using ix_field_mappings_active_field" in plan, plan
        # under RLS lower() (not leakproof) is a filter; connector and field probe the index
        assert "Index Cond: ((connector = " in plan and "(source_field = " in plan, plan
        assert "Seq Scan on field_mappings" not in plan, plan


def test_without_redis_an_entry_lives_one_second(api: ApiWorld) -> None:
    found = api.client.app.state.services  # type: ignore[attr-defined]
    now = [1000.0]
    lookups = FieldLookup(found.registry, clock=lambda: now[0])
    assert lookups.ttl_seconds == 1.0
    mappings = baseline(api)
    m = mappings[4]
    name = (m.connector, m.source_table, m.source_field)
    assert lookups.get(ACME, name) == (m, False)
    # "another process" writes: its own registry, whose invalidation cannot reach us
    elsewhere = Workflow(Registry(found.engine))
    target = other_target(mappings, m)
    elsewhere.edit(FieldRef(ACME, *name), target, "none", "alice")
    now[0] += 0.9
    assert lookups.get(ACME, name) == (m, True)  # within the second: the cached answer
    now[0] += 0.2
    fresh = lookups.get(ACME, name)
    assert not fresh.cached and fresh.mapping is not None
    assert f"{fresh.mapping.canonical_entity}.{fresh.mapping.canonical_field}" == target


def test_cache_is_bounded_least_recently_used_first(api: ApiWorld) -> None:
    found = api.client.app.state.services  # type: ignore[attr-defined]
    lookups = FieldLookup(found.registry, max_entries=3)
    names = [(m.connector, m.source_table, m.source_field) for m in baseline(api)[:4]]
    for name in names[:3]:
        lookups.get(ACME, name)
    assert lookups.get(ACME, names[0]).cached  # now the most recently used
    lookups.get(ACME, names[3])  # evicts names[1], the least recently used
    assert len(lookups) == 3
    assert lookups.get(ACME, names[0]).cached and not lookups.get(ACME, names[1]).cached


def test_with_redis_another_process_write_is_seen_within_a_second(
    api: ApiWorld, redis_url: str
) -> None:
    engine = api.client.app.state.services.engine  # type: ignore[attr-defined]
    here = Registry(engine, RedisCache(redis_url))
    lookups = FieldLookup(here)
    assert lookups.ttl_seconds == 300.0
    mappings = baseline(api)
    m = mappings[5]
    name = (m.connector, m.source_table, m.source_field)
    lookups.get(ACME, name)
    assert lookups.get(ACME, name).cached
    elsewhere = Workflow(Registry(engine, RedisCache(redis_url)))  # publishes on Redis
    target = other_target(mappings, m)
    elsewhere.edit(FieldRef(ACME, *name), target, "none", "alice")
    deadline = time.monotonic() + 1.0
    while lookups.get(ACME, name).cached and time.monotonic() < deadline:
        time.sleep(0.02)
    answer = lookups.get(ACME, name)
    assert answer.mapping is not None and answer.mapping.method == "manual"
    assert f"{answer.mapping.canonical_entity}.{answer.mapping.canonical_field}" == target
