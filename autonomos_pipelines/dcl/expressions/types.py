"""Types: what a warehouse column holds, and which expression types fit together."""

from __future__ import annotations

from autonomos_pipelines.dcl.expressions.errors import ExpressionError

# "null" is the type of the literal null: it fits anywhere; "json" is list()'s, a nested list's
# values as an array
TYPES = ("string", "integer", "decimal", "boolean", "date", "timestamp", "json", "null")
NUMERIC = ("integer", "decimal")


def column_type(data_type: str | None) -> str:
    """The expression type of a column as the warehouse reports it (information_schema's
    data_type, DuckDB or PostgreSQL spelling). Anything else, or unknown, is text: it needs
    an explicit cast such as to_decimal() before arithmetic. A json column is json: a json
    field takes it as it is, to_text() gives its text, and nothing else reads it."""
    kind = (data_type or "").lower()
    if "json" in kind:  # an object or a list as one value (DuckDB's JSON, PostgreSQL's jsonb)
        return "json"
    if "interval" in kind or kind.startswith("time ") or kind == "time":
        return "string"
    for marker, found in (
        ("timestamp", "timestamp"),
        ("date", "date"),
        ("bool", "boolean"),
        ("int", "integer"),
        ("decimal", "decimal"),
        ("numeric", "decimal"),
        ("double", "decimal"),
        ("real", "decimal"),
        ("float", "decimal"),
    ):
        if marker in kind:
            return found
    return "string"


def is_floating(data_type: str | None) -> bool:
    """Whether a warehouse column holds binary floating point (DOUBLE, REAL): read as a
    decimal, it is cast to one, or PostgreSQL's round() refuses it and the dialects round
    2.5 apart."""
    kind = (data_type or "").lower()
    return any(marker in kind for marker in ("double", "real", "float"))


def unify(left: str, right: str) -> str | None:
    """The common type of two values (a branch of if(), coalesce, a comparison), else None."""
    if left == right or right == "null":
        return left
    if left == "null":
        return right
    if left in NUMERIC and right in NUMERIC:
        return "decimal"
    return None


def fits(result: str, canonical_type: str) -> bool:
    """Whether an expression of type ``result`` may feed a canonical field of that type."""
    return result in ("null", canonical_type) or (
        result == "integer" and canonical_type == "decimal"
    )


def require_fit(result: str, canonical_type: str, target: str) -> None:
    if not fits(result, canonical_type):
        raise ExpressionError(
            f"gives {result} but {target} is {canonical_type}"
            + ("; wrap it in a cast function such as to_" + canonical_type + "()"
               if canonical_type in ("decimal", "integer", "date", "timestamp") else "")
        )  # fmt: skip
