"""Computed mappings that aggregate a list nested in the records (dlt's `<table>__<path>`
tables): which lists a table has, what the checker refuses and why, and the canonical SQL
run on DuckDB and PostgreSQL (one value per parent row, in list order)."""

from __future__ import annotations

import json

import pytest

from autonomos_pipelines.canonical.sql_builder import SourceTable, entity_select
from autonomos_pipelines.dcl.expressions.check import check_expression
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.lists import nested_lists
from autonomos_pipelines.dcl.expressions.rename import rename_column
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.warehouse.dialects import DuckDbDialect
from tests.test_canonical_sql import store  # noqa: F401 (the DuckDB + PostgreSQL fixture)

DLT = {"_dlt_parent_id": "VARCHAR", "_dlt_list_idx": "BIGINT", "_dlt_id": "VARCHAR"}
TABLES = {
    "persons": {"id": "VARCHAR", "name": "VARCHAR", "_dlt_id": "VARCHAR"},
    "persons__email": {"value": "VARCHAR", "primary": "BOOLEAN", **DLT},
    "persons__email__labels": {"value": "VARCHAR", **DLT},  # a list in a list: email's
    "persons__items__data": {"amount": "BIGINT", "qty": "INTEGER", **DLT},
    "persons__address": {"city": "VARCHAR"},  # no parent key: not a list dlt nested
    "personsx__email": {"value": "VARCHAR", **DLT},  # another table's
}
LISTS = nested_lists("persons", TABLES)


def test_a_tables_lists_are_its_direct_nested_tables_by_path():
    assert {path: found.table for path, found in LISTS.items()} == {
        "email": "persons__email",
        "items__data": "persons__items__data",
    }
    assert set(nested_lists("persons__email", TABLES)) == {"labels"}
    assert set(nested_lists("PERSONS", TABLES)) == {"email", "items__data"}  # any name case


@pytest.mark.parametrize(
    ("text", "type_"),
    [
        ("first(email.value, email.primary)", "string"),
        ('first("email"."value")', "string"),
        ("coalesce(first(email.value, email.primary), first(email.value))", "string"),
        ("sum(items__data.amount * items__data.qty) / 100", "decimal"),
        ("count(email.value)", "integer"),
        ("joined(email.value, not email.primary)", "string"),
        ("list(email.value)", "json"),
        ("max(items__data.qty) + 1", "integer"),
    ],
)
def test_valid_aggregates_and_their_types(text, type_):
    checked = check_expression(text, None, TABLES["persons"], lists=LISTS)
    assert checked.type == type_
    assert checked.columns == frozenset()  # the table's own columns: none read


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email.value", "'email.value' is a column of the nested list 'email', one value per "
                        "list item: read it in an aggregate"),
        ("first(1)", "first() aggregates a nested list: its value must read one"),
        ("sum(items__data.qty * name)", "'name' is the table's own column: an aggregate "
                                          "reads only its list's columns"),
        ("first(first(email.value))", "first() inside an aggregate: they do not nest"),
        ("sum(email.value)", "sum() needs numeric values, but 'email.value' is string"),
        ("max(email.primary)", "max() needs ordered values, but 'email.primary' is boolean"),
        ("sum(null, email.primary)", "sum() aggregates a nested list: its value must read one"),
        ("coalesce(list(email.value), list(items__data.qty))", "list() gives an array, which "
                                                              "only a json field takes as it is"),
        ("to_text(list(email.value))", "list() gives an array"),
        ("first(email.value, items__data.qty > 1)", "one aggregate reads one nested list"),
        ('"is".value', 'e.g. first("is".value)'),  # a hint that parses
        ("first(nope.value)", "unknown nested list 'nope' (the table's lists: email, items__data)"),
        ("first(email.nope)", "unknown column 'email.nope' (known: primary, value)"),
        ("first(email.)", "expected a column of the nested list 'email' after '.', found ')'"),
        ("first(email.value, email.value)", "first() condition needs boolean"),
        ("first(email.value, true, 1)", "first() takes 1 to 2 arguments, got 3"),
    ],
)  # fmt: skip
def test_invalid_aggregates_are_refused_saying_why(text, message):
    with pytest.raises(ExpressionError) as refused:
        check_expression(text, None, TABLES["persons"], lists=LISTS)
    assert message in str(refused.value)


def test_an_aggregate_needs_the_tables_dlt_row_key_where_the_sql_is_built():
    from autonomos_pipelines.dcl.expressions.check import compile_expression

    # observed fields never hold dlt's _dlt_id: checking against them passes
    check_expression("first(email.value)", None, {"id": "VARCHAR"}, lists=LISTS)
    with pytest.raises(ExpressionError, match="this table has no _dlt_id to join it by"):
        compile_expression("first(email.value)", {"id": "VARCHAR"}, DuckDbDialect(), LISTS, "raw")


def test_unknown_lists_fit_anywhere_and_the_preview_names_dlts_table():
    checked = check_expression("sum(items.amount) / 100", "decimal", None,
                               dialects=[DuckDbDialect()], table="subs")  # fmt: skip
    assert checked.type == "decimal"
    assert checked.sql["duckdb"].endswith(
        'FROM "subs" AS src LEFT JOIN (SELECT nst."_dlt_parent_id" AS parent, sum(nst."amount") '
        'AS value FROM "subs__items" AS nst GROUP BY nst."_dlt_parent_id") AS agg1 ON '
        'agg1.parent = src."_dlt_id"'
    )


def test_renaming_a_column_leaves_a_lists_column_of_that_name_alone():
    text = "coalesce(value, first(email.value))"
    assert rename_column(text, "value", "main_value") == "coalesce(main_value, first(email.value))"


CONTACT = canonical_model()["contact"]


def contact(id_: int, field: str, target: str, expression: str | None = None) -> Mapping:
    return Mapping(id_, None, "crm", "persons", field, "contact", target, "none", 1.0,
                   "manual", "active", 1, expression)  # fmt: skip


def test_aggregates_feed_one_value_per_record_on_both_dialects(store):  # noqa: F811
    text = "VARCHAR" if store.dialect.name == "duckdb" else "text"
    flag = "BOOLEAN"
    mark = "?" if store.dialect.name == "duckdb" else "%s"
    emails = [  # parent, index, value, primary: p1's primary is its second; p2 has none
        ("r1", 0, "old@a.test", False), ("r1", 1, "main@a.test", True),
        ("r2", 0, "only@b.test", False), ("r1", 2, "spare@a.test", False),
    ]  # fmt: skip
    with store.session("acme") as session:
        session.execute('CREATE SCHEMA IF NOT EXISTS "raw_crm"')
        session.execute(f'CREATE TABLE "raw_crm".persons (id {text}, name {text}, _dlt_id {text})')
        session.execute(
            f'CREATE TABLE "raw_crm".persons__email (value {text}, "primary" {flag}, '
            f"_dlt_parent_id {text}, _dlt_list_idx BIGINT, _dlt_id {text})"
        )
        for row in [("p1", "Ann", "r1"), ("p2", "Bob", "r2"), ("p3", "Cy", "r3")]:
            session.execute(f'INSERT INTO "raw_crm".persons VALUES ({mark}, {mark}, {mark})', row)
        for n, (parent, index, value, primary) in enumerate(emails):
            session.execute(
                f'INSERT INTO "raw_crm".persons__email VALUES ({", ".join([mark] * 5)})',
                (value, primary, parent, index, f"e{n}"),
            )
        tables = session.columns("raw_crm")
    mappings = [
        contact(1, "id", "contact_id"),
        contact(2, "email", "email",
                "coalesce(first(email.value, email.primary), first(email.value))"),
        contact(3, "emails", "title", "joined(email.value)"),
        contact(4, "email_count", "department", "to_text(count(email.value))"),
    ]  # fmt: skip
    source = SourceTable("crm", "crmsys", "raw_crm", "persons", tables["persons"], "id",
                         mappings, lists=nested_lists("persons", tables))  # fmt: skip
    sql, _ = entity_select(CONTACT, [source], "acme", store.dialect)
    with store.session("acme") as session:
        session.replace_table(store.canonical_schema("acme"), "contact", sql)
        rows = session.rows(
            f"SELECT contact_id, email, title, department FROM "  # noqa: S608
            f'"{store.canonical_schema("acme")}".contact ORDER BY contact_id'
        )
    assert [tuple(r) for r in rows] == [
        ("p1", "main@a.test", "old@a.test, main@a.test, spare@a.test", "3"),
        ("p2", "only@b.test", "only@b.test", "1"),
        ("p3", None, None, "0"),  # no list items: no value, a count of 0
    ]


def ticket(id_: int, field: str, target: str, expression: str | None = None) -> Mapping:
    return Mapping(id_, None, "desk", "tickets", field, "ticket", target, "none", 1.0, "manual",
                   "active", 1, expression)  # fmt: skip


def test_list_feeds_a_json_field_as_an_array_in_list_order(store):  # noqa: F811
    text = "VARCHAR" if store.dialect.name == "duckdb" else "text"
    mark = "?" if store.dialect.name == "duckdb" else "%s"
    with store.session("acme") as session:
        session.execute('CREATE SCHEMA IF NOT EXISTS "raw_desk"')
        session.execute(f'CREATE TABLE "raw_desk".tickets (id {text}, _dlt_id {text})')
        session.execute(
            f'CREATE TABLE "raw_desk".tickets__tags (value {text}, _dlt_parent_id {text}, '
            f"_dlt_list_idx BIGINT, _dlt_id {text})"
        )
        for row in [("t1", "r1"), ("t2", "r2")]:
            session.execute(f'INSERT INTO "raw_desk".tickets VALUES ({mark}, {mark})', row)
        for n, (value, index) in enumerate([("vip", 1), ("billing", 0)]):
            session.execute(
                f'INSERT INTO "raw_desk".tickets__tags VALUES ({mark}, {mark}, {mark}, {mark})',
                (value, "r1", index, f"g{n}"),
            )
        tables = session.columns("raw_desk")
    mappings = [ticket(1, "id", "ticket_id"), ticket(2, "tags", "tags", "list(tags.value)")]
    source = SourceTable("desk", "desksys", "raw_desk", "tickets", tables["tickets"], "id",
                         mappings, lists=nested_lists("tickets", tables))  # fmt: skip
    sql, _ = entity_select(canonical_model()["ticket"], [source], "acme", store.dialect)
    with store.session("acme") as session:
        session.replace_table(store.canonical_schema("acme"), "ticket", sql)
        rows = session.rows(
            f'SELECT ticket_id, tags FROM "{store.canonical_schema("acme")}".ticket '  # noqa: S608
            "ORDER BY ticket_id"
        )
    tags = [json.loads(r[1]) if isinstance(r[1], str) else r[1] for r in rows]
    assert tags == [["billing", "vip"], None]


def test_a_list_with_no_table_yet_is_empty_and_a_broken_one_null_on_both_dialects(store):  # noqa: F811
    """dlt creates `tickets__tags` with the first tag: until then list() is NULL and count()
    0; a mapping that no longer compiles is a NULL of its field's type (PostgreSQL's to_jsonb
    refuses an untyped NULL, which would fail the whole ticket build)."""
    text = "VARCHAR" if store.dialect.name == "duckdb" else "text"
    with store.session("acme") as session:
        session.execute('CREATE SCHEMA IF NOT EXISTS "raw_desk"')
        session.execute(f'CREATE TABLE "raw_desk".tickets (id {text}, _dlt_id {text})')
        session.execute("INSERT INTO \"raw_desk\".tickets VALUES ('t1', 'r1')")
        tables = session.columns("raw_desk")
    mappings = [
        ticket(1, "id", "ticket_id"),
        ticket(2, "tags", "tags", "list(tags.value)"),
        ticket(3, "n", "subject", "to_text(count(tags.value))"),
        ticket(4, "x", "description", "no_such_column"),
        ticket(5, "r", "satisfaction_rating", "to_text(sum(tags.n) + 1)"),  # sum of no items
    ]
    source = SourceTable("desk", "desksys", "raw_desk", "tickets", tables["tickets"], "id",
                         mappings, lists=nested_lists("tickets", tables))  # fmt: skip
    assert source.lists == {}
    sql, _ = entity_select(canonical_model()["ticket"], [source], "acme", store.dialect)
    with store.session("acme") as session:
        session.replace_table(store.canonical_schema("acme"), "ticket", sql)
        rows = session.rows(
            "SELECT ticket_id, tags, subject, description, satisfaction_rating FROM "  # noqa: S608
            f'"{store.canonical_schema("acme")}".ticket'
        )
    assert [tuple(r) for r in rows] == [("t1", None, "0", None, None)]
