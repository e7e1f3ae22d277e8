"""The expression language: parsing and type checking, valid and invalid, exact errors."""

from __future__ import annotations

import re

import pytest

from autonomos_pipelines.dcl.expressions.check import check_expression, read_columns
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.lists import NestedList
from autonomos_pipelines.dcl.expressions.tokens import MAX_LENGTH
from autonomos_pipelines.dcl.expressions.types import column_type
from autonomos_pipelines.warehouse.dialects import DuckDbDialect, PostgresDialect

COLUMNS = {
    "price": "VARCHAR",
    "amount": "BIGINT",
    "quantity": "bigint",
    "rate": "DOUBLE",
    "status": "text",
    "first": "VARCHAR",
    "last": "character varying",
    "active": "BOOLEAN",
    "closed": "TIMESTAMP WITH TIME ZONE",
    "day": "date",
    'we"ird; x': "VARCHAR",
}

VALID = [
    ("amount * quantity", "integer"),
    ("amount in (-1, 0, 2.5)", "boolean"),
    ("to_decimal(price) * quantity / 12", "decimal"),
    ("amount / quantity", "decimal"),
    ("first || ' ' || last", "string"),
    ("concat(first, ' ', last)", "string"),
    ("status = 'won'", "boolean"),
    ("status in ('won', 'closed won')", "boolean"),
    ("status not in ('lost')", "boolean"),
    ("not active and status != 'x' or amount >= 3", "boolean"),
    ("if(status = 'year', 12, 1)", "integer"),
    ("if(active, 1, 2.5)", "decimal"),
    ("coalesce(amount, rate, 0)", "decimal"),
    ("coalesce(first, null)", "string"),
    ("nullif(amount, 0)", "integer"),
    ("round(rate, 2)", "decimal"),
    ("lower(trim(upper(first)))", "string"),
    ("to_date(price)", "date"),
    ("to_timestamp(price) > closed", "boolean"),
    ("day is not null", "boolean"),
    ("-amount + 1", "integer"),
    ('"we""ird; x" || \'!\'', "string"),
    ("to_text(amount)", "string"),
    ("null", "null"),
]

INVALID = [
    ("", "expression at position 0: is empty"),
    ("amount +", "expression at position 8: expected a value, a column or '(', found the end"),
    ("amount amount", "expression at position 7: expected an operator or the end, found 'amount'"),
    ("(amount", "expression at position 7: expected ')' closing the '(', found the end"),
    ("'open", "expression at position 0: unterminated string (expected a closing ')"),
    ("amount ; 1", "expression at position 7: unexpected character ';'"),
    ("price * 2", "expression at position 6: * needs numeric, but 'price' is string; "
     "use to_decimal(price) for arithmetic"),
    ("if(active, 1, 'a')", "expression at position 0: if(): both branches must have the same "
     "type, got integer and string"),
    ("if(status, 1, 2)", "expression at position 0: if() condition needs boolean, but "
     "'status' is string"),
    ("first || amount", "expression at position 6: || joins text, but 'amount' is integer; "
     "use to_text(amount)"),
    ("status = 1", "expression at position 7: =: all values must have the same type, "
     "got string and integer"),
    ("nope + 1", "expression at position 0: unknown column 'nope' (known: active, amount, "
     "closed, day, first, last, price, quantity, rate, status, we\"ird; x)"),
    ("eval(price)", "expression at position 0: unknown function eval() (known: coalesce, concat, "
     "count, first, if, joined, list, lower, max, min, minor_units, nullif, round, "
     "stripe_minor_units, "
     "sum, to_boolean, to_date, to_decimal, to_integer, to_text, to_timestamp, trim, upper)"),
    ("lower()", "expression at position 0: lower() takes 1 argument, got 0"),
    ("status in (first)", "expression at position 11: the list after 'in' holds literals only"),
    ("status not like 'x'", "expression at position 11: expected 'in' after 'not', found 'like'"),
    ("status is 1", "expression at position 10: expected null after 'is', found '1'"),
    ("(" * 40 + "1" + ")" * 40, "expression at position 32: nests deeper than 32 levels"),
    ("+".join(["1"] * 102), "expression at position 0: has more than 100 levels of "
     "operations; split it up"),
    ("x" * (MAX_LENGTH + 1), f"expression is {MAX_LENGTH + 1} characters long; at most "
     f"{MAX_LENGTH} allowed"),
    # stored, each made every row of its entity fail to compute (literals.py)
    ("to_decimal(99999999999999999999)", "expression at position 11: 99999999999999999999 is "
     "past the largest integer (9,223,372,036,854,775,807); write 99999999999999999999.0 "
     "for a decimal"),
    ("1" * 30 + ".5", f"expression at position 0: {'1' * 30}.5 has more than 29 digits before "
     "the point, past the largest decimal"),
    ("round(rate, amount)", "expression at position 0: round(): the places must be a whole "
     "number written out, such as 2"),
    ('""', 'expression at position 0: empty column name ""'),
    ("to_decimal(trim('1e40'))", "expression at position 0: to_decimal() of text that reads "
     "no column: write the value it converts as a literal"),
    ("to_text(to_integer(to_text(to_decimal(price))))", "expression at position 0: to_text(): "
     "casts nest 4 deep here, at most 3"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), VALID)
def test_valid_expressions_type_check(text, expected):
    assert check_expression(text, None, COLUMNS).type == expected


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_expressions_are_refused_with_the_reason(text, message):
    with pytest.raises(ExpressionError) as caught:
        check_expression(text, None, COLUMNS)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "target", "message"),
    [
        ("status = 'won'", "decimal", "expression gives boolean but opportunity.x is decimal; "
         "wrap it in a cast function such as to_decimal()"),
        ("amount", "string", "expression gives integer but opportunity.x is string"),
    ],
)  # fmt: skip
def test_result_must_fit_the_canonical_type(text, target, message):
    with pytest.raises(ExpressionError) as caught:
        check_expression(text, target, COLUMNS, "opportunity.x")
    assert str(caught.value) == message


def test_integer_fits_decimal_and_unknown_columns_are_text():
    assert check_expression("amount", "decimal", COLUMNS).type == "integer"
    assert check_expression("anything || 'x'", "string", None).type == "string"
    with pytest.raises(ExpressionError, match="'anything' is string; use to_decimal"):
        check_expression("anything * 2", None, None)


def test_columns_read_and_warehouse_types():
    assert read_columns("coalesce(first, last) || status") == {"first", "last", "status"}
    assert [column_type(t) for t in ("BIGINT", "numeric", "DOUBLE", "jsonb", "JSON", None)] == [
        "integer",
        "decimal",
        "decimal",
        "json",
        "json",
        "string",
    ]
    assert column_type("TIMESTAMP WITH TIME ZONE") == "timestamp"
    assert column_type("interval") == "string"


def test_every_column_and_literal_is_quoted():
    dialects = (DuckDbDialect(), PostgresDialect())
    checked = check_expression("\"a\"\"b\" || 'it''s'", None, None, "x", dialects)
    assert checked.sql["duckdb"] == "(src.\"a\"\"b\" || 'it''s')"
    assert checked.sql["postgres"] == checked.sql["duckdb"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("minor_units(amount)", "minor_units() takes 2 arguments, got 1"),
        ("minor_units(code, code)", "minor_units() amount needs numeric, but 'code' is string"),
        ("minor_units(amount, amount)", "minor_units() currency joins text, but 'amount'"),
    ],
)
def test_minor_units_take_an_amount_and_a_currency_code(text, message):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        check_expression(text, None, {"amount": "BIGINT", "code": "VARCHAR"})
    assert check_expression("minor_units(amount, code)", "decimal", {"amount": "BIGINT",
                            "code": "VARCHAR"}).type == "decimal"  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lower(payload)", "lower() joins text, but 'payload' is json; use to_text(payload)"),
        ("payload = 'x'", "=: all values must have the same type, got json and string"),
        ("to_decimal(payload)", "'payload' is json (an object or a list as one value), which "
                                "only a json field takes as it is: use to_text(payload)"),
        ("max(items.meta)", "max() needs ordered values, but 'items.meta' is json"),
    ],
)  # fmt: skip
def test_a_json_column_is_read_as_it_is_for_its_text_or_whether_it_is_null(text, message):
    """A json column (DuckDB's JSON, PostgreSQL's jsonb) typed as text used to pass the check
    and then fail the build: PostgreSQL has no lower(jsonb) nor max(jsonb)."""
    columns = {"payload": "jsonb", "name": "text"}
    lists = {"items": NestedList("subs__items", {"meta": "jsonb", "n": "bigint"})}
    assert check_expression("payload", "json", columns).type == "json"
    assert check_expression("to_text(payload)", "string", columns).type == "string"
    assert check_expression("payload is not null", "boolean", columns).type == "boolean"
    with pytest.raises(ExpressionError, match=re.escape(message)):
        check_expression(text, None, columns, lists=lists)
