"""Declared foreign keys reach the mapper from what dlt stored with the load."""

from __future__ import annotations

import dlt
import duckdb

from autonomos_pipelines.warehouse.dialects import DuckDbDialect
from autonomos_pipelines.warehouse.dlt_references import declared_references
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
        assert declared_references(session, "raw_crm") == {("contacts", "org"): "accounts"}
        connection.execute("CREATE SCHEMA raw_empty")
        assert declared_references(session, "raw_empty") == {}  # nothing loaded by dlt
