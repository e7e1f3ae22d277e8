"""Literals an expression may hold, and what a cast makes of a literal, decided here rather
than by the database.

A number outside what the warehouse column holds (BIGINT, DECIMAL(38,9)) is refused when
the expression is checked: stored, it made every canonical row of its entity fail to
compute. A cast of a text literal (``to_decimal('n/a')``) is worked out when compiled, the
same way for both dialects: PostgreSQL folds a constant cast while planning, so a value that
does not convert raised even in a branch never taken, and the two databases read text
differently (PostgreSQL takes ``'on'`` for true and ``'20240115'`` for a date, DuckDB takes
neither). A literal converts only in the forms both accept; anything else is NULL.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from autonomos_pipelines.dcl.expressions.errors import ExpressionError

INTEGER_MAX = 2**63 - 1  # BIGINT
DECIMAL_DIGITS = 29  # before the point in DECIMAL(38,9)
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_BOOLEANS = {"true": "true", "t": "true", "1": "true", "false": "false", "f": "false", "0": "false"}
# the text a cast converts, lower-cased, in the forms both dialects read alike (a column's
# values: the compiler guards each cast with its form); what the database then refuses
# (2024-02-30) is NULL too
_SPACED = r"\s*({})\s*"
TEXT_FORMS = {
    "boolean": _SPACED.format("true|false|t|f|1|0"),
    "decimal": _SPACED.format(_NUMBER.pattern),
    # ISO 8601, a date or a timestamp (a date's is the day it falls on), as either prints it
    "date": _SPACED.format(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ t][0-9:.]+)?(z|[+-][0-9:]+)?"),
}
TEXT_FORMS["timestamp"] = TEXT_FORMS["date"]


def check_number(kind: str, text: str, position: int) -> None:
    """Refuse an integer literal past BIGINT, or a decimal one past DECIMAL(38,9)."""
    whole = text.lstrip("-").partition(".")[0]
    if kind == "integer" and int(whole) > INTEGER_MAX:
        raise ExpressionError(
            f"{text} is past the largest integer ({INTEGER_MAX:,}); write {text}.0 for a decimal",
            position,
        )
    if len(whole.lstrip("0")) > DECIMAL_DIGITS:
        raise ExpressionError(
            f"{text} has more than {DECIMAL_DIGITS} digits before the point, past the "
            "largest decimal",
            position,
        )


def cast_text(text: str, target: str) -> str | None:
    """A text literal cast to ``target``, as a literal both dialects read alike, or None
    (NULL) where it does not convert."""
    if target == "string":
        return text
    if target == "boolean":
        return _BOOLEANS.get(text.lower())
    if target in ("decimal", "integer"):
        return _number(text, target)
    if target == "date":
        if _DATE.fullmatch(text) or _TIMESTAMP.fullmatch(text):
            return _parsed(text[:10], datetime.date.fromisoformat)
        return None
    if _TIMESTAMP.fullmatch(text):  # timestamp
        return _parsed(text.replace("Z", "+00:00"), datetime.datetime.fromisoformat)
    return None


def _number(text: str, target: str) -> str | None:
    if not _NUMBER.fullmatch(text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if target == "integer":
        value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)  # as to_integer rounds
        return str(int(value)) if abs(value) <= INTEGER_MAX else None
    if abs(value) >= Decimal(10) ** DECIMAL_DIGITS:
        return None
    return format(value.quantize(Decimal("1e-9"), rounding=ROUND_HALF_UP), "f")


def _parsed(text: str, parse: Callable[[str], datetime.date]) -> str | None:
    try:
        return parse(text).isoformat()
    except ValueError:  # 2024-02-30
        return None
