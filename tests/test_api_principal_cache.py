"""Verified tokens are answered from memory, and still end at once when revoked.

The revocation is made by a real `autonomos users token revoke` in another process; with Redis
its announcement reaches the API's memory within milliseconds, without Redis the memory holds
a token for one second at most."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from autonomos_pipelines.api.app import create_app
from autonomos_pipelines.api.common.principal_cache import LOCAL_SECONDS, VerifiedCache
from autonomos_pipelines.core.audit import Actor
from autonomos_pipelines.core.cache import LocalCache
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId

pytestmark = pytest.mark.postgres
ME = pwd.getpwuid(os.geteuid()).pw_name
LOOKUP = "/v1/tenants/acme/lookup?connector=hubspot&table=contacts&field=email"


def started(settings: Settings) -> tuple[TestClient, str]:
    client = TestClient(create_app(settings))
    client.__enter__()
    found = client.app.state.services  # type: ignore[attr-defined]
    found.workflow.set_role(ME, "admin", ME)
    found.registry.add_tenant(TenantId("acme"), {"hubspot": {}}, ME)
    token = found.identities.issue_token(ME, 1, Actor(ME), TenantId("acme"), ("read",)).token
    return client, token


def revoke_elsewhere(token: str) -> None:
    """`autonomos users token revoke` in its own process (the environment names the same
    registry and, if set, the same Redis)."""
    command = [sys.executable, "-m", "autonomos_pipelines.cli", "users", "token", "revoke"]
    done = subprocess.run([*command, token.split("_")[1]], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def seconds_until_refused(client: TestClient, token: str, limit: float) -> float:
    started_at = time.monotonic()
    while time.monotonic() - started_at < limit:
        answer = client.get(LOOKUP, headers={"Authorization": f"Bearer {token}"})
        if answer.status_code == 401:
            return time.monotonic() - started_at
        time.sleep(0.02)
    return float("inf")


def test_with_redis_another_process_revocation_ends_a_remembered_token_at_once(
    env, redis_url, monkeypatch
):
    monkeypatch.setenv("REDIS_URL", redis_url)
    client, token = started(Settings.from_env())
    try:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get(LOOKUP, headers=headers).status_code in (200, 404)
        principals = client.app.state.services.principals  # type: ignore[attr-defined]
        assert principals.lifetime == 60.0
        assert principals.get(token) is not None  # remembered: the next request reads nothing
        revoke_elsewhere(token)
        assert seconds_until_refused(client, token, 1.0) < 0.5
    finally:
        client.__exit__(None, None, None)


def test_without_redis_another_process_revocation_ends_it_within_a_second(env):
    client, token = started(env)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get(LOOKUP, headers=headers).status_code in (200, 404)
        revoke_elsewhere(token)
        assert seconds_until_refused(client, token, 2.0) <= LOCAL_SECONDS + 0.3
    finally:
        client.__exit__(None, None, None)


def test_the_memory_keeps_nothing_past_its_lifetime_the_token_or_a_forget():
    now = [100.0]
    memory: VerifiedCache[str] = VerifiedCache(LocalCache(), clock=lambda: now[0])
    generation = memory.generation()
    memory.put("atk_a_secret", "alice", valid_seconds=3600, generation=generation)
    memory.put("atk_b_secret", "bob", valid_seconds=0.2, generation=generation)  # expires soon
    now[0] += 0.5
    assert (memory.get("atk_a_secret"), memory.get("atk_b_secret")) == ("alice", None)
    now[0] += LOCAL_SECONDS
    assert memory.get("atk_a_secret") is None
    stale = memory.generation()
    memory.forget_all()  # a revocation announced while a verification was under way
    memory.put("atk_a_secret", "alice", valid_seconds=3600, generation=stale)
    assert memory.get("atk_a_secret") is None
    assert all("secret" not in key for key in memory._entries)  # hashes, never tokens
