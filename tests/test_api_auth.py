"""Refusals at the API's door: missing and bad tokens (401), rate limits per token (429,
shared through a real Redis), body limits (413, 422), unknown paths and methods (404, 405).

Every refusal is an RFC 9457 problem document. The app is the real one (TestClient, or a real
uvicorn on a free loopback port where a chunked body must really arrive in chunks), with probe
routes guarded like every tenant route, since the real routes are written elsewhere."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
import redis
import sqlalchemy as sa
import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.testclient import TestClient

from autonomos_pipelines.aam.http.rate_limit import limiter_for
from autonomos_pipelines.api.app import create_app
from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.api.common.limits import bucket_key
from tests.api_fixtures import *  # noqa: F403

pytestmark = pytest.mark.postgres
PROBLEM = "application/problem+json"


def probed_app(settings, **overrides) -> FastAPI:  # type: ignore[no-untyped-def]
    """The real app on `settings` (with `overrides`), plus probe routes: GET needs scope
    `review` in a tenant; POST .../echo-json parses a JSON body; POST .../echo-raw reads a
    body as bytes. `app.state.calls` counts the probe handlers that got their body."""
    app = create_app(replace(settings, **overrides))
    app.state.calls = 0
    probe = APIRouter()

    @probe.get("/v1/tenants/{tenant}/probe")
    def who(access: Access = Depends(tenant_access("review"))) -> dict:
        app.state.calls += 1
        return {"tenant": access.tenant_id, "actor": access.actor.describe()}

    @probe.post("/v1/tenants/{tenant}/echo-json")
    def echo_json(body: dict, access: Access = Depends(tenant_access("map"))) -> dict:
        app.state.calls += 1
        return {"keys": sorted(body)}

    @probe.post("/v1/tenants/{tenant}/echo-raw")
    async def echo_raw(request: Request) -> dict:
        size = len(await request.body())
        app.state.calls += 1  # after the body: a refused one never gets here
        return {"size": size}

    app.include_router(probe)
    return app


@contextmanager
def client_of(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def assert_problem(response, status: int, *phrases: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["instance"]
    for phrase in phrases:
        assert phrase in body["detail"], body["detail"]
    return body


# 401 -------------------------------------------------------------------------------------------
def test_no_bearer_token_is_a_401_problem_asking_for_one(api):
    with client_of(probed_app(api.settings)) as client:
        for headers in ({}, {"Authorization": "Basic YTpi"}, {"Authorization": "Bearer  "}):
            refused = client.get("/v1/tenants/acme/probe", headers=headers)
            assert_problem(refused, 401, "no bearer token", "Authorization: Bearer <token>")
            assert refused.headers["www-authenticate"] == "Bearer"
        assert client.app.state.calls == 0  # type: ignore[attr-defined]


def test_each_bad_token_is_refused_with_its_reason_and_never_echoed(api):
    expired = api.issue("rita", "acme", ("review",))
    revoked = api.issue("rita", "acme", ("review",))
    found = api.client.app.state.services  # type: ignore[attr-defined]
    with found.engine.begin() as db:
        db.execute(
            sa.text(
                "UPDATE user_tokens SET expires_at = now() - interval '1 hour' WHERE token_id = :i"
            ),
            {"i": expired.split("_")[1]},
        )
    found.identities.revoke_token(revoked.split("_")[1], "alice")
    genuine = api.issue("rita", "acme", ("review",))
    forged = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
    unknown = "atk_000000000000_" + "x" * 43
    cases = {
        "nonsense-token": "is not a token (expected atk_<id>_<secret>)",
        unknown: "is not valid",
        forged: "is not valid",
        expired: f"{expired.split('_')[1]} is expired",
        revoked: f"{revoked.split('_')[1]} is revoked",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln": "is a JWT, but this API accepts none",
    }
    with client_of(probed_app(api.settings)) as client:
        for token, reason in cases.items():
            refused = client.get("/v1/tenants/acme/probe", headers=api.bearer(token))
            assert_problem(refused, 401, reason)
            assert refused.headers["www-authenticate"] == "Bearer"
            secret = token.split("_", 2)[-1] if token.startswith("atk_") else token
            assert secret not in refused.text
        assert client.get("/v1/tenants/acme/probe", headers=api.bearer(genuine)).is_success


# 429 -------------------------------------------------------------------------------------------
def test_a_token_over_its_rate_is_refused_with_retry_after_and_others_are_not(api):
    first, second = (api.issue("rita", "acme", ("review",)) for _ in range(2))
    app = probed_app(api.settings, api_rate_per_minute=60, api_rate_burst=2)
    with client_of(app) as client:
        granted = [client.get("/v1/tenants/acme/probe", headers=api.bearer(first)) for _ in "ab"]
        assert all(response.is_success for response in granted)
        refused = client.get("/v1/tenants/acme/probe", headers=api.bearer(first))
        assert_problem(refused, 429, "over its limit of 60 requests per minute", "retry in 1 s")
        assert refused.headers["retry-after"] == "1"
        # the token's secret, whole: its own base64 may hold `_`, and a last piece of it as
        # short as "M" is in any text
        assert first.split("_", 2)[-1] not in refused.text
        assert client.get("/v1/tenants/acme/probe", headers=api.bearer(second)).is_success
        time.sleep(1.05)  # one request per second refills
        assert client.get("/v1/tenants/acme/probe", headers=api.bearer(first)).is_success


def test_the_rate_limit_is_shared_by_workers_through_redis(api, redis_url):
    """Two apps on one Redis stand for two API workers: a token's bucket is one for both."""
    token = api.issue("rita", "acme", ("review",))
    limited = {"redis_url": redis_url, "api_rate_per_minute": 1, "api_rate_burst": 3}
    with client_of(probed_app(api.settings, **limited)) as one:
        with client_of(probed_app(api.settings, **limited)) as two:
            probe = "/v1/tenants/acme/probe"
            assert one.get(probe, headers=api.bearer(token)).is_success
            assert two.get(probe, headers=api.bearer(token)).is_success
            assert one.get(probe, headers=api.bearer(token)).is_success
            refused = two.get(probe, headers=api.bearer(token))
            assert_problem(refused, 429, "over its limit of 1 requests per minute")
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert one.get(probe, headers=api.bearer(token)).status_code == 429

            key = bucket_key(f"token:{token.split('_')[1]}")
            store = redis.Redis.from_url(redis_url)
            assert store.exists(key)  # the bucket lives in Redis, not in either process
            store.delete(key)
            assert two.get(probe, headers=api.bearer(token)).is_success


def test_with_redis_a_worker_leases_requests_and_the_shared_limit_still_holds(api, redis_url):
    """3,000 a minute: leases of 5. Two apps on one Redis (two workers): 16 requests take 4
    round trips, not 16, and together they still get no more than the shared bucket holds."""
    token = api.issue("rita", "acme", ("review",))
    limited = {"redis_url": redis_url, "api_rate_per_minute": 3000, "api_rate_burst": 20}
    calls = []
    limiter = limiter_for(redis_url)
    real = limiter.wait_time
    limiter.wait_time = lambda *a, **k: calls.append(a) or real(*a, **k)  # type: ignore[method-assign]
    probe = "/v1/tenants/acme/probe"
    try:
        with client_of(probed_app(api.settings, **limited)) as one:
            with client_of(probed_app(api.settings, **limited)) as two:
                started = time.monotonic()
                first = [
                    c.get(probe, headers=api.bearer(token)) for _ in range(8) for c in (one, two)
                ]
                assert all(answer.is_success for answer in first)
                assert len(calls) <= 6  # two leases of 5 per worker (a third if one went stale)
                answers = [
                    c.get(probe, headers=api.bearer(token)).status_code
                    for _ in range(40)
                    for c in (one, two)
                ]
                refilled = 50 * (time.monotonic() - started)
    finally:
        del limiter.wait_time
    assert 429 in answers
    assert answers.count(200) + 16 <= 20 + refilled + 1


# 413, 422 --------------------------------------------------------------------------------------
def test_a_declared_body_over_the_limit_is_refused_before_the_app_runs(api):
    token = api.issue("rita", "acme", ("map",))
    with client_of(probed_app(api.settings, api_max_body_kb=1)) as client:
        small = client.post("/v1/tenants/acme/echo-json", json={"a": 1}, headers=api.bearer(token))
        assert small.json() == {"keys": ["a"]}
        big = {"field": "x" * 2000}
        refused = client.post("/v1/tenants/acme/echo-json", json=big, headers=api.bearer(token))
        assert_problem(refused, 413, "of 2,", "over the limit of 1 KiB (AUTONOMOS_API_MAX_BODY_KB)")
        anonymous = client.post("/v1/tenants/acme/echo-raw", content=b"y" * 1025)
        assert_problem(anonymous, 413, "of 1,025 bytes")
        assert client.app.state.calls == 1  # type: ignore[attr-defined]


def test_json_nested_too_deep_is_a_422_problem_before_parsing(api):
    token = api.issue("rita", "acme", ("map",))
    with client_of(probed_app(api.settings)) as client:
        deep = '{"a": ' + "[" * 65 + "]" * 65 + "}"
        refused = client.post(
            "/v1/tenants/acme/echo-json",
            content=deep,
            headers={**api.bearer(token), "Content-Type": "application/json"},
        )
        assert_problem(refused, 422, "request body: JSON nested deeper than 64")
        fine = '{"a": ' + "[" * 60 + "]" * 60 + "}"
        accepted = client.post(
            "/v1/tenants/acme/echo-json",
            content=fine,
            headers={**api.bearer(token), "Content-Type": "application/json"},
        )
        assert accepted.json() == {"keys": ["a"]}


@contextmanager
def served(app: FastAPI) -> Iterator[int]:
    """`app` on a real uvicorn in this process, on a free loopback port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


def post_chunked(port: int, path: str, chunks: list[bytes], headers: dict) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", path, body=iter(chunks), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    answer = (response.status, response.getheader("content-type"), response.read().decode())
    connection.close()
    return answer


@pytest.mark.parametrize("content_type", ["application/octet-stream", "application/json"])
def test_a_chunked_body_is_counted_as_it_streams_and_cut_off_at_the_limit(api, content_type):
    token = api.issue("rita", "acme", ("map",))
    app = probed_app(api.settings, api_max_body_kb=1)
    path = "/v1/tenants/acme/echo-" + ("json" if content_type.endswith("json") else "raw")
    headers = {**api.bearer(token), "Content-Type": content_type}
    with served(app) as port:
        small = [b'{"a": "', b"z" * 300, b'", ', b'"b": 2}']
        status, _, body = post_chunked(port, path, small, headers)
        assert status == 200, body
        assert body == (
            '{"keys":["a","b"]}' if "json" in path else f'{{"size":{len(b"".join(small))}}}'
        )

        big = [b'{"a": "'] + [b"z" * 400] * 4 + [b'"}']
        status, media_type, body = post_chunked(port, path, big, headers)
        assert (status, media_type) == (413, PROBLEM), body
        assert "request body sent in chunks is over the limit of 1 KiB" in body
    assert app.state.calls == 1


# 404, 405 --------------------------------------------------------------------------------------
def test_unknown_paths_and_methods_are_problem_documents(api):
    missing = api.client.get("/v1/no-such-thing")
    assert_problem(missing, 404, "Not Found")
    wrong_method = api.client.delete("/healthz")
    assert_problem(wrong_method, 405, "Method Not Allowed")
    assert wrong_method.headers["allow"] == "GET"


def test_the_openapi_document_declares_the_bearer_scheme_on_guarded_routes(api):
    app = probed_app(api.settings)
    document = TestClient(app).get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["paths"]["/v1/tenants/{tenant}/probe"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in document["paths"]["/healthz"]["get"]
