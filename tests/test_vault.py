"""Tenant secrets: sealed with AES-256-GCM bound to tenant/connector/name, stored in real
Postgres, audited, rotated, and never shown — checked with a canary value everywhere."""

from __future__ import annotations

import logging
import subprocess

import pytest
import sqlalchemy as sa
from dagster import DagsterEventType, EventRecordsFilter, instance_for_test

from autonomos_pipelines.code_location import build_definitions
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.vault.keyring import Keyring, SecretUnreadable, generate_key
from autonomos_pipelines.core.vault.store import SecretStore
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions
from tests.test_cli import CLI

CANARY = "canary-credential-7f3a9c"  # a marker, not a secret: asserted absent everywhere


def keyring(*keys: str) -> Keyring:
    found = Keyring.parse(",".join(keys))
    assert found is not None
    return found


def test_sealed_values_open_only_for_their_own_tenant_connector_and_name():
    ring = keyring(generate_key())
    sealed = ring.seal(CANARY, "acme", "stripe", "api_key")
    assert CANARY.encode() not in sealed.ciphertext
    assert ring.open(sealed, "acme", "stripe", "api_key") == CANARY
    with pytest.raises(SecretUnreadable, match="moved from another tenant"):
        ring.open(sealed, "beta", "stripe", "api_key")
    with pytest.raises(SecretUnreadable, match="does not hold"):
        keyring(generate_key()).open(sealed, "acme", "stripe", "api_key")
    assert "Keyring(1 keys" in repr(ring)


@pytest.mark.parametrize(
    "bad",
    ["short", "not base64 at all!!", generate_key()[:-8]],
    ids=["short", "not-base64", "truncated"],
)
def test_a_malformed_key_is_refused_without_echoing_it(bad):
    with pytest.raises(ConfigError) as raised:
        Keyring.parse(f"{generate_key()},{bad}")
    assert "key 2 is not url-safe base64 of 32 bytes" in str(raised.value)
    assert bad not in str(raised.value)


def test_store_audits_every_access_rotates_keys_and_never_keeps_the_value(env):
    registry = open_registry(env)
    for tenant in ("acme", "beta"):
        registry.add_tenant(tenant, {"stripe": {}}, actor="t")
    old, new = generate_key(), generate_key()
    engine = get_engine(env)
    store = SecretStore(engine, keyring(old))
    store.set("acme", "stripe", "api_key", CANARY, "alice")
    assert store.reveal_all("acme", "stripe", "system:run") == {"api_key": CANARY}
    assert store.reveal_all("beta", "stripe", "system:run") == {}  # nothing foreign
    with engine.connect() as db:
        audited = db.execute(
            sa.text("SELECT action, actor, CAST(new_value AS text) FROM audit_log "
                    "WHERE object_type = 'secret' ORDER BY id")
        ).all()  # fmt: skip
        stored = db.execute(sa.text("SELECT CAST(ciphertext AS text) FROM tenant_secrets")).all()
    assert [(a, who) for a, who, _ in audited] == [
        ("secret.set", "alice"),
        ("secret.read", "system:run"),
    ]
    assert all(CANARY not in (text or "") for *_, text in audited)
    assert all(CANARY not in row[0] for row in stored)

    rotated = SecretStore(engine, keyring(new, old))
    assert rotated.rotate("alice") == 1
    (listed,) = rotated.list("acme")
    assert listed.key_id == rotated.keyring.current  # type: ignore[union-attr]
    assert SecretStore(engine, keyring(new)).reveal_all("acme", "stripe", "t") == {
        "api_key": CANARY
    }
    with engine.begin() as db:  # an operator copies acme's row onto beta
        db.execute(
            sa.text(
                "INSERT INTO tenant_secrets SELECT 'beta', connector, name, key_id, nonce, "
                "ciphertext, updated_at FROM tenant_secrets WHERE tenant_id = 'acme'"
            )
        )
    with pytest.raises(SecretUnreadable, match="beta/stripe"):
        SecretStore(engine, keyring(new)).reveal_all("beta", "stripe", "t")


def cli(args: list[str], stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        CLI + args, input=stdin, capture_output=True, text=True, timeout=120,
        env={**os.environ, **env},
    )  # fmt: skip


def test_secrets_cli_reads_the_value_from_stdin_and_never_prints_it(env, monkeypatch):
    monkeypatch.setenv("AUTONOMOS_SECRET_KEY", generate_key())
    assert cli(["tenants", "add", "acme", "--connectors", "stripe"]).returncode == 0
    stored = cli(["secrets", "set", "acme", "stripe", "api_key"], stdin=CANARY + "\n")
    assert stored.returncode == 0 and "stored acme/stripe.api_key" in stored.stdout
    listed = cli(["secrets", "list"])
    assert "acme" in listed.stdout and "api_key" in listed.stdout
    wrong = cli(["secrets", "set", "acme", "stripe", "password"], stdin="x")
    assert wrong.returncode == 2 and "stripe takes no secret 'password'" in wrong.stderr
    foreign = cli(["secrets", "set", "acme", "hubspot", "access_token"], stdin="x")
    assert foreign.returncode == 2 and "has no connector 'hubspot'" in foreign.stderr
    keyless = cli(["secrets", "set", "acme", "stripe", "api_key"], stdin="x",
                  AUTONOMOS_SECRET_KEY="")  # fmt: skip
    assert keyless.returncode == 2 and "AUTONOMOS_SECRET_KEY is not set" in keyless.stderr
    for result in (stored, listed, wrong, foreign, keyless):
        assert CANARY not in result.stdout + result.stderr


@pytest.mark.e2e
def test_a_run_uses_the_stored_secret_and_a_wrong_one_never_shows(
    env, sandbox, monkeypatch, caplog
):
    monkeypatch.setenv("AUTONOMOS_SECRET_KEY", generate_key())
    endpoint = f"{sandbox.url}/stripe/v1/"  # as a real endpoint: no sandbox keys injected
    # ... so the production definitions run it: nothing of the sandbox is plugged in
    with instance_for_test() as instance:
        registry = open_registry(env)
        onboard_tenant("acme", ["stripe"], {"stripe": endpoint}, registry, instance, "t")
        store = SecretStore.for_settings(Settings.from_env())
        store.set("acme", "stripe", "api_key", "sk_test_kNtaU4i5GpIpatEJc2vPjjeJ", "alice")
        assert run_tenant(build_definitions(), "acme", ["stripe"], instance, env).success

        store.set("acme", "stripe", "api_key", CANARY, "alice")  # revoked at the provider
        with caplog.at_level(logging.DEBUG):
            failed = run_tenant(build_definitions(), "acme", ["stripe"], instance, env)
        assert not failed.success and any("401" in f for f in failed.failures)
        records = instance.get_event_records(
            EventRecordsFilter(event_type=DagsterEventType.STEP_FAILURE)
        )
        shown = " ".join(failed.failures) + caplog.text + repr(records)
        assert CANARY not in shown


@pytest.mark.e2e
def test_a_refresh_token_rotated_by_the_provider_is_written_back_for_the_next_run(
    env, pristine, monkeypatch
):
    from autonomos_pipelines.sandbox.apis.salesforce import REFRESH_TOKEN

    monkeypatch.setenv("AUTONOMOS_SECRET_KEY", generate_key())
    salesforce = pristine.apis["salesforce"]
    salesforce.rotate_refresh_tokens = True  # each grant retires the token it was given
    with instance_for_test() as instance:
        registry = open_registry(env)
        onboard_tenant("acme", ["salesforce"], {}, registry, instance, "t")
        store = SecretStore.for_settings(Settings.from_env())
        store.set("acme", "salesforce", "refresh_token", REFRESH_TOKEN, "alice")
        assert run_tenant(sandbox_definitions(), "acme", ["salesforce"], instance, env).success
        kept = store.reveal_all("acme", "salesforce", "t")["refresh_token"]
        assert kept != REFRESH_TOKEN and kept in salesforce.refresh_tokens
        assert REFRESH_TOKEN not in salesforce.refresh_tokens  # the old one no longer works
        again = run_tenant(sandbox_definitions(), "acme", ["salesforce"], instance, env)
        assert again.success  # only possible with the written-back token
        with registry.engine.connect() as db:
            actors = db.execute(
                sa.text("SELECT DISTINCT actor FROM audit_log WHERE action = 'secret.set'")
            ).scalars()
            assert "system:oauth-rotation" in set(actors)
