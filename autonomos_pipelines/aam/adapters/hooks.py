"""Named code hooks a hybrid spec may call: small reshaping an API needs beyond config."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autonomos_pipelines.aam.specs.spec_model import RestResource

RecordHook = Callable[[dict[str, Any]], dict[str, Any]]


def ga4_report_rows(resource: RestResource) -> RecordHook:
    """GA4 runReport rows are positional ({dimensionValues: [...], metricValues: [...]}); name
    each value after the dimension or metric the request asked for, in that order."""
    body = resource.endpoint.json_body or {}
    dimensions = [item["name"] for item in body.get("dimensions", [])]
    metrics = [item["name"] for item in body.get("metrics", [])]

    def to_record(row: dict[str, Any]) -> dict[str, Any]:
        dims = [cell.get("value") for cell in row.get("dimensionValues", [])]
        values = [cell.get("value") for cell in row.get("metricValues", [])]
        if len(dims) != len(dimensions) or len(values) != len(metrics):
            raise ValueError(
                f"GA4 row has {len(dims)} dimensions and {len(values)} metrics; the request "
                f"asked for {len(dimensions)} and {len(metrics)}"
            )
        record: dict[str, Any] = dict(zip(dimensions, dims, strict=True))
        record.update(zip(metrics, values, strict=True))
        record["row_key"] = "|".join(str(value) for value in dims)
        return record

    return to_record


RECORD_HOOKS: dict[str, Callable[[RestResource], RecordHook]] = {
    "ga4_report_rows": ga4_report_rows,
}
