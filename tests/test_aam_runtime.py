"""AAM runtime against the sandbox: client rate limits and Retry-After measured at the server,
retries under injected 5xx, OAuth token refresh mid-load, incremental loads."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import dlt
import pytest

from autonomos_pipelines.aam.adapters.factory import build_source
from autonomos_pipelines.aam.http.http_client import (
    RequestStats,
    ResponseTooLarge,
    RetryPolicy,
    Throttle,
    guarded_session,
)
from autonomos_pipelines.aam.http.rate_limit import RedisLimiter, acquire, limiter_for
from autonomos_pipelines.aam.http.session import http_runtime
from autonomos_pipelines.aam.specs.spec_loader import get_spec, parse_spec
from tests.runtime import sandboxed

FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)


@pytest.fixture(autouse=True)
def calm_sandbox(sandbox):
    sandbox.controls.reset()
    yield
    sandbox.controls.reset()
    for api in sandbox.apis.values():
        api.reset()


def run(spec, env, tenant, runtime=None, pipeline_name=None):
    connection = sandboxed(env).connection(spec, tenant, {})
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name or f"{tenant}_{spec.name}",
        destination=dlt.destinations.duckdb(str(env.home / f"{tenant}.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(env.home / "pipelines"),
    )
    pipeline.run(build_source(spec, connection, runtime))
    return pipeline.last_trace.last_normalize_info.row_counts


def requests_at(sandbox, api: str, since: float) -> list[tuple[float, int]]:
    return [(r.at, r.status) for r in sandbox.controls.log if r.api == api and r.at >= since]


def with_changes(name: str, **changes):
    data = get_spec(name).model_dump(by_alias=True, exclude_none=True)
    data.update(changes)
    return parse_spec(data, f"{name} (test copy)")


def test_client_rate_limit_holds_at_the_server(env, sandbox):
    spec = with_changes("pipedrive", rate_limit={"requests_per_second": 8, "burst": 1})
    for resource in spec.resources:
        resource.endpoint.params["limit"] = 10  # many small pages: 36 requests
    start = time.time()
    counts = run(spec, env, "rl")
    times = [at for at, _ in requests_at(sandbox, "pipedrive", start)]
    assert counts["deals"] == len(sandbox.apis["pipedrive"].data["deals"])
    busiest = max(sum(1 for t in times if s <= t < s + 1.0) for s in times)
    assert len(times) >= 30 and busiest <= 9  # 8/s plus one boundary request


def test_server_429_retry_after_is_honoured(env, sandbox):
    sandbox.controls.configure("stripe", {"requests_per_second": 2})
    spec = get_spec("stripe")
    for resource in spec.resources:
        resource.endpoint.params["limit"] = 40
    start = time.time()
    counts = run(spec, env, "ra", http_runtime(spec, "ra", policy=FAST))
    log = requests_at(sandbox, "stripe", start)
    assert counts["invoices"] == len(sandbox.apis["stripe"].data["invoices"])
    throttled = [at for at, status in log if status == 429]
    assert throttled, "the sandbox should have answered 429"
    for at in throttled:
        following = [t for t, _ in log if t > at]
        assert not following or min(following) - at >= 0.9  # Retry-After: 1


def test_injected_5xx_are_retried_with_backoff(env, sandbox):
    sandbox.controls.configure("hubspot", {"fail_next": 3, "fail_status": 503})
    spec = get_spec("hubspot")
    runtime = http_runtime(spec, "r5", policy=FAST)
    counts = run(spec, env, "r5", runtime)
    assert counts["companies"] == len(sandbox.apis["hubspot"].data["companies"])
    assert runtime.stats.server_errors == 3 and runtime.stats.retries == 3


def test_retries_give_up_with_the_apis_error(env, sandbox):
    sandbox.controls.configure("hubspot", {"fail_next": 50, "fail_status": 502})
    spec = get_spec("hubspot")
    with pytest.raises(Exception, match="502"):
        run(spec, env, "gu", http_runtime(spec, "gu", policy=FAST))


@pytest.mark.parametrize(
    ("connector", "token_path"),
    [
        ("salesforce", "/salesforce/services/oauth2/token"),
        ("dynamics365", "/dynamics365/autonomos-demo.onmicrosoft.com/oauth2/v2.0/token"),
    ],
)
def test_expired_access_tokens_are_refreshed_mid_load(env, sandbox, connector, token_path):
    api = sandbox.apis[connector]
    api.token_ttl_requests = 2  # type: ignore[attr-defined]
    before = sandbox.request_counts[token_path]
    try:
        counts = run(get_spec(connector), env, f"tok{connector}")
    finally:
        api.token_ttl_requests = 40  # type: ignore[attr-defined]
    assert counts["accounts"] == len(
        api.data["Account" if connector == "salesforce" else "accounts"]
    )
    assert sandbox.request_counts[token_path] - before >= 3


@pytest.mark.parametrize(
    ("connector", "resource", "table"),
    [
        ("zendesk", "tickets", "tickets"),
        ("salesforce", "Account", "accounts"),
    ],
)
def test_incremental_loads_fetch_only_new_records(env, sandbox, connector, resource, table):
    spec = get_spec(connector)
    first = run(spec, env, "inc")
    assert first[table] == len(sandbox.apis[connector].data[resource])
    sandbox.apis[connector].grow(resource, 4)
    second = run(spec, env, "inc")
    assert second[table] == 4


@pytest.mark.redis
def test_redis_token_bucket_is_shared_between_clients(redis_url):
    key = f"autonomos:t:ratelimit:shared{time.time_ns()}"
    limiters = [RedisLimiter(redis_url), RedisLimiter(redis_url)]
    start = time.monotonic()
    threads = [
        threading.Thread(target=lambda lim=lim: [acquire(lim, key, 10, 2) for _ in range(6)])
        for lim in limiters
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    assert elapsed >= (12 - 2) / 10 * 0.9  # 12 requests, burst 2, 10/s, shared


@pytest.mark.redis
def test_redis_pause_holds_every_client(redis_url):
    key = f"autonomos:t:ratelimit:pause{time.time_ns()}"
    RedisLimiter(redis_url).pause(key, 0.5)
    assert RedisLimiter(redis_url).wait_time(key, 0, 1) > 0.3


def test_a_tenants_connectors_share_its_api_calls_per_minute(env, sandbox):
    stripe = with_changes("stripe", rate_limit={"requests_per_second": 25, "burst": 25})
    pipedrive = with_changes("pipedrive", rate_limit={"requests_per_second": 25, "burst": 25})
    for spec in (stripe, pipedrive):
        for resource in spec.resources:
            resource.endpoint.params["limit"] = 10  # many small pages
    # one tenant, two connectors, each allowed 25/s alone: together 10/s (600 per minute)
    loads = [
        threading.Thread(
            target=run,
            args=(
                spec,
                env,
                f"tq_{spec.name}",
                http_runtime(spec, "tq", tenant_calls_per_minute=600),
            ),
        )
        for spec in (stripe, pipedrive)
    ]
    start = time.time()
    for load in loads:
        load.start()
    for load in loads:
        load.join()
    times = sorted(
        at for api in ("stripe", "pipedrive") for at, _ in requests_at(sandbox, api, start)
    )
    busiest = max(sum(1 for t in times if s <= t < s + 1.0) for s in times)
    apis = {api for api in ("stripe", "pipedrive") if requests_at(sandbox, api, start)}
    assert len(times) >= 50 and apis == {"stripe", "pipedrive"}
    assert busiest <= 21  # 10/s with a burst of 10, plus one boundary request


class _Streaming(BaseHTTPRequestHandler):
    """Answers 3 MB without a Content-Length (HTTP/1.0, read until close), as streamed
    exports and misbehaving proxies do."""

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        for _ in range(3 * 16):
            self.wfile.write(b"x" * 65536)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.mark.parametrize("limit_mb, refused", [(1, True), (4, False)])
def test_bodies_over_the_size_limit_are_refused_while_read(limit_mb, refused):
    server = HTTPServer(("127.0.0.1", 0), _Streaming)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/export?api_key=secret-in-query"
    policy = RetryPolicy(max_response_bytes=limit_mb * 1024 * 1024)
    session = guarded_session(Throttle(limiter_for(None), "k"), policy, RequestStats())
    try:
        if refused:
            with pytest.raises(ResponseTooLarge, match="larger than 1 MB") as raised:
                session.get(url)
            assert "secret-in-query" not in str(raised.value)
        else:
            assert len(session.get(url).content) == 3 * 1024 * 1024
    finally:
        server.shutdown()
