"""The `autonomos` command: bad input and missing services give one clear line, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autonomos_pipelines.core.vault.keyring import generate_key

CLI = [sys.executable, "-m", "autonomos_pipelines.cli"]


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        CLI + args, capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )


@pytest.mark.parametrize("name", ["acme; DROP TABLE tenants", "../../etc/passwd", "Acme", "a__b"])
def test_hostile_tenant_name_is_rejected_in_one_line(env, name):
    result = run(["tenants", "add", name, "--connectors", "stripe"])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autonomos: error: invalid tenant name")
    assert not (env.home / "files").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["secrets", "set", "{name}", "stripe", "api_key"],
        ["tenants", "quota", "{name}"],
        ["tenants", "quota", "{name}", "llm_calls_per_month", "5"],
        ["materialize", "{name}"],
        ["drift", "list", "--tenant", "{name}"],
        ["secrets", "list", "--tenant", "{name}"],
    ],
)
def test_every_command_taking_a_tenant_refuses_a_hostile_name(env, command):
    name = "acme'; DROP TABLE tenants; --"
    key = generate_key()
    result = run([part.format(name=name) for part in command], AUTONOMOS_SECRET_KEY=key)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().startswith("autonomos: error: invalid tenant name")


def test_unknown_connector_is_named(env):
    result = run(["tenants", "add", "acme", "--connectors", "stripe,salesforse"])
    assert result.returncode == 2 and "unknown connector 'salesforse'" in result.stderr


def test_unreachable_database_is_one_line_naming_the_variable(env):
    result = run(["tenants", "list"], DATABASE_URL="postgresql://x:pw@127.0.0.1:1/db")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "autonomos: error: cannot use DATABASE_URL=postgresql://x:***@127.0.0.1:1/db: cannot "
        + result.stderr.split(": cannot ", 2)[2].strip()
    ]
    assert "Traceback" not in result.stderr


def test_bad_warehouse_url_scheme(env):
    result = run(["tenants", "list"], WAREHOUSE_URL="mysql://x/y")
    assert result.returncode == 2 and "WAREHOUSE_URL must be a postgresql:// URL" in result.stderr


def test_tenants_add_then_list(env):
    added = run(["tenants", "add", "acme", "--connectors", "stripe,filesource"])
    assert added.returncode == 0, added.stderr
    assert not (env.home / "sandbox").exists()  # onboarding writes no demo files
    listed = run(["tenants", "list"])
    assert listed.stdout.strip() == (
        "acme: filesource (sandbox), stripe (sandbox); refresh: no cadence"
    )


def test_connectors_list_shows_the_catalogue_with_kinds():
    result = run(["connectors", "list"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]
    assert len(lines) >= 15
    salesforce = next(line for line in lines if line.startswith("salesforce"))
    assert "custom" in salesforce and "opportunity" in salesforce


def test_connectors_scaffold_writes_a_valid_spec_and_refuses_to_overwrite(tmp_path):
    written = run(["connectors", "scaffold", "acme_api", "--directory", str(tmp_path)])
    assert written.returncode == 0, written.stderr
    check = run(["connectors", "validate", str(tmp_path / "acme_api.json")])
    assert check.returncode == 0 and "generic_rest" in check.stdout
    again = run(["connectors", "scaffold", "acme_api", "--directory", str(tmp_path)])
    assert again.returncode == 2 and "already exists" in again.stderr
    hostile = run(["connectors", "scaffold", "../evil", "--directory", str(tmp_path)])
    assert hostile.returncode == 2 and not (tmp_path.parent / "evil.json").exists()
