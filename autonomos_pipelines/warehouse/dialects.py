"""SQL fragments that differ between DuckDB and PostgreSQL.

Casts never raise: a value that does not convert becomes NULL (DuckDB TRY_CAST, PostgreSQL 16
pg_input_is_valid), so the generator can tell a failed cast from a missing value.
"""

from __future__ import annotations

from autonomos_pipelines.core.naming import quote_literal
from autonomos_pipelines.dcl.model.currencies import minor_unit_divisor

MINOR_UNITS = ("minor_units", "minor_units_stripe")


class DuckDbDialect:
    name = "duckdb"
    types = {
        "string": "VARCHAR",
        "integer": "BIGINT",
        "decimal": "DECIMAL(38,9)",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMPTZ",
        "json": "JSON",
    }
    text_type = "VARCHAR"

    def try_cast(self, expr: str, canonical_type: str) -> str:
        target = self.types[canonical_type]
        if canonical_type == "date":
            return (
                f"COALESCE(TRY_CAST({expr} AS DATE), CAST(TRY_CAST({expr} AS TIMESTAMPTZ) AS DATE))"
            )
        if canonical_type == "json":
            return f"to_json({expr})"
        return f"TRY_CAST({expr} AS {target})"

    def transform(self, expr: str, transform: str, currency: str | None = None) -> str:
        """``expr`` after ``transform``; ``currency`` is the row's currency code expression,
        which minor units need."""
        if transform == "unix_seconds":
            return f"to_timestamp(TRY_CAST({expr} AS DOUBLE))"
        if transform in MINOR_UNITS:
            code = self.as_text(currency) if currency else None
            return f"(TRY_CAST({expr} AS DECIMAL(38,9)) / {minor_unit_divisor(code, transform)})"
        if transform == "percent_from_fraction":
            return f"(TRY_CAST({expr} AS DECIMAL(38,9)) * 100)"
        if transform == "upper":
            return f"upper(CAST({expr} AS VARCHAR))"
        if transform == "yyyymmdd":
            return f"TRY_STRPTIME(CAST({expr} AS VARCHAR), '%Y%m%d')"
        return expr

    def as_text(self, expr: str) -> str:
        return f"CAST({expr} AS VARCHAR)"

    def decimal_product(self, left: str, right: str) -> str:
        """Two decimals multiplied: DuckDB widens the scale of a product of DECIMALs as it
        goes (DECIMAL(18,4) * DECIMAL(18,4) overflowed at 7^5), so both sides are
        DECIMAL(38,9), the product one again, NULL past what DuckDB holds (10^20, its widest
        product being DECIMAL(38,18))."""
        sides = [f"TRY_CAST({side} AS DECIMAL(38,9))" for side in (left, right)]
        return f"try(CAST(({sides[0]} * {sides[1]}) AS DECIMAL(38,9)))"

    def full_match(self, expr: str, pattern: str) -> str:
        """Whether the text ``expr`` is wholly ``pattern`` (a regular expression)."""
        return f"regexp_full_match({expr}, {quote_literal(pattern)})"

    def json_object_without_nulls(self, pairs: list[tuple[str, str]]) -> str:
        """A JSON object of (key, SQL expression) pairs, leaving out NULL values."""
        if not pairs:
            return "CAST('{}' AS JSON)"
        entries = ", ".join(f"{{'k': {quote_literal(k)}, 'v': to_json({v})}}" for k, v in pairs)
        return (
            f"to_json(map_from_entries(list_filter([{entries}], "
            f"lambda e: e.v IS NOT NULL AND CAST(e.v AS VARCHAR) <> 'null')))"
        )

    def json_merge(self, left: str, right: str) -> str:
        return f"json_merge_patch({left}, {right})"

    def json_wrap(self, key: str, expr: str) -> str:
        return f"json_object({quote_literal(key)}, {expr})"

    def now(self) -> str:
        return "CAST(now() AS TIMESTAMPTZ)"

    def json_has_key(self, column: str, key: str) -> str:
        return f"json_exists({column}, {quote_literal('$.' + key)})"


class PostgresDialect:
    name = "postgres"
    types = {
        "string": "text",
        "integer": "bigint",
        "decimal": "numeric(38,9)",
        "boolean": "boolean",
        "date": "date",
        "timestamp": "timestamptz",
        "json": "jsonb",
    }
    text_type = "text"

    def try_cast(self, expr: str, canonical_type: str) -> str:
        if canonical_type == "json":
            return f"to_jsonb({expr})"
        target = self.types[canonical_type]
        text = f"({expr})::text"
        if canonical_type == "date":
            return (
                f"CASE WHEN pg_input_is_valid({text}, 'date') THEN {text}::date "
                f"WHEN pg_input_is_valid({text}, 'timestamptz') "
                f"THEN ({text}::timestamptz)::date END"
            )
        return f"CASE WHEN pg_input_is_valid({text}, '{target}') THEN {text}::{target} END"

    def transform(self, expr: str, transform: str, currency: str | None = None) -> str:
        text = f"({expr})::text"
        number = f"CASE WHEN pg_input_is_valid({text}, 'numeric') THEN {text}::numeric END"
        if transform == "unix_seconds":
            return f"to_timestamp(({number})::double precision)"
        if transform in MINOR_UNITS:
            code = self.as_text(currency) if currency else None
            return f"(({number}) / {minor_unit_divisor(code, transform)})"
        if transform == "percent_from_fraction":
            return f"(({number}) * 100)"
        if transform == "upper":
            return f"upper({text})"
        if transform == "yyyymmdd":
            return f"CASE WHEN {text} ~ '^[0-9]{{8}}$' THEN to_date({text}, 'YYYYMMDD') END"
        return expr

    def as_text(self, expr: str) -> str:
        return f"({expr})::text"

    def decimal_product(self, left: str, right: str) -> str:
        """PostgreSQL multiplies numerics exactly, whatever their scale; the canonical
        column's try-cast makes one past DECIMAL(38,9) NULL."""
        return f"({left} * {right})"

    def full_match(self, expr: str, pattern: str) -> str:
        return f"({expr} ~ {quote_literal(f'^({pattern})$')})"

    def json_object_without_nulls(self, pairs: list[tuple[str, str]]) -> str:
        if not pairs:
            return "'{}'::jsonb"
        # jsonb_build_object takes at most 100 arguments: merge chunks of 50 pairs.
        chunks = [pairs[i : i + 50] for i in range(0, len(pairs), 50)]
        objects = [
            "jsonb_build_object("
            + ", ".join(f"{quote_literal(k)}, to_jsonb({v})" for k, v in chunk)
            + ")"
            for chunk in chunks
        ]
        return "jsonb_strip_nulls(" + " || ".join(objects) + ")"

    def json_merge(self, left: str, right: str) -> str:
        return f"({left} || {right})"

    def json_wrap(self, key: str, expr: str) -> str:
        return f"jsonb_build_object({quote_literal(key)}, {expr})"

    def now(self) -> str:
        return "now()"

    def json_has_key(self, column: str, key: str) -> str:
        return f"jsonb_exists({column}, {quote_literal(key)})"


Dialect = DuckDbDialect | PostgresDialect
