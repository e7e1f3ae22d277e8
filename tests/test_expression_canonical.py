"""Canonical SQL with computed mappings, run on DuckDB and PostgreSQL: the expression is
projected and cast to the canonical type, the columns it reads are not dumped into extras."""

from __future__ import annotations

import json
from decimal import Decimal

from autonomos_pipelines.canonical.sql_builder import SourceTable, entity_select
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.store import Mapping
from tests.test_canonical_sql import store  # noqa: F401 (the DuckDB + PostgreSQL fixture)

DEALS = canonical_model()["opportunity"]


def mapping(id_: int, field: str, target: str, expression: str | None = None) -> Mapping:
    return Mapping(id_, None, "crm", "deals", field, "opportunity", target, "none", 1.0,
                   "manual", "active", 1, expression)  # fmt: skip


MAPPINGS = [
    mapping(1, "id", "opportunity_id"),
    mapping(2, "is_won", "is_won", "status = 'won'"),  # a name of its own, not a column
    mapping(3, "amount", "amount", "to_decimal(cents) / 100"),  # replaces a column
]


def test_expressions_feed_canonical_columns(store):  # noqa: F811
    text = "VARCHAR" if store.dialect.name == "duckdb" else "text"
    mark = "?" if store.dialect.name == "duckdb" else "%s"
    with store.session("acme") as session:
        session.execute('CREATE SCHEMA IF NOT EXISTS "raw_crm"')
        session.execute(
            f'CREATE TABLE "raw_crm".deals (id {text}, status {text}, cents {text}, '
            f"amount {text}, note {text}, _dlt_id {text})"
        )
        for row in [("d1", "won", "1250", "x", "kept", "a"), ("d2", "lost", "oops", "y", None, "b"),
                    ("d3", None, None, None, None, "c")]:  # fmt: skip
            session.execute(f'INSERT INTO "raw_crm".deals VALUES ({", ".join([mark] * 6)})', row)
        columns = session.columns("raw_crm")["deals"]
    source = SourceTable("crm", "crmsys", "raw_crm", "deals", columns, "id", MAPPINGS)
    sql, feeding = entity_select(DEALS, [source], "acme", store.dialect)
    assert feeding == [source]
    with store.session("acme") as session:
        session.replace_table(store.canonical_schema("acme"), "opportunity", sql)
        rows = session.dataframe(
            f"SELECT opportunity_id, is_won, amount, extras, _mapping_version FROM "
            f'"{store.canonical_schema("acme")}".opportunity ORDER BY opportunity_id'
        ).to_dict("records")
    assert [r["is_won"] for r in rows[:2]] == [True, False]
    assert rows[2]["is_won"] is None or str(rows[2]["is_won"]) in ("<NA>", "None")
    assert Decimal(str(rows[0]["amount"])) == Decimal("12.5")
    extras = [r["extras"] if isinstance(r["extras"], dict) else json.loads(r["extras"])
              for r in rows]  # fmt: skip
    # status and cents are read by expressions: mapped, not extras; a NULL an expression
    # gives (bad text through to_decimal) is not a failed cast
    assert extras == [{"note": "kept"}, {}, {}]
    assert rows[0]["_mapping_version"] == 3
