"""Spec -> dlt source loads for real: sandbox HTTP APIs and files into DuckDB, SQL from Postgres."""

from __future__ import annotations

import math

import dlt
import duckdb
import psycopg
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from autonomos_pipelines.aam.adapters.factory import build_source
from autonomos_pipelines.aam.adapters.rest import _derive
from autonomos_pipelines.aam.specs.spec_loader import get_spec, parse_spec
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.sandbox.files import write_demo_files
from autonomos_pipelines.warehouse.dialects import DuckDbDialect
from autonomos_pipelines.warehouse.dlt_hints import declared_keys
from autonomos_pipelines.warehouse.store import WarehouseSession
from tests.runtime import sandboxed


def load(spec, connection, settings, name: str):
    path = settings.home / f"{name}.duckdb"
    pipeline = dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name=f"raw_{spec.name}",
        pipelines_dir=str(settings.home / "pipelines"),
    )
    pipeline.run(build_source(spec, connection))
    return pipeline, path


@pytest.mark.parametrize("connector", ["stripe", "hubspot"])
def test_rest_connector_fetches_every_page(env, sandbox, connector):
    spec = get_spec(connector)
    before = dict(sandbox.request_counts)
    pipeline, _ = load(spec, sandboxed(env).connection(spec, "t1", {}), env, f"t1_{connector}")
    counts = pipeline.last_trace.last_normalize_info.row_counts
    api = sandbox.apis[connector]
    for resource in spec.resources:
        expected = len(api.data[resource.name])
        if resource.name == "subscriptions":
            assert resource.endpoint.params["status"] == "all"  # Stripe hides canceled otherwise
        assert counts[resource.name] == expected
        path = (
            "/"
            + connector
            + spec.sandbox.path.removeprefix("/" + connector).rstrip("/")
            + "/"
            + resource.endpoint.path
        )
        pages = sandbox.request_counts[path] - before.get(path, 0)
        assert pages == math.ceil(expected / resource.endpoint.params["limit"])


def test_hubspot_derived_field_takes_first_associated_company(env, sandbox):
    spec = get_spec("hubspot")
    _, path = load(spec, sandboxed(env).connection(spec, "t2", {}), env, "t2_hubspot")
    with duckdb.connect(str(path)) as db:
        rows = dict(db.sql("SELECT id, associated_company_id FROM raw_hubspot.deals").fetchall())
    expected = {
        d["id"]: d["associations"]["companies"]["results"][0]["id"]
        for d in sandbox.apis["hubspot"].data["deals"]
    }
    assert rows == expected


def test_pipedrive_person_keeps_its_primary_email_and_phone_beside_the_lists(env, sandbox):
    spec = get_spec("pipedrive")
    _, path = load(spec, sandboxed(env).connection(spec, "t5", {}), env, "t5_pipedrive")
    with duckdb.connect(str(path)) as db:
        rows = db.sql("SELECT id, primary_email, primary_phone FROM raw_pipedrive.persons")
        found = {i: (e, p) for i, e, p in rows.fetchall()}
        listed = db.sql("SELECT count(*) FROM raw_pipedrive.persons__phone").fetchall()[0]
    persons = sandbox.apis["pipedrive"].data["persons"]
    assert found == {
        p["id"]: (p["primary_email"], next(x["value"] for x in p["phone"] if x["primary"]))
        for p in persons
    }
    assert listed == (sum(len(p["phone"]) for p in persons),)  # the lists stay loaded too


def test_a_derived_field_takes_the_first_path_that_finds_a_value():
    derive = _derive({"phone": ["phone[?(@.primary == true)].value", "phone[0].value"]})
    marked = [{"value": "1", "primary": False}, {"value": "2", "primary": True}]
    unmarked = [{"value": "3", "primary": False}]
    assert derive({"phone": marked})["phone"] == "2"
    assert derive({"phone": unmarked})["phone"] == "3"
    assert derive({"phone": []})["phone"] is None
    # Pipedrive marks an empty item primary when a person has no phone
    assert derive({"phone": [{"value": "", "primary": True}]})["phone"] is None
    marked_empty = [{"value": "", "primary": True}, {"value": "", "primary": False}]
    assert derive({"phone": marked_empty, "other": "x"})["phone"] is None


def test_file_connector_loads_one_table_per_pattern(env):
    spec = get_spec("filesource")
    connection = sandboxed(env).connection(spec, "t3", {})
    write_demo_files(connection.file_root)
    pipeline, _ = load(spec, connection, env, "t3_files")
    counts = pipeline.last_trace.last_normalize_info.row_counts
    assert counts["accounts"] == 60 and counts["opportunities"] == 90


def test_wrong_credential_fails_with_the_apis_message(env, monkeypatch):
    spec = get_spec("stripe")
    monkeypatch.setenv("AUTONOMOS_SECRET_T4_STRIPE_API_KEY", "sk_test_revoked_0000")
    connection = sandboxed(env).connection(spec, "t4", {})
    with pytest.raises(PipelineStepFailed) as raised:
        load(spec, connection, env, "t4_stripe")
    assert "401" in str(raised.value)


def test_real_endpoint_without_secret_names_the_variable(env):
    spec = get_spec("stripe")
    connection = sandboxed(env).connection(spec, "acme", {"endpoint": "https://api.stripe.com/v1/"})
    assert connection.base_url == "https://api.stripe.com/v1/"
    with pytest.raises(ConfigError, match="set AUTONOMOS_SECRET_ACME_STRIPE_API_KEY"):
        build_source(spec, connection)


def test_secrets_never_show_in_repr(env, monkeypatch):
    monkeypatch.setenv("AUTONOMOS_SECRET_ACME_STRIPE_API_KEY", "sk_canary_value_42")
    connection = sandboxed(env).connection(get_spec("stripe"), "acme", {"endpoint": "https://x/"})
    assert connection.secret("api_key") == "sk_canary_value_42"
    assert "sk_canary_value_42" not in repr(connection) + str(connection.secrets)


@pytest.mark.postgres
def test_sql_connector_loads_from_postgres(env, pg_root, monkeypatch):
    from tests.conftest import create_database

    url = create_database(pg_root, "src")
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE accounts (id int primary key, name text, updated_at timestamptz)")
        db.execute(
            "INSERT INTO accounts SELECT g, 'acct ' || g, now() FROM generate_series(1, 25) g"
        )
        db.execute("CREATE TABLE people (id int primary key, org int REFERENCES accounts(id))")
        db.execute("INSERT INTO people SELECT g, g FROM generate_series(1, 5) g")
    spec = parse_spec(
        {
            "name": "pgsource",
            "kind": "sql",
            "source_system": "postgres",
            "domain": "finops",
            "description": "test",
            "entities": ["account"],
            "implementation": {"type": "generic", "reason": "dlt sql_database, config only"},
            "credentials": {"secret": "database_url"},
            "schema_name": "public",
            "tables": [
                {"name": "accounts", "primary_key": "id", "incremental_column": "updated_at"},
                {"name": "people", "primary_key": "id"},
            ],
        },
        "pgsource.json",
    )
    monkeypatch.setenv(
        "AUTONOMOS_SECRET_T5_PGSOURCE_DATABASE_URL",
        url.replace("postgresql://", "postgresql+psycopg://"),
    )
    pipeline, path = load(spec, sandboxed(env).connection(spec, "t5", {}), env, "t5_pg")
    assert pipeline.last_trace.last_normalize_info.row_counts["accounts"] == 25
    with duckdb.connect(str(path)) as db:
        assert db.sql("SELECT count(DISTINCT id) FROM raw_pgsource.accounts").fetchall()[0][0] == 25
        # the database's foreign key, reflected by dlt, is evidence for the mapper
        session = WarehouseSession(db, DuckDbDialect())
        declared = declared_keys(session, "raw_pgsource")
        assert declared.references == {("people", "org"): "accounts"}
        assert declared.primary_keys == {("accounts", "id"), ("people", "id")}


def test_excel_files_load_every_sheet_with_pinned_types(env):
    import pandas as pd

    spec = parse_spec(
        {
            "name": "xlsfiles",
            "kind": "file",
            "format": "excel",
            "source_system": "finance_export",
            "domain": "files",
            "description": "test",
            "implementation": {"type": "generic", "reason": "Excel reader, config only"},
            "entities": ["account"],
            "tables": [
                {
                    "name": "accounts",
                    "file_glob": "accounts*.xlsx",
                    "primary_key": "account_id",
                    "column_types": {"zip": "text"},
                }
            ],
        },
        "xlsfiles.json",
    )
    folder = env.files_dir / "t6" / "finance_exports"  # the tenant's own, not the sandbox's
    folder.mkdir(parents=True)
    connection = sandboxed(env).connection(spec, "t6", {"endpoint": "files", "file_root": folder})
    frame = pd.DataFrame({"account_id": ["a1", "a2", "a3"], "zip": [1234, 2345, 3456]})
    with pd.ExcelWriter(connection.file_root / "accounts_2024.xlsx") as writer:
        frame.iloc[:2].to_excel(writer, sheet_name="q1", index=False)
        frame.iloc[2:].to_excel(writer, sheet_name="q2", index=False)
    pipeline, path = load(spec, connection, env, "t6_xls")
    assert pipeline.last_trace.last_normalize_info.row_counts["accounts"] == 3
    with duckdb.connect(str(path)) as db:
        zips = db.sql("SELECT zip FROM raw_xlsfiles.accounts ORDER BY zip").fetchall()
    assert zips == [("1234",), ("2345",), ("3456",)]  # pinned text, not an inferred integer
