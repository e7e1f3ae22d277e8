"""Declared foreign and primary keys reach the mapper from what dlt stored with the load."""

from __future__ import annotations

import base64
import zlib

import dlt
import duckdb

from autonomos_pipelines.warehouse.dialects import DuckDbDialect
from autonomos_pipelines.warehouse.dlt_hints import declared_keys
from autonomos_pipelines.warehouse.store import WarehouseSession

ORG_KEY = [{"columns": ["org"], "referenced_table": "accounts", "referenced_columns": ["id"]}]


def _load(tmp_path, resources, dataset="raw_crm"):
    path = tmp_path / "warehouse.duckdb"
    pipeline = dlt.pipeline(
        "references_test",
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name=dataset,
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    pipeline.run(resources)
    return path


def test_a_references_hint_is_read_back_from_the_loaded_dataset(tmp_path):
    accounts = dlt.resource([{"id": 7, "name": "Velora"}], name="accounts")
    contacts = dlt.resource(
        [{"id": 1, "org": 7, "email": "a@velora.io"}], name="contacts", references=ORG_KEY
    )
    path = _load(tmp_path, [accounts, contacts])
    with duckdb.connect(str(path)) as connection:
        session = WarehouseSession(connection, DuckDbDialect())
        assert declared_keys(session, "raw_crm").references == {("contacts", "org"): "accounts"}
        connection.execute("CREATE SCHEMA raw_empty")
        assert declared_keys(session, "raw_empty").references == {}  # nothing loaded by dlt


def _versions(path):
    connection = duckdb.connect(str(path))
    return connection, WarehouseSession(connection, DuckDbDialect())


def test_a_compressed_or_unreadable_stored_schema_is_read_or_skipped(tmp_path, caplog):
    accounts = dlt.resource([{"id": 7}], name="accounts")
    contacts = dlt.resource([{"id": 1, "org": 7}], name="contacts", references=ORG_KEY)
    path = _load(tmp_path, [accounts, contacts])
    connection, session = _versions(path)
    with connection:
        ((stored,),) = connection.sql("SELECT schema FROM raw_crm._dlt_version").fetchall()
        # as dlt stores a schema too long for the destination's text type
        packed = base64.b64encode(zlib.compress(stored.encode(), 9)).decode()
        connection.execute("UPDATE raw_crm._dlt_version SET schema = ?", [packed])
        assert declared_keys(session, "raw_crm").references == {("contacts", "org"): "accounts"}
        # a newer version of another schema that is not JSON: logged, the rest still read
        connection.execute(
            "INSERT INTO raw_crm._dlt_version SELECT version + 1, engine_version, "
            "inserted_at + INTERVAL 1 SECOND, 'other', version_hash, '{not json' "
            "FROM raw_crm._dlt_version"
        )
        assert declared_keys(session, "raw_crm").references == {("contacts", "org"): "accounts"}
        assert "dlt schema 'other' unreadable" in caplog.text


def test_a_tenant_column_of_composite_keys_is_no_reference(tmp_path):
    composite = [
        {"columns": ["tenant_id", "org"], "referenced_table": "accounts",
         "referenced_columns": ["tenant_id", "id"]},
        {"columns": ["tenant_id", "owner"], "referenced_table": "users",
         "referenced_columns": ["tenant_id", "id"]},
    ]  # fmt: skip
    contacts = dlt.resource(
        [{"tenant_id": 1, "id": 1, "org": 7, "owner": 3}],
        name="contacts",
        primary_key=["tenant_id", "id"],
        references=composite,
    )
    path = _load(tmp_path, [contacts])
    connection, session = _versions(path)
    with connection:
        assert declared_keys(session, "raw_crm").references == {
            ("contacts", "org"): "accounts",
            ("contacts", "owner"): "users",
        }


def test_primary_keys_are_read_back_single_and_composite(tmp_path):
    """A resource's declared key (a connector spec's `primary_key`, a database's constraint
    as sql_database reflects it) is each of its columns' `primary_key` hint."""
    accounts = dlt.resource([{"code": "A7", "name": "Velora"}], name="accounts", primary_key="code")
    daily = dlt.resource(
        [{"day": "2026-12-01", "campaign": 3, "clicks": 9}],
        name="daily_stats",
        primary_key=["day", "campaign"],
    )
    notes = dlt.resource([{"text": "hi"}], name="notes")
    path = _load(tmp_path, [accounts, daily, notes])
    connection, session = _versions(path)
    with connection:
        assert declared_keys(session, "raw_crm").primary_keys == {
            ("accounts", "code"),
            ("daily_stats", "day"),
            ("daily_stats", "campaign"),
        }
