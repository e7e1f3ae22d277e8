"""The functions an expression may call: their argument rules and result types."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signature:
    arity: tuple[int, int]  # least and most arguments (-1: no upper bound)
    result: str  # a type, or "same": the unified type of the arguments
    takes: str  # any | string | numeric | same | money: what the arguments must be


# casts never raise: a value that does not convert becomes NULL (the dialects' try_cast)
CASTS = {
    "to_decimal": "decimal",
    "to_integer": "integer",
    "to_text": "string",
    "to_date": "date",
    "to_timestamp": "timestamp",
    "to_boolean": "boolean",
}
# an integer amount in a currency's minor units, by convention (dcl/model/currencies.py)
MINOR_UNITS = {"minor_units": "minor_units", "stripe_minor_units": "minor_units_stripe"}
FUNCTIONS = {
    "coalesce": Signature((1, -1), "same", "same"),
    "nullif": Signature((2, 2), "same", "same"),
    "concat": Signature((1, -1), "string", "string"),
    "lower": Signature((1, 1), "string", "string"),
    "upper": Signature((1, 1), "string", "string"),
    "trim": Signature((1, 1), "string", "string"),
    "round": Signature((1, 2), "decimal", "numeric"),
    "if": Signature((3, 3), "same", "any"),  # checked in checker.py: condition then branches
    **{name: Signature((1, 1), result, "any") for name, result in CASTS.items()},
    # (amount, currency code): amount / 10^exponent of the row's currency
    **{name: Signature((2, 2), "decimal", "money") for name in MINOR_UNITS},
}


# one value per parent row from a nested list (lists.py), its values in list order; a second
# argument keeps only the list rows where it is true: first(email.value, email.primary)
AGGREGATES = {
    "sum": Signature((1, 2), "same", "numeric"),
    "min": Signature((1, 2), "same", "ordered"),
    "max": Signature((1, 2), "same", "ordered"),
    "count": Signature((1, 2), "integer", "any"),  # the values that are not null
    "first": Signature((1, 2), "same", "any"),  # the first item's value, null or not
    "list": Signature((1, 2), "json", "any"),  # an array (a json field: tags)
    "joined": Signature((1, 2), "string", "any"),  # as text, joined with ", "
}


def arity_text(signature: Signature) -> str:
    low, high = signature.arity
    if low == high:
        return f"{low} argument{'s' if low != 1 else ''}"
    return f"at least {low}" if high == -1 else f"{low} to {high} arguments"
