"""What the value-mapping pass reports in the Dagster UI: how many observed enumeration
values are canonical already, mapped, waiting for review or unmapped, and which."""

from __future__ import annotations

from dagster import MetadataValue

from autonomos_pipelines.core.markdown import cell
from autonomos_pipelines.dcl.value_run import STATUSES, ValuePass

SHOWN = 200


def value_metadata(run: ValuePass) -> dict:
    counts = run.counts()
    return {
        "values_total": len(run.outcomes),
        **{f"values_{status}": counts[status] for status in STATUSES},
        "value_maps_auto_approved_this_run": run.auto_approved,
        "value_maps_proposed_this_run": run.proposed,
        "values": MetadataValue.md(values_table(run)),
    }


def values_table(run: ValuePass) -> str:
    """The values that are not canonical already: unmapped first, then in review, mapped."""
    order = {"unmapped": 0, "in_review": 1, "mapped": 2}
    rows = sorted(
        (o for o in run.outcomes if o.status != "canonical"),
        key=lambda o: (order[o.status], o.field, -o.rows),
    )
    lines = [
        f"| {o.status} | {o.field} | `{cell(o.value)}` | {o.rows} | {o.canonical_value or ''} "
        f"| {'' if o.confidence is None else round(o.confidence, 3)} |"
        for o in rows[:SHOWN]
    ]
    more = f"\n\n…and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
    return (
        "| status | field | value | rows | canonical value | confidence |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(lines) + more
    )
