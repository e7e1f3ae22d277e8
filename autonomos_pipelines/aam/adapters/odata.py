"""OData v4 (Dynamics 365 Web API): $select/$filter/$orderby, server-driven paging through
@odata.nextLink with Prefer: odata.maxpagesize, client-credentials OAuth2 (a new token is
fetched when the API answers 401). Incremental by modifiedon, kept by dlt per tenant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.extract.source import DltSource

from autonomos_pipelines.aam.adapters.incremental import cursor_resource
from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.http.oauth import OAuthClient
from autonomos_pipelines.aam.http.session import HttpRuntime
from autonomos_pipelines.aam.specs.spec_model import ODataEntitySet, ODataSpec

EPOCH = "1970-01-01T00:00:00Z"


def query_params(item: ODataEntitySet, since: str | None) -> dict[str, str]:
    params = {"$select": ",".join(item.select)}
    if item.incremental_field:
        params["$orderby"] = f"{item.incremental_field} asc"
        if since and since != EPOCH:
            params["$filter"] = f"{item.incremental_field} ge {since}"
    return params


def odata_source(spec: ODataSpec, connection: Connection, runtime: HttpRuntime) -> DltSource:
    auth = spec.auth
    client = OAuthClient(
        runtime.session,
        connection.token_url or auth.token_url,
        {
            "grant_type": "client_credentials",
            "client_id": connection.secret(auth.client_id.secret),
            "client_secret": connection.secret(auth.client_secret.secret),
            "scope": auth.scope,
        },
        spec.name,
    )
    base = (connection.base_url or spec.base_url).rstrip("/")
    headers = {
        "Accept": "application/json",
        "OData-MaxVersion": "4.0",
        "OData-Version": "4.0",
        "Prefer": f"odata.maxpagesize={spec.page_size}",
    }

    def pages(item: ODataEntitySet, since: str | None) -> Iterator[list[dict[str, Any]]]:
        url: str | None = f"{base}/{item.name}"
        params: dict[str, str] | None = query_params(item, since)
        while url:
            body = client.get(url, params=params, headers=dict(headers))
            yield [
                {k: v for k, v in record.items() if not k.startswith("@odata.")}
                for record in body.get("value", [])
            ]
            url, params = body.get("@odata.nextLink"), None

    def resource(item: ODataEntitySet) -> Any:
        return cursor_resource(
            item.table,
            item.primary_key,
            item.incremental_field,
            EPOCH,
            lambda since: pages(item, since),
        )

    @dlt.source(name=spec.name)
    def odata() -> list[Any]:
        return [resource(item) for item in spec.entity_sets]

    return odata()
