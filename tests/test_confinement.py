"""A file connector reads its own tenant's folder and nothing else; an HTTP connector's endpoint
is an http(s) URL that is not a cloud metadata service. Real dlt loads into DuckDB, the real
CLI (issue 16, items 2 and 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import dlt
import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from autonomos_pipelines.aam.adapters.factory import build_source
from autonomos_pipelines.aam.specs.spec_loader import get_spec, parse_spec, specs_dir
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.dcl.registry.bootstrap import open_registry

CLI = [sys.executable, "-m", "autonomos_pipelines.cli"]
VICTIM_ROW = "v1,Victim Corp\n"


def cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + args, capture_output=True, text=True, timeout=120, env=os.environ)


def files_of(env, tenant: str):
    """A tenant's own files folder, with one CSV of its own."""
    folder = env.files_dir / tenant / "exports"
    folder.mkdir(parents=True)
    (folder / "accounts_own.csv").write_text(f"account_id,name\n{tenant}1,{tenant} Inc\n")
    return folder


def victim(env):
    folder = files_of(env, "victim")
    (folder / "accounts_secret.csv").write_text("account_id,name\n" + VICTIM_ROW)
    return folder


def load(env, tenant: str, spec, options: dict):
    from tests.runtime import sandboxed

    path = env.home / f"{tenant}.duckdb"
    pipeline = dlt.pipeline(
        pipeline_name=f"{tenant}__files",
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name="raw_filesource",
        pipelines_dir=str(env.home / "pipelines"),
    )
    connection = sandboxed(env).connection(spec, tenant, options)
    pipeline.run(build_source(spec, connection))
    return path


def names_loaded(path) -> list[str]:
    if not path.exists():
        return []
    with duckdb.connect(str(path)) as db:
        tables = db.sql("SELECT table_name FROM information_schema.tables").fetchall()
        if ("accounts",) not in tables:
            return []
        return [row[0] for row in db.sql("SELECT name FROM raw_filesource.accounts").fetchall()]


def one_line(error: BaseException) -> str:
    """The AutonomosError at the bottom of dlt's wrapping, which is what a user is shown."""
    while error.__cause__ or error.__context__:
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return str(error)


def test_own_folder_loads(env):
    files_of(env, "acme")
    spec = get_spec("filesource").model_copy(deep=True)
    spec.tables[0].file_glob = "accounts*.csv"
    path = load(env, "acme", spec, {"endpoint": "files", "file_root": "exports"})
    assert names_loaded(path) == ["acme Inc"]


def test_a_glob_that_escapes_at_run_time_loads_nothing_of_the_other_tenant(env):
    victim(env)
    own = files_of(env, "attacker")
    spec = get_spec("filesource").model_copy(deep=True)
    # as if a spec validated by an older version were still in the catalogue
    spec.tables[0].file_glob = "../../victim/exports/accounts*.csv"
    with pytest.raises(PipelineStepFailed) as raised:
        load(env, "attacker", spec, {"endpoint": "files", "file_root": str(own)})
    message = one_line(raised.value)
    assert message.startswith("filesource: tables.accounts.file_glob '../../victim/exports/")
    assert "resolves outside the tenant's folder" in message and "\n" not in message
    assert names_loaded(env.home / "attacker.duckdb") == []


def test_a_symlink_planted_in_the_folder_is_refused_at_run_time(env):
    secret = victim(env) / "accounts_secret.csv"
    own = files_of(env, "attacker")
    (own / "accounts_zz.csv").symlink_to(secret)
    spec = get_spec("filesource").model_copy(deep=True)
    with pytest.raises(PipelineStepFailed) as raised:
        load(env, "attacker", spec, {"endpoint": "files", "file_root": str(own)})
    assert "matched 'accounts_zz.csv', which resolves outside" in one_line(raised.value)
    assert names_loaded(env.home / "attacker.duckdb") == []


@pytest.mark.parametrize("folder", ["../victim/exports", "/etc", "linked"])
def test_a_folder_outside_the_tenants_own_is_refused_before_loading(env, folder):
    victim(env)
    files_of(env, "attacker")
    (env.files_dir / "attacker" / "linked").symlink_to(env.files_dir / "victim" / "exports")
    spec = get_spec("filesource")
    with pytest.raises(ConfigError) as raised:
        load(env, "attacker", spec, {"endpoint": "files", "file_root": folder})
    assert str(raised.value).startswith(f"filesource of tenant 'attacker': folder '{folder}'")
    assert names_loaded(env.home / "attacker.duckdb") == []


def test_an_operator_symlinked_tenant_root_is_honoured(env, tmp_path):
    mounted = tmp_path / "mounted_drop"
    (mounted / "exports").mkdir(parents=True)
    (mounted / "exports" / "accounts_1.csv").write_text("account_id,name\nm1,Mounted Ltd\n")
    env.files_dir.mkdir(parents=True, exist_ok=True)
    (env.files_dir / "acme").symlink_to(mounted)
    spec = get_spec("filesource").model_copy(deep=True)
    spec.tables[0].file_glob = "accounts*.csv"
    path = load(env, "acme", spec, {"endpoint": "files", "file_root": "exports"})
    assert names_loaded(path) == ["Mounted Ltd"]


def test_a_stored_metadata_endpoint_is_refused_at_run_time(env):
    from tests.runtime import sandboxed

    with pytest.raises(ConfigError, match=r"^stripe: endpoint 'http://169.254.169.254/': link"):
        sandboxed(env).connection(
            get_spec("stripe"), "acme", {"endpoint": "http://169.254.169.254/"}
        )


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("filesource=../../etc", "--endpoint filesource: '../../etc': '..' segments would leave"),
        ("filesource=/etc", "--endpoint filesource: '/etc': absolute paths are not allowed"),
        ("filesource=~", "--endpoint filesource: '~': '~' (home folders) is not allowed"),
        (
            "stripe=http://169.254.169.254/latest/meta-data/",
            "--endpoint stripe: 'http://169.254.169.254/latest/meta-data/': link-local",
        ),
        ("stripe=ftp://api.stripe.com/", "'ftp://api.stripe.com/': only http:// and https://"),
        ("stripe=https://sk_live_1@api.stripe.com/", "'https://***@api.stripe.com/': credentials"),
        ("postgres=postgresql://u:pw@db/x", "--endpoint postgres=…: a database URL is a secret"),
    ],
)
def test_tenants_add_refuses_an_endpoint_that_reaches_out_in_one_line(env, endpoint, message):
    connector = endpoint.partition("=")[0]
    result = cli(["tenants", "add", "attacker", "--connectors", connector, "--endpoint", endpoint])
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autonomos: error: ")
    assert message in lines[0]
    assert "sk_live_1" not in result.stderr and "pw@" not in result.stderr
    assert "attacker" not in open_registry(env).tenants()


def test_connectors_validate_names_the_file_field_and_value(env, tmp_path):
    spec = tmp_path / "filesource.json"
    text = get_spec("filesource").model_dump_json(by_alias=True, exclude_none=True)
    spec.write_text(text.replace('"accounts*.csv"', '"../../victim/filesource/accounts*.csv"'))
    result = cli(["connectors", "validate", str(spec)])
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"autonomos: error: {spec}: invalid connector spec: $.tables[0].file_glob: "
        "'../../victim/filesource/accounts*.csv': '..' segments would leave the tenant's folder"
    )


def test_a_secret_reference_in_params_is_resolved_from_the_tenants_secrets(env, monkeypatch):
    from tests.runtime import sandboxed

    data = json.loads((specs_dir() / "pipedrive.json").read_text())
    # the key goes only through params: the sandbox refuses the request unless it is resolved
    data["client"]["auth"] = {"type": "bearer", "token": {"secret": "unused"}}
    for resource in data["resources"]:
        resource["endpoint"]["params"]["api_token"] = {"secret": "api_token"}
    spec = parse_spec(data, "pipedrive.json")
    monkeypatch.setenv("AUTONOMOS_SECRET_T7_PIPEDRIVE_UNUSED", "x")
    pipeline = dlt.pipeline(
        pipeline_name="t7_pipedrive",
        destination=dlt.destinations.duckdb(str(env.home / "t7.duckdb")),
        dataset_name="raw_pipedrive",
        pipelines_dir=str(env.home / "pipelines"),
    )
    pipeline.run(build_source(spec, sandboxed(env).connection(spec, "t7", {})))
    assert pipeline.last_trace.last_normalize_info.row_counts["deals"] > 0
