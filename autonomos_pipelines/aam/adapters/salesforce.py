"""Salesforce: SOQL through /services/data/vXX.X/query, following nextRecordsUrl, with the
OAuth2 refresh-token flow (instance_url taken from the token response). Incremental by
SystemModstamp, kept by dlt per tenant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import dlt
from dlt.extract.source import DltSource

from autonomos_pipelines.aam.adapters.incremental import cursor_resource
from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.http.oauth import OAuthClient
from autonomos_pipelines.aam.http.session import HttpRuntime
from autonomos_pipelines.aam.specs.spec_model import SalesforceObject, SalesforceSpec

EPOCH = "1970-01-01T00:00:00.000+0000"


def soql_datetime(value: str) -> str:
    """Salesforce returns 2024-01-02T03:04:05.000+0000; SOQL literals want ...Z."""
    parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def soql(item: SalesforceObject, since: str | None) -> str:
    # Names are validated API names (spec_model.SoqlName); SOQL has no identifier quoting.
    query = f"SELECT {', '.join(item.fields)} FROM {item.name}"  # noqa: S608
    if item.incremental_field and since and since != EPOCH:
        query += f" WHERE {item.incremental_field} >= {soql_datetime(since)}"
    if item.incremental_field:
        query += f" ORDER BY {item.incremental_field}"
    return query


def salesforce_source(
    spec: SalesforceSpec, connection: Connection, runtime: HttpRuntime
) -> DltSource:
    auth = spec.auth
    token_url = connection.token_url or auth.token_url
    client = OAuthClient(
        runtime.session,
        token_url,
        {
            "grant_type": "refresh_token",
            "client_id": connection.secret(auth.client_id.secret),
            "client_secret": connection.secret(auth.client_secret.secret),
            "refresh_token": connection.secret(auth.refresh_token.secret),
        },
        spec.name,
        on_refresh_token=lambda token: connection.rotate_secret(auth.refresh_token.secret, token),
    )
    headers = {"Sforce-Query-Options": f"batchSize={spec.batch_size}"}

    def instance() -> str:
        return str(client.token().get("instance_url") or connection.base_url or spec.instance_url)

    def pages(item: SalesforceObject, since: str | None) -> Iterator[list[dict[str, Any]]]:
        url: str | None = f"{instance()}/services/data/{spec.api_version}/query"
        params: dict[str, str] | None = {"q": soql(item, since)}
        while url:
            body = client.get(url, params=params, headers=dict(headers))
            yield [
                {k: v for k, v in record.items() if k != "attributes"}
                for record in body.get("records", [])
            ]
            following = None if body.get("done", True) else body.get("nextRecordsUrl")
            url, params = (instance() + following if following else None), None

    def resource(item: SalesforceObject) -> Any:
        return cursor_resource(
            item.table, "Id", item.incremental_field, EPOCH, lambda since: pages(item, since)
        )

    @dlt.source(name=spec.name)
    def salesforce() -> list[Any]:
        return [resource(item) for item in spec.objects]

    return salesforce()
