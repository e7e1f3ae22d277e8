"""Counting the enumeration values a canonical table kept unmapped (``extras._unmapped_values``),
per source table, field and value, so the canonical asset can show what still needs a value
mapping."""

from __future__ import annotations

import json
from collections import Counter

from autonomos_pipelines.canonical.value_sql import UNMAPPED_VALUES_KEY
from autonomos_pipelines.core.naming import quote_literal
from autonomos_pipelines.warehouse.store import WarehouseSession

# distinct combinations of unknown values read back; a row can hold several fields' values
MAX_COMBINATIONS = 1000
UnmappedKey = tuple[str, str, str, str]  # (connector, source table, source field, value)


def unmapped_counts(session: WarehouseSession, target: str) -> Counter[UnmappedKey]:
    """Rows per unknown value in ``target`` (a quoted canonical table)."""
    dialect = session.dialect
    found = dialect.as_text(f"extras -> {quote_literal(UNMAPPED_VALUES_KEY)}")
    has_key = dialect.json_has_key("extras", UNMAPPED_VALUES_KEY)
    rows = session.rows(
        f"SELECT _source_connector, _source_table, {found}, count(*) FROM {target} "  # noqa: S608
        f"WHERE {has_key} GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT {MAX_COMBINATIONS}"
    )
    counts: Counter[UnmappedKey] = Counter()
    for connector, table, values, rows_with in rows:
        for field, value in json.loads(values).items():
            counts[(connector, table, field, str(value))] += int(rows_with)
    return counts
