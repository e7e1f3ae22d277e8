"""The business-domain evaluation set: every raw field of the catalogue's connectors, with
type, sample values and the baseline's answer (null = no canonical counterpart).

Rebuild after `./run demo` with `python bench/business_set.py` (reads the demo tenant's
DuckDB file); the result is committed as bench/data/business_fields.jsonl.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from autonomos_pipelines.canonical.sql_builder import DLT_COLUMNS
from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.dcl.registry.baseline import baseline_mappings

OUT = Path(__file__).parent / "data" / "business_fields.jsonl"


def build(warehouse: Path) -> list[dict]:
    gold = {(m.connector, m.source_table, m.source_field): f"{m.entity}.{m.field}"
            for m in baseline_mappings()}  # fmt: skip
    rows = []
    with duckdb.connect(str(warehouse), read_only=True) as db:
        tables = db.execute("""SELECT table_schema, table_name FROM information_schema.tables
                               WHERE table_schema LIKE 'raw_%' AND table_name NOT LIKE '_dlt%'
                               ORDER BY 1, 2""").fetchall()  # fmt: skip
        for schema, table in tables:
            connector = schema.removeprefix("raw_")
            columns = db.execute(
                """SELECT column_name, data_type FROM information_schema.columns
                   WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""",
                [schema, table],
            ).fetchall()
            for column, data_type in columns:
                if column in DLT_COLUMNS:
                    continue
                values = db.execute(
                    f"SELECT DISTINCT CAST({quote_ident(column)} AS VARCHAR) "  # noqa: S608
                    f"FROM {quote_ident(schema)}.{quote_ident(table)} "
                    f"WHERE {quote_ident(column)} IS NOT NULL LIMIT 10"
                ).fetchall()
                rows.append({
                    "source_system": connector, "source_entity": table, "field": column,
                    "type": data_type.lower(), "samples": [v[0] for v in values],
                    "gold": gold.get((connector, table, column)),
                })  # fmt: skip
    return rows


def load() -> list[dict]:
    return [json.loads(line) for line in OUT.read_text(encoding="utf-8").splitlines()]


if __name__ == "__main__":
    rows = build(Path(".autonomos/warehouse/demo.duckdb"))
    OUT.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} fields, {sum(1 for r in rows if r['gold'])} with a canonical target")
