"""What a canonical table shows of its enumeration values that no value mapping covers: how
many there are, and which, so the UI says where a value mapping is missing."""

from __future__ import annotations

from collections import Counter

from dagster import MetadataValue

from autonomos_pipelines.canonical.unmapped_values import UnmappedKey
from autonomos_pipelines.core.markdown import cell

SHOWN = 50


def unmapped_values_metadata(counts: Counter[UnmappedKey]) -> dict:
    """`unmapped_values`: values kept as sent because no value mapping covers them (a row
    with two such fields counts twice); `unmapped_distinct_values`: distinct (source field,
    value) pairs; the most frequent as a table."""
    lines = [
        f"| {connector}.{table} | `{field}` | `{cell(value)}` | {rows} |"
        for (connector, table, field, value), rows in counts.most_common(SHOWN)
    ]
    more = f"\n\n…and {len(counts) - SHOWN} more" if len(counts) > SHOWN else ""
    how = (
        "\n\nKept as the source sent them (see `extras._unmapped_values`); map one with "
        "`autonomos mappings set-value CONNECTOR.TABLE.FIELD VALUE CANONICAL_VALUE`."
    )
    return {
        "unmapped_values": sum(counts.values()),
        "unmapped_distinct_values": len(counts),
        "unmapped_values_detail": MetadataValue.md(
            "| source table | field | value | rows |\n|---|---|---|---|\n"
            + "\n".join(lines)
            + more
            + (how if counts else "")
        ),
    }
