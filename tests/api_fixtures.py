"""A real API on a test's own registry database: two tenants, users of each role, tokens.

Import the fixtures into a test module with `from tests.api_fixtures import *  # noqa`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from autonomos_pipelines.api.app import create_app
from autonomos_pipelines.core.audit import Actor
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.tokens import SCOPES

__all__ = ["ApiWorld", "api"]


@dataclass
class ApiWorld:
    client: TestClient
    settings: Settings
    tokens: dict[str, str]  # role -> an API token: alice's for every tenant, rita's and vic's
    # bound to acme with every scope their role allows

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def issue(self, user: str, tenant: str | None, scopes: tuple[str, ...]) -> str:
        """An API token of `user` for `tenant` (None: every tenant) with `scopes`."""
        found = self.client.app.state.services  # type: ignore[attr-defined]
        admin = Actor("alice", "alice", "os:alice")
        tenant_id = None if tenant is None else TenantId(tenant)
        return found.identities.issue_token(user, 1, admin, tenant_id, scopes).token

    def bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(env: Settings) -> Iterator[ApiWorld]:
    """Tenants `acme` and `globex` with the sandbox's hubspot and stripe connectors; users
    alice (admin), rita (reviewer), vic (viewer), each with an API token (see `tokens`)."""
    app = create_app(env)
    with TestClient(app) as client:
        found = app.state.services
        admin = Actor("alice", "alice", "os:alice")
        found.workflow.set_role("alice", "admin", admin)
        found.workflow.set_role("rita", "reviewer", admin)
        found.workflow.set_role("vic", "viewer", admin)
        for tenant in ("acme", "globex"):
            found.registry.add_tenant(TenantId(tenant), {"hubspot": {}, "stripe": {}}, admin)
        tokens = {
            role: found.identities.issue_token(user, 1, admin, tenant, scopes).token
            for role, user, tenant, scopes in (
                ("admin", "alice", None, SCOPES),
                ("reviewer", "rita", TenantId("acme"), ("read", "map", "review")),
                ("viewer", "vic", TenantId("acme"), ("read",)),
            )
        }
        yield ApiWorld(client, env, tokens)
