"""Every input's limit, in one place (the README's *Limits* table lists these).

The limits are generous for real schemas and APIs and small enough that an input at the limit
cannot exhaust memory or CPU: `autonomos map` reads its input line by line, so memory follows
the largest allowed line and the number of fields, never the size of the file it was given.
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

from autonomos_pipelines.core.errors import InputRefused

KIB = 1024
MIB = 1024 * KIB

# `autonomos map` input (FIELDS.jsonl): one source field per line
MAX_LINE_BYTES = 1 * MIB  # a field with 20 samples of 1 KiB and a 16 KiB description is ~40 KiB
MAX_INPUT_BYTES = 128 * MIB  # the whole file; 100,000 fields of ~1.3 KiB each fit
MAX_FIELDS = 100_000  # a very wide warehouse has ~10,000 columns; this is 10 of those
MAX_NAME_CHARS = 1_024  # source_system, source_entity, field; Postgres truncates names at 63
MAX_TYPE_CHARS = 256
MAX_DESCRIPTION_CHARS = 16 * KIB  # description, entity_description; a page of documentation
MAX_SAMPLES = 20
MAX_SAMPLE_CHARS = 1_024

# JSON documents: map input lines, target schemas, connector specs, API responses
MAX_JSON_DEPTH = 64  # real APIs nest < 15 levels; the JSON parser's recursion starts at ~1,000
MAX_TARGET_SCHEMA_BYTES = 16 * MIB
MAX_ALSO_CALLED = 64  # a target schema entity's other names (`also_called`); real ones have a few
MAX_SPEC_BYTES = 1 * MIB  # the largest shipped spec is a few KiB

# numbers from the command line; those stored in Postgres fit their column's type
PG_INTEGER_MAX = 2**31 - 1
PG_BIGINT_MAX = 2**63 - 1
MAX_USAGE_DAYS = 36_500  # a century: the furthest back a date can go without overflow is ~2,000
MAX_PORT = 65_535


def refuse(where: str, what: str) -> NoReturn:
    raise InputRefused(f"{where}: {what}")


def check_length(where: str, key: str, value: str, limit: int) -> None:
    """Refuse a string longer than ``limit`` characters, naming where and which key."""
    if len(value) > limit:
        refuse(where, f"'{key}' is {len(value):,} characters; the limit is {limit:,}")


def refuse_constant(name: str) -> NoReturn:
    """``parse_constant`` for json.loads: NaN and Infinity are not JSON and reach no output
    (a ValueError, so the caller adds where it was found)."""
    raise ValueError(f"{name} is not a JSON number (NaN and Infinity are refused)")


def finite_or_none(value: Any) -> float | None:
    """A score as output JSON may carry it: None for NaN or infinite (JSON has neither)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)
