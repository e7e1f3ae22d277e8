"""Compiled expressions executed for real on DuckDB and PostgreSQL: values, NULLs, division
by zero, non-raising casts and hostile column names."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from autonomos_pipelines.dcl.expressions.check import compile_expression
from autonomos_pipelines.dcl.expressions.types import column_type
from tests.test_canonical_sql import store  # noqa: F401 (the DuckDB + PostgreSQL fixture)

HOSTILE = 'pri"ce; DROP TABLE t; -- ü'
ROWS = [
    # id, price (text), quantity, interval, status, first, last, hostile
    (1, "12.50", 2, "month", "won", "Ada", "Lovelace", "x"),
    (2, "120", 1, "year", "lost", None, "Hopper", None),
    (3, "n/a", 3, "week", None, "Grace", None, "y"),
    (4, None, 0, "month", "won", "", "", "z"),
]
MRR = (
    "to_decimal(price) * quantity / "
    "if(interval = 'year', 12, if(interval = 'month', 1, 0))"
)  # fmt: skip


def _table(store) -> dict[str, str]:  # noqa: F811
    text = "VARCHAR" if store.dialect.name == "duckdb" else "text"
    mark = "?" if store.dialect.name == "duckdb" else "%s"
    hostile = HOSTILE.replace('"', '""')
    with store.session("acme") as session:
        session.execute('CREATE SCHEMA IF NOT EXISTS "raw_x"')
        session.execute('DROP TABLE IF EXISTS "raw_x".subs')
        session.execute(
            f'CREATE TABLE "raw_x".subs (id BIGINT, price {text}, quantity BIGINT, '
            f'"interval" {text}, status {text}, first {text}, last {text}, "{hostile}" {text})'
        )
        for row in ROWS:
            session.execute(f'INSERT INTO "raw_x".subs VALUES ({", ".join([mark] * 8)})', row)
        return session.columns("raw_x")["subs"]


def run(store, text: str) -> list:  # noqa: F811
    columns = _table(store)
    sql = compile_expression(text, columns, store.dialect)
    with store.session("acme") as session:
        return [r[0] for r in session.rows(f'SELECT {sql} FROM "raw_x".subs AS src ORDER BY id')]


def test_mrr_with_bad_text_nulls_and_divide_by_zero(store):  # noqa: F811
    assert run(store, MRR) == [Decimal("25"), Decimal("10"), None, None]


def test_is_won_and_in_list(store):  # noqa: F811
    assert run(store, "coalesce(status = 'won', false)") == [True, False, False, True]
    assert run(store, "status in ('won', 'lost')") == [True, True, None, True]
    assert run(store, "quantity in (-1, 0)") == [False, False, False, True]  # a negative too


def test_concatenation_and_coalesce(store):  # noqa: F811
    assert run(store, "concat(first, ' ', last)") == [
        "Ada Lovelace",
        " Hopper",
        "Grace ",
        " ",
    ]
    assert run(store, "trim(coalesce(nullif(first, ''), 'anon') || ' ' || coalesce(last, ''))") == [
        "Ada Lovelace",
        "anon Hopper",
        "Grace",
        "anon",
    ]


def test_integer_arithmetic_rounding_and_casts(store):  # noqa: F811
    assert run(store, "quantity * 2 - 1") == [3, 1, 5, -1]
    assert run(store, "round(to_decimal(price) / 7, 2)") == [
        Decimal("1.79"),
        Decimal("17.14"),
        None,
        None,
    ]
    assert run(store, "to_integer(price)") == [13, 120, None, None]  # rounds


def test_hostile_column_name_is_only_ever_a_column(store):  # noqa: F811
    name = '"' + HOSTILE.replace('"', '""') + '"'
    assert run(store, f"upper({name}) || '!'") == ["X!", None, "Y!", "Z!"]
    with store.session("acme") as session:  # the table is still there
        assert session.rows('SELECT count(*) FROM "raw_x".subs')[0][0] == 4


def test_minor_units_follow_each_rows_currency_exponent(store):  # noqa: F811
    # quantity as an amount in minor units; a year is billed in JPY (0 decimals), the rest
    # in KWD (3 decimals)
    assert run(store, "minor_units(quantity, if(interval = 'year', 'JPY', 'KWD'))") == [
        Decimal("0.002"),
        Decimal("1"),
        Decimal("0.003"),
        Decimal("0"),
    ]
    # ISK: 0 decimals in ISO 4217, two in Stripe's API; a code is read trimmed, any case;
    # an unknown or missing code is two-decimal
    assert run(store, "minor_units(1000, ' isk ')")[0] == Decimal("1000")
    assert run(store, "stripe_minor_units(1000, 'ISK')")[0] == Decimal("10")
    assert run(store, "minor_units(to_decimal(price), status)") == [
        Decimal("0.125"),
        Decimal("1.2"),
        None,
        None,
    ]


def test_a_json_column_gives_its_text_and_whether_it_is_null(store):  # noqa: F811
    """dlt's JSON (DuckDB) and jsonb (PostgreSQL) columns, read as the checker lets them be."""
    kind = "JSON" if store.dialect.name == "duckdb" else "jsonb"
    mark = "?" if store.dialect.name == "duckdb" else "%s"
    with store.session("acme") as session:
        session.execute('CREATE SCHEMA IF NOT EXISTS "raw_x"')
        session.execute('DROP TABLE IF EXISTS "raw_x".events')
        session.execute(f'CREATE TABLE "raw_x".events (id BIGINT, payload {kind})')
        for row in ((1, '{"plan": "pro"}'), (2, None)):
            session.execute(f'INSERT INTO "raw_x".events VALUES ({mark}, {mark})', row)
        columns = session.columns("raw_x")["events"]
    assert column_type(columns["payload"]) == "json"
    found = []
    for text in ("to_text(payload)", "payload is null"):
        sql = compile_expression(text, columns, store.dialect)
        with store.session("acme") as session:
            found.append([r[0] for r in session.rows(
                f'SELECT {sql} FROM "raw_x".events AS src ORDER BY id'  # noqa: S608
            )])  # fmt: skip
    texts, nulls = found
    assert texts[1] is None and texts[0].replace(" ", "") == '{"plan":"pro"}'
    assert nulls == [False, True]


NUMBERS = [
    (1, "7.0", 2.5, "100000000000000000000"),
    (2, "1.5", -2.5, "on"),
    (3, None, None, None),
    (4, "0", 1e30, " 12 "),
]
NONE = [None] * len(NUMBERS)


def run_numbers(store, text: str) -> list:  # noqa: F811
    """``text`` over a DECIMAL(18,4) ``d``, a DOUBLE ``f`` and a text ``s``."""
    types = ("DECIMAL(18,4)", "DOUBLE", "VARCHAR")
    if store.dialect.name != "duckdb":
        types = ("numeric(18,4)", "double precision", "text")
    mark = "?" if store.dialect.name == "duckdb" else "%s"
    with store.session("acme") as session:
        session.execute('CREATE SCHEMA IF NOT EXISTS "raw_x"')
        session.execute('DROP TABLE IF EXISTS "raw_x".nums')
        session.execute(
            f'CREATE TABLE "raw_x".nums (id BIGINT, d {types[0]}, f {types[1]}, s {types[2]})'
        )
        for row in NUMBERS:
            session.execute(
                f'INSERT INTO "raw_x".nums VALUES ({mark}, {mark}, {mark}, {mark})', row
            )
        columns = session.columns("raw_x")["nums"]
    sql = compile_expression(text, columns, store.dialect)
    with store.session("acme") as session:
        return [r[0] for r in session.rows(f'SELECT {sql} FROM "raw_x".nums AS src ORDER BY id')]


UTC = datetime.UTC
ALIKE = [
    ("-null", NONE),  # PostgreSQL: operator is not unique: - unknown
    ("null + null", NONE),
    ("coalesce(null, null)", NONE),
    ("if(s = 'x', null, null)", NONE),
    (
        "d * d * d * d * d",
        [Decimal("16807"), Decimal("7.59375"), None, Decimal(0)],
    ),  # DuckDB overflowed
    ("to_integer(s)", [None, None, None, 12]),  # past BIGINT, not a number, spaces around
    ("to_decimal(s)", [Decimal("100000000000000000000"), None, None, Decimal(12)]),
    ("to_decimal('n/a')", NONE),  # PostgreSQL folded it while planning, and failed
    ("if(s = 'x', to_decimal('n/a'), 1.5)", [Decimal("1.5")] * 4),
    ("to_decimal('12345678901234567890')", [Decimal("12345678901234567890")] * 4),
    ("to_integer('1e30')", NONE),
    ("to_integer(' 12 ')", [12] * 4),
    ("round(f, 1)", [Decimal("2.5"), Decimal("-2.5"), None, None]),  # PostgreSQL: no such round
    ("round(f)", [Decimal("3"), Decimal("-3"), None, None]),  # half away from zero in both
    ("f > 0", [True, False, None, True]),  # a double as it is, 1e30 too
    ("to_text(f) is null", [False, False, True, False]),
    ("to_boolean('on')", NONE),  # PostgreSQL read 'on' as true
    ("to_boolean(s)", NONE),  # a column's too
    ("to_boolean(' T ')", [True] * 4),
    ("to_date('20240115')", NONE),  # PostgreSQL read it as a date
    ("to_date('2024-01-15')", [datetime.date(2024, 1, 15)] * 4),
    ("to_date('2024-1-5')", [datetime.date(2024, 1, 5)] * 4),
    (
        "to_timestamp('2024-01-15 10:00:00 +02:00')",
        [datetime.datetime(2024, 1, 15, 8, tzinfo=UTC)] * 4,
    ),
    ("to_decimal('0x10')", NONE),
    ("to_integer('12.5')", [13] * 4),
]


@pytest.mark.parametrize(("text", "expected"), ALIKE)
def test_a_checked_expression_never_raises_and_reads_alike_on_both(store, text, expected):  # noqa: F811
    """Each of these passed the checker yet raised on one dialect, or read a literal
    differently on each, or did after a first fix (two helpers' probes)."""
    assert run_numbers(store, text) == expected


@pytest.mark.parametrize(
    ("text", "wide"),
    [
        ("to_decimal('1000000000000') * to_decimal('1000000000000')", Decimal(10) ** 24),
        ("100000000000000000000.0 * 100000000000000000000.0", Decimal(10) ** 40),
    ],
)
def test_a_product_past_duckdbs_decimals_is_null_not_an_error(store, text, wide):  # noqa: F811
    """Past DuckDB's widest product (10^20) NULL; PostgreSQL keeps it exact (the canonical
    column's try-cast makes one past DECIMAL(38,9) NULL)."""
    found = run_numbers(store, text)
    assert found == (NONE if store.dialect.name == "duckdb" else [wide] * 4)
