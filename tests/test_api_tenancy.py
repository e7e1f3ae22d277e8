"""Tenant isolation over HTTP, for every route under /v1/tenants/{tenant} the app has (read
from the app's OpenAPI document, so a route added later without a case here fails this test):

* a token bound to acme asking for globex gets 404, exactly as for a tenant nobody has;
* an id of a globex row, asked for through acme (even with the all-tenant admin token), gets
  the same 404 problem as an id nobody has: the bodies differ only in the id."""

from __future__ import annotations

import re

import pytest

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from tests.api_fixtures import *  # noqa: F403
from tests.api_seed import seed

pytestmark = pytest.mark.postgres

PREFIX = "/v1/tenants/{tenant}"
NOBODYS_ID = 9_000_000_000
ALL_SCOPES = ("read", "map", "review", "admin")
# which seeded row each id parameter names (see tests/api_seed.py)
ID_KINDS = {"mapping_id": "proposals", "event_id": "events", "value_id": "values"}
# path parameters that name no row (every tenant has them): a fixed value
FIXED = {"entity": "account", "connector": "hubspot", "table": "lead_forms"}
# a body each route accepts, so a refusal cannot come from validation instead of tenancy
BODIES = {
    "/map": {"fields": [{"source_system": "s", "source_entity": "e", "field": "f"}]},
    "/review/{mapping_id}/approve": {},
    "/review/{mapping_id}/reject": {"reason": "probe"},
    "/review/tables/{connector}/{table}/approve": {"dry_run": True},
    "/values/review/{value_id}/reject": {"reason": "probe"},
    "/mappings/proposals": {"connector": "hubspot", "table": "t", "field": "f", "target": None},
    "/mappings/rollback": {"connector": "hubspot", "table": "t", "field": "f", "version": 1},
    "/unify/{entity}/decisions": {"left": "hubspot:1", "right": "stripe:cus_1", "verdict": "same"},
    "/unify/{entity}/settings": {"upper": 0.9},
}
QUERIES = {"/mappings/history": {"connector": "hubspot", "table": "t", "field": "f"}}


def tenant_routes(app) -> list[tuple[str, str]]:
    # the OpenAPI document: FastAPI's own list of every route and method it serves
    found = [
        (method.upper(), path[len(PREFIX) :])
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(PREFIX + "/")
        for method in sorted(operations)
    ]
    assert len(found) >= 14, found  # every route of this issue's areas is registered
    return found


def id_params(path: str) -> list[str]:
    return [name for name in re.findall(r"{(\w+)}", path) if name not in FIXED]


def request(api, method: str, tenant: str, path: str, ids: dict[str, int], headers):
    url = f"/v1/tenants/{tenant}" + path.format(**FIXED, **ids)
    body = BODIES.get(path) if method in ("POST", "PUT", "PATCH") else None
    return api.client.request(method, url, json=body, params=QUERIES.get(path), headers=headers)


def test_a_token_of_acme_gets_404_for_every_globex_route(api):
    seeded = seed(api)
    acme_only = api.bearer(api.issue("alice", "acme", ALL_SCOPES))
    for method, path in tenant_routes(api.client.app):
        ids = {name: getattr(seeded, ID_KINDS[name])["globex"] for name in id_params(path)}
        theirs = request(api, method, "globex", path, ids, acme_only)
        nobodys = request(api, method, "nobody", path, ids, acme_only)
        assert theirs.status_code == 404, (method, path, theirs.text)
        assert theirs.headers["content-type"].startswith("application/problem+json")
        assert theirs.json()["detail"] == "no tenant 'globex'"
        assert nobodys.status_code == 404 and nobodys.json()["detail"] == "no tenant 'nobody'"
        # the tenant's own answer is not a 404: the token does work for acme
        own = request(api, method, "acme", path, {k: 1 for k in ids}, acme_only)
        assert own.status_code != 404 or ids, (method, path, own.text)


@pytest.mark.parametrize("token", ["acme-bound", "all-tenant admin"])
def test_another_tenants_id_is_not_found_exactly_as_nobodys(api, token):
    seeded = seed(api)
    headers = (
        api.bearer(api.issue("alice", "acme", ALL_SCOPES))
        if token == "acme-bound"
        else api.headers("admin")
    )
    id_routes = [(m, p) for m, p in tenant_routes(api.client.app) if id_params(p)]
    assert {name for _, p in id_routes for name in id_params(p)} <= set(ID_KINDS), (
        "a new id parameter: add the row kind it names to ID_KINDS and tests/api_seed.py"
    )
    assert len(id_routes) >= 4, id_routes
    for method, path in id_routes:
        names = id_params(path)
        theirs_ids = {n: getattr(seeded, ID_KINDS[n])["globex"] for n in names}
        nobodys_ids = dict.fromkeys(names, NOBODYS_ID)
        theirs = request(api, method, "acme", path, theirs_ids, headers)
        nobodys = request(api, method, "acme", path, nobodys_ids, headers)
        assert theirs.status_code == nobodys.status_code == 404, (method, path, theirs.text)
        assert theirs.headers["content-type"] == nobodys.headers["content-type"]
        shown_theirs = theirs.text.replace(str(theirs_ids[names[0]]), "ID")
        shown_nobodys = nobodys.text.replace(str(NOBODYS_ID), "ID")
        assert shown_theirs == shown_nobodys, (method, path)
        # and acme's own row of the same kind is found through the same route
        own_ids = {n: getattr(seeded, ID_KINDS[n])["acme"] for n in names}
        assert request(api, method, "acme", path, own_ids, headers).status_code != 404

    # nothing of globex was changed by the attempts
    found = api.client.app.state.services
    assert found.workflow.get(seeded.proposals["globex"])["status"] == "proposed"
    values = ValueWorkflow(found.workflow).store
    assert values.get(seeded.values["globex"], TenantId("globex"))["status"] == "proposed"
