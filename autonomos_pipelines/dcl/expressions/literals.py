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
from decimal import ROUND_HALF_UP, Context, Decimal

from autonomos_pipelines.dcl.expressions.errors import ExpressionError

INTEGER_MAX = 2**63 - 1  # BIGINT
DECIMAL_DIGITS = 29  # before the point in DECIMAL(38,9)
_NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
# ISO 8601 as both print and read it: a date, maybe a time, maybe a zone (a space before it)
_WHEN = (
    r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})([ T]([0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?))?"
    r"( ?(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?))?"
)
# the text a cast converts, spaces around it aside (SQL's trim), in the forms both dialects
# read alike: a column's values are tested against these before the dialect's try-cast, a
# literal's here; what the database then refuses (2024-02-30) is NULL too
TEXT_FORMS = {"decimal": _NUMBER, "date": _WHEN, "timestamp": _WHEN}
TRUE, FALSE = ("true", "t", "1"), ("false", "f", "0")  # to_boolean: any case
_HIGH = Context(prec=80)  # quantize() past the default 28 digits raised InvalidOperation


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
    text = text.strip(" ")
    if target == "boolean":
        lowered = text.lower()
        return "true" if lowered in TRUE else "false" if lowered in FALSE else None
    if target in ("decimal", "integer"):
        return _number(text, target) if re.fullmatch(_NUMBER, text) else None
    found = re.fullmatch(_WHEN, text)
    if found is None:
        return None
    try:  # 2024-02-30, 25:00: NULL, as the databases read them
        return _iso(found.group(1), found.group(3), found.group(6), target)
    except ValueError:
        return None


def _number(text: str, target: str) -> str | None:
    value = Decimal(text)
    if target == "integer":
        value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_HIGH)
        return str(int(value)) if abs(value) <= INTEGER_MAX else None
    if abs(value) >= Decimal(10) ** DECIMAL_DIGITS:
        return None
    return format(value.quantize(Decimal("1e-9"), rounding=ROUND_HALF_UP, context=_HIGH), "f")


def _iso(day: str, clock: str | None, zone: str | None, target: str) -> str:
    """A date, time and zone (_WHEN's parts) checked and written in full ISO 8601: a date
    for a date; without a zone, the database's session zone reads it, as it reads a
    column's."""
    year, month, date = (int(part) for part in day.split("-"))
    written = datetime.date(year, month, date).isoformat()
    moment = datetime.time.fromisoformat(clock).isoformat() if clock else "00:00:00"
    if target == "date":
        return written
    offset = ""
    if zone is not None:
        zone = zone.strip()
        offset = "+00:00" if zone in ("Z", "UTC") else f"{zone[:3]}:{zone[3:].lstrip(':') or '00'}"
    return f"{written}T{moment}{offset}"
