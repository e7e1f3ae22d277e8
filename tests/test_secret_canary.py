"""Canary secrets: a distinct made-up credential for every auth style the catalogue uses, runs
that fail in the ways that carry secrets (a rejected credential, an API echoing a masked key,
an unreachable endpoint), then every place a secret could come to rest is searched for the
canary and for any 6-character fragment of it: every file under AUTONOMOS_HOME (dlt's
pipelines with their pickled traces, state and load packages, gzip included; the DuckDB
warehouse, read through DuckDB; the compute logs in DAGSTER_HOME), every table of the
registry and of the Dagster instance's database, and everything the CLI printed. Files dlt
writes must not be readable by others."""

from __future__ import annotations

import gzip
import random
import socket
import stat
import string
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from autonomos_pipelines.aam.connections.secrets import secret_env_var
from autonomos_pipelines.cli.main import app
from autonomos_pipelines.core.database import get_engine, sqlalchemy_url
from autonomos_pipelines.core.instance_database import dagster_database_url
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.vault.keyring import Keyring, generate_key
from autonomos_pipelines.core.vault.store import SecretStore
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.instance import get_instance
from autonomos_pipelines.operations.onboarding import onboard_tenant

FRAGMENT = 6  # the shortest run of a secret's characters that must never be stored
BODY = 26  # random characters after a canary's provider-style prefix
_random = random.Random(16)
CANARIES: list[str] = []  # every random body handed out


def canary(prefix: str = "", suffix: str = "") -> str:
    """A provider-shaped value whose random body cannot occur anywhere by chance."""
    body = "".join(_random.choice(string.ascii_letters + string.digits) for _ in range(BODY))
    CANARIES.append(body)
    return prefix + body + suffix


# connector -> {secret name: canary}; one connector per auth style of the catalogue
REJECTED = {
    "stripe": {"api_key": canary("sk_test_")},  # bearer; the API echoes it masked
    "pipedrive": {"api_token": canary()},  # API key in the query string
    "mailchimp": {"username": canary(), "api_key": canary()},  # HTTP basic
    "salesforce": {  # OAuth2 refresh token
        "client_id": canary(),
        "client_secret": canary(),
        "refresh_token": canary(),
    },
    "dynamics365": {"client_id": canary(), "client_secret": canary()},  # client credentials
    "aws_cost": {"access_key_id": canary("AKIA"), "secret_access_key": canary()},  # SigV4
}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


DEAD = f"127.0.0.1:{closed_port()}"  # nothing listens there
# reached at that port; the secrets come from the tenant's vault
UNREACHABLE = {
    "stripe": {"api_key": canary("sk_live_")},
    "pipedrive": {"api_token": canary()},
    "mailchimp": {"username": canary(), "api_key": canary()},
    "postgres": {"database_url": canary("postgresql://loader:", f"@{DEAD}/billing")},
    "mongodb": {"connection_url": canary("mongodb://reader:", f"@{DEAD}/helpdesk")},
}


DATABASES = ("postgres", "mongodb")  # their URL is a secret; it names the dead port itself


def fragments(body: str) -> set[str]:
    """Every FRAGMENT-long run of a canary's random body (a provider prefix like sk_test_
    is not secret)."""
    return {body[i : i + FRAGMENT] for i in range(len(body) - FRAGMENT + 1)}


def cli(*args: str) -> str:
    """Run an `autonomos` command in this process; everything it printed."""
    result = CliRunner().invoke(app, list(args))
    return f"$ autonomos {' '.join(args)} -> {result.exit_code}\n{result.output}"


def readable_texts(home: Path) -> dict[str, str]:
    """Every file under AUTONOMOS_HOME as text (gzip unpacked; DuckDB read table by table)."""
    texts = {}
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        texts[str(path)] = data.decode("utf-8", "replace")
        if path.suffix == ".duckdb":
            texts[f"{path} (tables)"] = duckdb_text(path)
    return texts


def duckdb_text(path: Path) -> str:
    """Every row of every table (DuckDB compresses strings, so the bytes alone prove nothing),
    dlt's stored pipeline state decompressed."""
    import duckdb
    from dlt.common.versioned_state import decompress_state

    lines = []
    with duckdb.connect(str(path), read_only=True) as db:
        tables = db.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
        ).fetchall()
        for schema, table in tables:
            rows = db.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            lines += [repr(row) for row in rows]
            if table == "_dlt_pipeline_state":
                state = db.execute(f'SELECT state FROM "{schema}"."{table}"').fetchall()
                lines += [repr(decompress_state(value)) for (value,) in state]
    return "\n".join(lines)


def registry_text(settings: Settings) -> dict[str, str]:
    """Every row of every table of the registry database, as text."""
    return database_text(get_engine(settings), "registry")


def dagster_text(settings: Settings) -> dict[str, str]:
    """Every row of the Dagster instance's database: runs, event logs, ticks."""
    engine = sa.create_engine(sqlalchemy_url(dagster_database_url(settings)))
    try:
        return database_text(engine, "dagster")
    finally:
        engine.dispose()


def database_text(engine: sa.Engine, label: str) -> dict[str, str]:
    texts = {}
    with engine.connect() as db:
        tables = db.execute(
            sa.text(
                "SELECT schemaname, tablename FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )
        ).all()
        for schema, table in tables:
            rows = db.execute(sa.text(f'SELECT t::text FROM "{schema}"."{table}" t')).scalars()
            texts[f"{label} {schema}.{table}"] = "\n".join(rows)
    return texts


def leaks(texts: dict[str, str]) -> list[str]:
    """Where a canary, a 6-character fragment of one, or a masked echo of its tail shows."""
    found = []
    for number, body in enumerate(CANARIES):
        for where, text in texts.items():
            if body in text:
                found.append(f"canary {number} whole in {where}")
            elif any(piece in text for piece in fragments(body)):
                found.append(f"canary {number} fragment in {where}")
            elif any(f"{mask}{body[-4:]}" in text for mask in "*.…"):
                found.append(f"canary {number} masked tail in {where}")
    return found


def world_readable(home: Path) -> list[str]:
    """Files and folders dlt wrote (pipelines, warehouse) that others may read."""
    loose = []
    for top in (home / "dlt_pipelines", home / "warehouse"):
        for path in [top, *top.rglob("*")]:
            if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
                loose.append(f"{oct(stat.S_IMODE(path.stat().st_mode))} {path}")
    return loose


def onboard(settings: Settings, tenant: str, connectors: list[str], endpoints: dict) -> None:
    registry, instance = open_registry(settings), get_instance(settings)
    onboard_tenant(TenantId(tenant), connectors, endpoints, registry, instance, "test")


@pytest.mark.e2e
def test_no_canary_secret_comes_to_rest_after_failing_runs(env, monkeypatch, capfd):
    monkeypatch.setenv("AUTONOMOS_SECRET_KEY", generate_key())
    monkeypatch.setenv("DAGSTER_HOME", str(env.dagster_home))  # restored after the test
    for connector, values in REJECTED.items():
        for name, value in values.items():
            monkeypatch.setenv(secret_env_var("rejected", connector, name), value)
    settings = Settings.from_env()
    onboard(settings, "rejected", list(REJECTED), {})
    http_connectors = [name for name in UNREACHABLE if name not in DATABASES]
    onboard(
        settings, "offline", list(UNREACHABLE), dict.fromkeys(http_connectors, f"http://{DEAD}/")
    )
    store = SecretStore(get_engine(settings), Keyring.parse(settings.secret_key))
    for connector, values in UNREACHABLE.items():
        for name, value in values.items():
            store.set(TenantId("offline"), connector, name, value, "test")

    outputs = [cli("materialize", "rejected"), cli("materialize", "offline")]
    outputs.append(cli("drift", "observe"))
    captured = capfd.readouterr()

    # the faults happened: every load failed, Stripe echoed the key, the port refused
    assert all(" -> 1\n" in output for output in outputs[:2]), outputs
    assert "Invalid API Key provided" in outputs[0]
    assert "refused" in outputs[1].lower()
    texts = readable_texts(settings.home) | registry_text(settings) | dagster_text(settings)
    assert any("dagster public.event_logs" in where and text for where, text in texts.items())
    texts |= {"output": "\n".join(outputs), "stdout": captured.out, "stderr": captured.err}
    found = leaks(texts)
    assert not found, "\n".join(found)
    assert not world_readable(settings.home), "\n".join(world_readable(settings.home))
    dagster_home_mode = stat.S_IMODE(settings.dagster_home.stat().st_mode)
    assert not dagster_home_mode & 0o077, oct(dagster_home_mode)  # run storage, compute logs
