"""API tokens: bound to a tenant and scopes within the user's role, refused by the CLI.

Issued through the real CLI (`autonomos users token issue`) on a real registry; used against
the real app (TestClient) on a probe route guarded like every tenant route."""

from __future__ import annotations

import os
import pwd

import pytest
import sqlalchemy as sa
from fastapi import APIRouter, Depends
from typer.testing import CliRunner

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.cli.main import app as cli_app
from tests.api_fixtures import *  # noqa: F403

pytestmark = pytest.mark.postgres
ME = pwd.getpwuid(os.geteuid()).pw_name


def cli(*args: str, **env: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli_app, list(args), env=env or None)


@pytest.fixture
def probed(api):  # type: ignore[no-untyped-def]
    """The app with one route that needs scope `review` in a tenant."""
    probe = APIRouter()

    @probe.get("/v1/tenants/{tenant}/probe")
    def who(access: Access = Depends(tenant_access("review"))) -> dict:
        return {"tenant": access.tenant_id, "actor": access.actor.describe()}

    api.client.app.include_router(probe)
    api.client.app.state.services.workflow.set_role(ME, "admin", "alice")
    return api


def test_the_cli_issues_api_tokens_only_within_the_users_role(probed):
    refused = cli("users", "token", "issue", "vic", "--tenant", "acme", "--scope", "review")
    assert refused.exit_code == 2
    assert "'vic' is viewer: a token of theirs cannot have scope 'review'" in refused.output
    everywhere = cli("users", "token", "issue", "rita", "--scope", "read")
    assert "only an admin's API token may cover every tenant" in everywhere.output
    unknown = cli("users", "token", "issue", "rita", "--tenant", "acme", "--scope", "write")
    assert "unknown scope 'write': use read, map, review, admin" in unknown.output
    assert (
        "no tenant 'nowhere'"
        in cli("users", "token", "issue", "rita", "--tenant", "nowhere").output
    )

    issued = cli("users", "token", "issue", "rita", "--tenant", "acme", "--scope", "review")
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert "for tenant acme [review]" in issued.stderr
    token_id = token.split("_")[1]
    listed = cli("users", "token", "list", "rita").output
    assert f"{token_id}  rita  valid" in listed and "api: acme [review]" in listed

    whoami = cli("users", "whoami", AUTONOMOS_TOKEN=token)
    assert whoami.exit_code == 2
    assert f"AUTONOMOS_TOKEN {token_id} is an API token (tenant acme, scopes review)" in (
        whoami.output
    )


def test_a_tenant_token_sees_its_tenant_with_its_scopes_only(probed):
    token = probed.issue("rita", "acme", ("read", "review"))
    mine = probed.client.get("/v1/tenants/acme/probe", headers=probed.bearer(token))
    assert mine.status_code == 200
    assert mine.json()["actor"] == f"rita (token {token.split('_')[1]})"

    other = probed.client.get("/v1/tenants/globex/probe", headers=probed.bearer(token))
    absent = probed.client.get("/v1/tenants/nobody/probe", headers=probed.bearer(token))
    assert other.status_code == absent.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["detail"] == "no tenant 'globex'"

    read_only = probed.issue("rita", "acme", ("read",))
    denied = probed.client.get("/v1/tenants/acme/probe", headers=probed.bearer(read_only))
    assert denied.status_code == 403 and "lacks scope 'review'" in denied.json()["detail"]

    everywhere = probed.issue("alice", None, ("review",))  # an admin's API token
    for tenant in ("acme", "globex"):
        seen = probed.client.get(f"/v1/tenants/{tenant}/probe", headers=probed.bearer(everywhere))
        assert seen.status_code == 200


def test_a_cli_token_is_refused_by_the_api(probed):
    found = probed.client.app.state.services
    cli_token = found.identities.issue_token("rita", 1, "alice").token  # no tenant, no scope
    refused = probed.client.get("/v1/tenants/acme/probe", headers=probed.bearer(cli_token))
    assert refused.status_code == 401
    assert f"the bearer token {cli_token.split('_')[1]} is a CLI token" in refused.json()["detail"]


def test_a_lowered_role_narrows_a_token_at_once_and_a_revocation_ends_it(probed):
    token = probed.issue("rita", "acme", ("review",))
    found = probed.client.app.state.services
    found.workflow.set_role("rita", "viewer", "alice")
    lowered = probed.client.get("/v1/tenants/acme/probe", headers=probed.bearer(token))
    assert lowered.status_code == 403 and "(has none)" in lowered.json()["detail"]

    found.workflow.set_role("rita", "reviewer", "alice")
    assert probed.client.get("/v1/tenants/acme/probe", headers=probed.bearer(token)).is_success
    found.identities.revoke_token(token.split("_")[1], "alice")
    revoked = probed.client.get("/v1/tenants/acme/probe", headers=probed.bearer(token))
    assert revoked.status_code == 401 and "is revoked" in revoked.json()["detail"]
    assert revoked.headers["www-authenticate"] == "Bearer"


def test_verifying_a_token_writes_last_use_at_most_once_a_minute(probed):
    token = probed.issue("rita", "acme", ("review",))
    engine = probed.client.app.state.services.engine
    for _ in range(3):
        probed.client.get("/v1/tenants/acme/probe", headers=probed.bearer(token))
    with engine.connect() as db:
        xmin = db.execute(
            sa.text("SELECT xmin::text FROM user_tokens WHERE token_id = :id"),
            {"id": token.split("_")[1]},
        ).scalar()
        used = db.execute(sa.text("SELECT last_used_at FROM user_tokens")).scalars().all()
    assert any(used)
    probed.client.get("/v1/tenants/acme/probe", headers=probed.bearer(token))
    with engine.connect() as db:
        assert (
            xmin
            == db.execute(
                sa.text("SELECT xmin::text FROM user_tokens WHERE token_id = :id"),
                {"id": token.split("_")[1]},
            ).scalar()
        )  # the row was not written again
