"""AWS Cost Explorer GetCostAndUsage: a POST with the JSON 1.1 protocol, signed with SigV4 by
botocore, paged by NextPageToken. Each (day, group) becomes one record. Recent days are
re-read on every run because AWS restates costs for a few days; merge keeps one row each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dlt
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from dlt.extract.source import DltSource

from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.http.session import HttpRuntime
from autonomos_pipelines.aam.specs.spec_model import AwsCostSpec
from autonomos_pipelines.core.errors import SourceError

TARGET = "AWSInsightsIndexService.GetCostAndUsage"
RESTATED_DAYS = 3


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def records_of(page: dict[str, Any], spec: AwsCostSpec) -> list[dict[str, Any]]:
    keys = [snake(name.title().replace("_", "")) for name in spec.group_by]
    rows = []
    for period in page.get("ResultsByTime", []):
        for group in period.get("Groups", []):
            record: dict[str, Any] = {
                "usage_date": period["TimePeriod"]["Start"],
                "period_end": period["TimePeriod"]["End"],
                "estimated": period.get("Estimated", False),
                **dict(zip(keys, group["Keys"], strict=True)),
            }
            for metric, value in group.get("Metrics", {}).items():
                record[snake(metric)] = value.get("Amount")
                record[f"{snake(metric)}_unit"] = value.get("Unit")
            record["record_id"] = "|".join([record["usage_date"], *group["Keys"]])
            rows.append(record)
    return rows


def aws_cost_source(spec: AwsCostSpec, connection: Connection, runtime: HttpRuntime) -> DltSource:
    credentials = Credentials(
        connection.secret(spec.access_key_id.secret),
        connection.secret(spec.secret_access_key.secret),
    )
    endpoint = connection.base_url or spec.endpoint_url

    def call(body: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(body)
        request = AWSRequest(
            method="POST",
            url=endpoint,
            data=payload,
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET},
        )
        SigV4Auth(credentials, "ce", spec.region).add_auth(request)
        response = runtime.session.post(endpoint, data=payload, headers=dict(request.headers))
        if response.status_code != 200:
            raise SourceError(
                f"{spec.name}: GetCostAndUsage answered {response.status_code}: "
                f"{connection.redact(response.text[:2000])[:300]}"
            )
        return response.json()

    @dlt.resource(name=spec.table, primary_key="record_id", write_disposition="merge")
    def costs() -> Iterator[list[dict[str, Any]]]:
        # Resource state, not dlt.sources.incremental: restated days older than the last
        # value must be loaded again, and incremental would drop them.
        state = dlt.current.resource_state()
        end = datetime.now(UTC).date()
        start = end - timedelta(days=spec.lookback_days)
        if state.get("last_day"):
            start = max(start, date.fromisoformat(state["last_day"]) - timedelta(RESTATED_DAYS))
        body: dict[str, Any] = {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": spec.granularity,
            "Metrics": spec.metrics,
            "GroupBy": [{"Type": "DIMENSION", "Key": key} for key in spec.group_by],
        }
        while True:
            page = call(body)
            rows = records_of(page, spec)
            if rows:
                state["last_day"] = max(state.get("last_day", ""), *(r["usage_date"] for r in rows))
            yield rows
            if not page.get("NextPageToken"):
                break
            body["NextPageToken"] = page["NextPageToken"]

    @dlt.source(name=spec.name)
    def aws_cost() -> list[Any]:
        return [costs]

    return aws_cost()
