"""OIDC bearer JWTs against the real app, and an OIDC reviewer deciding through the workflow.

The identity provider is a local HTTP server on a free loopback port (it stands for a real
OIDC provider: its openid-configuration and its JWKS), signing with an RSA key made here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from autonomos_pipelines.api.common.auth import Access, tenant_access
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.settings import OidcSettings, Settings
from autonomos_pipelines.dcl.registry.refs import FieldRef
from tests.api_fixtures import *  # noqa: F403
from tests.test_api_auth import assert_problem, probed_app

AUDIENCE = "autonomos-api"
PROBE = "/v1/tenants/acme/probe"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class IdentityProvider:
    """A local stand-in for an OIDC provider: discovery document and JWKS over real HTTP."""

    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    kid: str = "key-1"
    hits: Counter = field(default_factory=Counter)
    url: str = ""

    def jwks(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def mint(self, key: Any = None, headers: dict | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.url, "aud": AUDIENCE, "sub": "u-123", "iat": now, "exp": now + 300}
        body |= {"preferred_username": "olga", "tenant": "acme", "roles": "read review"}
        body |= claims
        body = {name: value for name, value in body.items() if value is not None}
        signing_key = key or self.key
        return jwt.encode(body, signing_key, "RS256", headers={"kid": self.kid, **(headers or {})})


@pytest.fixture
def idp() -> Iterator[IdentityProvider]:
    provider = IdentityProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            provider.hits[self.path] += 1
            documents = {
                "/.well-known/openid-configuration": {"issuer": provider.url,
                                                      "jwks_uri": f"{provider.url}/jwks"},
                "/jwks": provider.jwks(),
            }  # fmt: skip
            payload = json.dumps(documents.get(self.path, {})).encode()
            self.send_response(200 if self.path in documents else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield provider
    server.shutdown()
    server.server_close()


def oidc_client(api, idp: IdentityProvider, **oidc: Any) -> TestClient:  # type: ignore[no-untyped-def]
    settings = OidcSettings(issuer=idp.url, audience=AUDIENCE, **oidc)
    return TestClient(probed_app(api.settings, oidc=settings))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(idp: IdentityProvider, header: dict, secret: bytes | None) -> str:
    """A JWT PyJWT refuses to make: `alg: none`, or HS256 keyed with the public key."""
    now = int(time.time())
    claims = {"iss": idp.url, "aud": AUDIENCE, "sub": "x", "iat": now, "exp": now + 300,
              "tenant": "acme", "roles": ["admin"]}  # fmt: skip
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    if secret is None:
        return signing_input + "."
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.mark.postgres
def test_a_valid_jwt_proves_its_tenant_and_scopes_and_keys_are_fetched_once(api, idp):
    with oidc_client(api, idp) as client:
        for _ in range(3):
            seen = client.get(PROBE, headers=api.bearer(idp.mint()))
            assert seen.status_code == 200, seen.text
        assert seen.json() == {"tenant": "acme", "actor": "olga (OIDC 127.0.0.1)"}
        other = client.get("/v1/tenants/globex/probe", headers=api.bearer(idp.mint()))
        assert_problem(other, 404, "no tenant 'globex'")
        reader = client.get(PROBE, headers=api.bearer(idp.mint(roles=["read", "wizard"])))
        assert_problem(reader, 403, "olga (OIDC 127.0.0.1) lacks scope 'review'", "(has read)")
        nameless = client.get(PROBE, headers=api.bearer(idp.mint(preferred_username=None)))
        assert nameless.json()["actor"] == "u-123 (OIDC 127.0.0.1)"
    assert idp.hits == {"/.well-known/openid-configuration": 1, "/jwks": 1}


@pytest.mark.postgres
def test_an_admin_jwt_without_a_tenant_sees_every_tenant_others_need_one(api, idp):
    with oidc_client(api, idp, tenant_claim="org", roles_claim="groups") as client:
        admin = idp.mint(groups=["admin"], tenant=None)
        for tenant in ("acme", "globex"):
            assert client.get(f"/v1/tenants/{tenant}/probe", headers=api.bearer(admin)).is_success
        reviewer = idp.mint(groups="reviewer", tenant=None)
        refused = client.get(PROBE, headers=api.bearer(reviewer))
        assert_problem(refused, 403, "no 'org' claim (AUTONOMOS_OIDC_TENANT_CLAIM)")
        in_org = client.get(PROBE, headers=api.bearer(idp.mint(groups="reviewer", org="acme")))
        assert in_org.is_success


@pytest.mark.postgres
def test_each_bad_jwt_is_a_401_with_its_reason_and_never_echoed(api, idp):
    public_pem = idp.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    cases = {
        idp.mint(iss="https://evil.example"): "is from another issuer (expected http://127.0.0.1",
        idp.mint(aud="another-app"): "is for another audience (this API is 'autonomos-api'",
        idp.mint(exp=int(time.time()) - 120): "has expired",
        idp.mint(nbf=int(time.time()) + 600): "is not valid yet",
        idp.mint(exp=None): "lacks the 'exp' claim",
        idp.mint(key=new_key()): "has a bad signature",
        idp.mint(headers={"kid": "key-9"}): "is signed by an unknown key id",
        idp.mint(tenant="Not A Tenant!"): "'tenant' claim is not a tenant id",
        unsigned(idp, {"alg": "none", "kid": "key-1"}, None): "algorithm 'none' is not allowed",
        unsigned(idp, {"alg": "HS256", "kid": "key-1"}, public_pem): "'HS256' is not allowed",
        "abc.def.ghi": "is malformed",
    }
    with oidc_client(api, idp) as client:
        for token, reason in cases.items():
            refused = client.get(PROBE, headers=api.bearer(token))
            assert_problem(refused, 401, reason)
            assert refused.headers["www-authenticate"] == "Bearer"
            assert token.split(".")[1] not in refused.text
        assert client.app.state.calls == 0  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_unreachable_keys_are_a_503_naming_the_variable(api, idp):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/jwks"
    with oidc_client(api, idp, jwks_url=closed) as client:
        refused = client.get(PROBE, headers=api.bearer(idp.mint()))
        assert_problem(refused, 503, f"AUTONOMOS_OIDC_JWKS_URL={closed}", "cannot be fetched")
    idp.url = "http://127.0.0.1:9"  # discovery: the issuer itself is named
    with oidc_client(api, idp) as client:
        refused = client.get(PROBE, headers=api.bearer(idp.mint()))
        assert_problem(refused, 503, "AUTONOMOS_OIDC_ISSUER=http://127.0.0.1:9")


@pytest.mark.postgres
def test_an_oidc_reviewer_approves_and_the_audit_names_principal_and_credential(api, idp):
    """olga has no users row: her JWT's roles decide. A JWT viewer named like a table
    reviewer (rita) is refused: the claims decide, never a row that shares the name."""
    found = api.client.app.state.services  # type: ignore[attr-defined]
    ref = FieldRef("acme", "hubspot", "leads", "email_address")  # nothing feeds it yet
    proposals = [found.workflow.propose(ref, "contact.email", 0.7, "rag", "system:dcl")]
    app = probed_app(api.settings, oidc=OidcSettings(issuer=idp.url, audience=AUDIENCE))
    decide = APIRouter()

    @decide.post("/v1/tenants/{tenant}/approve/{mapping_id}")
    def approve(mapping_id: int, access: Access = Depends(tenant_access("read"))) -> dict:
        return found.workflow.approve(mapping_id, access.actor)

    app.include_router(decide)
    with TestClient(app) as client:
        as_rita = idp.mint(preferred_username="rita", roles="read")
        refused = client.post(
            f"/v1/tenants/acme/approve/{proposals[0]}", headers=api.bearer(as_rita)
        )
        assert_problem(refused, 403, "'rita' may not approve", "(has none)")
        approved = client.post(f"/v1/tenants/acme/approve/{proposals[0]}",
                               headers=api.bearer(idp.mint()))  # fmt: skip
        assert approved.status_code == 200, approved.text
    assert found.workflow.get(proposals[0])["status"] == "active"
    with found.engine.connect() as db:
        rows = db.execute(
            sa.text("""SELECT action, actor, credential FROM audit_log
                       WHERE action LIKE 'mapping.approve%' ORDER BY id""")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("mapping.approve.refused", "rita", "oidc:127.0.0.1"),
        ("mapping.approve", "olga", "oidc:127.0.0.1"),
    ]

    # the CLI path is unchanged: the name alone, without a users row, may not decide
    second = found.workflow.propose(ref, "contact.first_name", 0.7, "rag", "system:dcl")
    with pytest.raises(Exception, match="'olga' may not approve"):
        found.workflow.approve(second, "olga")


def test_oidc_settings_need_an_audience_and_default_their_claims():
    base = {"AUTONOMOS_HOME": "/tmp/x", "AUTONOMOS_OIDC_ISSUER": "https://idp.example"}
    with pytest.raises(ConfigError, match="AUTONOMOS_OIDC_AUDIENCE is required"):
        Settings.from_values(base)
    parsed = Settings.from_values(base | {"AUTONOMOS_OIDC_AUDIENCE": "api"}).oidc
    assert parsed == OidcSettings("https://idp.example", "api", None, "tenant", "roles")
    assert Settings.from_values({"AUTONOMOS_HOME": "/tmp/x"}).oidc is None
    with pytest.raises(ConfigError, match="AUTONOMOS_OIDC_JWKS_URL='file:///etc/passwd'"):
        Settings.from_values(
            base | {"AUTONOMOS_OIDC_AUDIENCE": "a", "AUTONOMOS_OIDC_JWKS_URL": "file:///etc/passwd"}
        )
