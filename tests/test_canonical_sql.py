"""Generated canonical SQL on real DuckDB and real PostgreSQL: quoting, casts, extras, replace."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from autonomos_pipelines.canonical.sql_builder import SourceTable, entity_select
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.warehouse.store import Warehouse

HOSTILE = 'x"; DROP TABLE raw_src."payments"; --'
ENTITY = canonical_model()["payment"]


def mapping(id_: int, field: str, target: str, transform: str = "none") -> Mapping:
    return Mapping(
        id_,
        None,
        "src",
        "payments",
        field,
        "payment",
        target,
        transform,
        1.0,
        "manual",
        "active",
        1,
    )


MAPPINGS = [
    mapping(1, "id", "payment_id"),
    mapping(2, "amount_cents", "amount", "minor_units"),
    mapping(3, "cur", "currency", "upper"),
    mapping(4, "ts", "created_at", "unix_seconds"),
    mapping(5, "paid", "paid_at"),
]
ROWS = [
    ("p1", 1250, "usd", 1700000000, "2024-01-02T03:04:05Z", "kept one"),
    ("p2", 99, "eur", 1700000100, "not a date", "kept two"),
]


def warehouse_for(tmp_path, warehouse_url: str | None) -> Warehouse:
    return Warehouse(
        Settings(
            home=tmp_path,
            database_url=None,
            warehouse_url=warehouse_url,
            redis_url=None,
            dagster_home=tmp_path,
            sandbox_url="http://x",
        )
    )


@pytest.fixture(params=["duckdb", "postgres"])
def store(request, tmp_path, pg_root):
    if request.param == "duckdb":
        return warehouse_for(tmp_path, None)
    from tests.conftest import create_database

    return warehouse_for(tmp_path, create_database(pg_root, "wh"))


def seed(store: Warehouse, tenant: str) -> SourceTable:
    schema = store.raw_schema(tenant, "src")
    text = "VARCHAR" if store.dialect.name == "duckdb" else "text"
    placeholder = "?" if store.dialect.name == "duckdb" else "%s"
    with store.session(tenant) as session:
        session.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        session.execute(
            f'CREATE TABLE "{schema}".payments (id {text}, amount_cents BIGINT, '
            f'cur {text}, ts BIGINT, paid {text}, "{HOSTILE.replace(chr(34), 2 * chr(34))}" '
            f"{text}, _dlt_load_id {text}, _dlt_id {text})"
        )
        for row in ROWS:
            session.execute(
                f'INSERT INTO "{schema}".payments VALUES ({", ".join([placeholder] * 8)})',
                (*row, "load1", row[0] + "x"),
            )
        columns = session.columns(schema)["payments"]
    return SourceTable("src", "srcsys", schema, "payments", columns, "id", MAPPINGS)


def build(store: Warehouse, tenant: str, source: SourceTable) -> list[dict]:
    sql, feeding = entity_select(ENTITY, [source], tenant, store.dialect)
    assert feeding == [source]
    with store.session(tenant) as session:
        assert session.replace_table(store.canonical_schema(tenant), "payment", sql) == 2
        frame = session.dataframe(
            f'SELECT * FROM "{store.canonical_schema(tenant)}".payment ORDER BY payment_id'
        )
    return frame.to_dict("records")


def extras_of(row: dict) -> dict:
    return row["extras"] if isinstance(row["extras"], dict) else json.loads(row["extras"])


def test_canonical_values_lineage_and_extras(store):
    rows = build(store, "acme", seed(store, "acme"))
    first, second = rows
    assert first["payment_id"] == "p1" and float(first["amount"]) == 12.5
    assert first["currency"] == "USD" and first["created_at"].year == 2023
    assert first["_source_record_id"] == "p1" and first["_mapping_version"] == 5
    assert first["_tenant_id"] == "acme" and first["_source_system"] == "srcsys"
    assert first["_source_load_id"] == "load1"
    assert extras_of(first) == {HOSTILE: "kept one"}  # hostile column: kept, quoted, harmless
    # a failed cast never crashes the build: NULL in the column, raw value in extras
    assert second["paid_at"] is None or str(second["paid_at"]) in ("NaT", "None")
    assert extras_of(second) == {HOSTILE: "kept two", "_cast_failed": {"paid": "not a date"}}


def test_rebuild_replaces_rows_and_raw_table_survives(store):
    source = seed(store, "acme")
    build(store, "acme", source)
    rows = build(store, "acme", source)
    assert len(rows) == 2
    with store.session("acme") as session:
        raw = session.rows(f'SELECT count(*) FROM "{source.schema}".payments')[0][0]
    assert raw == 2


def test_table_without_identity_mapping_does_not_feed_entity(store):
    source = seed(store, "acme")
    partial = replace(source, mappings=[m for m in MAPPINGS if m.canonical_field != "payment_id"])
    sql, feeding = entity_select(ENTITY, [partial], "acme", store.dialect)
    assert feeding == []
    with store.session("acme") as session:
        assert session.replace_table(store.canonical_schema("acme"), "payment", sql) == 0
        columns = session.columns(store.canonical_schema("acme"))["payment"]
    assert list(columns)[: len(ENTITY.fields)] == [f.name for f in ENTITY.fields]


AMOUNTS = [("usd", "12.5"), ("JPY", "1250"), (" kwd ", "1.25"), (None, "12.5"), ("isk", "1250")]


@pytest.mark.parametrize(
    ("transform", "isk"), [("minor_units", "1250"), ("minor_units_stripe", "12.5")]
)
def test_minor_units_follow_each_rows_currency(store, transform, isk):
    """1250 minor units are 12.50 USD, 1,250 JPY, 1.250 KWD; ISK is zero-decimal in ISO 4217
    but two-decimal in Stripe's API; a row without a currency is read as two-decimal."""
    schema = store.raw_schema("acme", "src")
    text = "VARCHAR" if store.dialect.name == "duckdb" else "text"
    placeholder = "?" if store.dialect.name == "duckdb" else "%s"
    with store.session("acme") as session:
        session.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        session.execute(f'CREATE TABLE "{schema}".payments (id {text}, amt BIGINT, cur {text})')
        for index, (currency, _) in enumerate(AMOUNTS):
            session.execute(
                f'INSERT INTO "{schema}".payments VALUES ({placeholder}, 1250, {placeholder})',
                (f"p{index}", currency),
            )
        columns = session.columns(schema)["payments"]
    mappings = [
        mapping(1, "id", "payment_id"),
        mapping(2, "amt", "amount", transform),
        mapping(3, "cur", "currency", "upper"),
    ]
    source = SourceTable("src", "srcsys", schema, "payments", columns, "id", mappings)
    sql, _ = entity_select(ENTITY, [source], "acme", store.dialect)
    with store.session("acme") as session:
        session.replace_table(store.canonical_schema("acme"), "payment", sql)
        rows = session.rows(
            f'SELECT amount FROM "{store.canonical_schema("acme")}".payment ORDER BY payment_id'
        )
    expected = [Decimal(value) for _, value in AMOUNTS[:4]] + [Decimal(isk)]
    assert [Decimal(str(amount)) for (amount,) in rows] == expected


def test_minor_units_without_a_currency_column_are_two_decimal(store):
    source = seed(store, "acme")
    no_currency = replace(source, mappings=[m for m in MAPPINGS if m.canonical_field != "currency"])
    sql, _ = entity_select(ENTITY, [no_currency], "acme", store.dialect)
    with store.session("acme") as session:
        session.replace_table(store.canonical_schema("acme"), "payment", sql)
        amounts = session.rows(
            f'SELECT amount FROM "{store.canonical_schema("acme")}".payment ORDER BY payment_id'
        )
    assert [Decimal(str(a)) for (a,) in amounts] == [Decimal("12.5"), Decimal("0.99")]
