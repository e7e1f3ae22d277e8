"""Spec -> dlt source: generic REST (dlt rest_api), SQL (dlt sql_database), files (CSV)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dlt
from dlt.common.jsonpath import find_values
from dlt.extract.source import DltSource
from dlt.sources.rest_api import rest_api_source

from autonomos_pipelines.aam.connection import Connection
from autonomos_pipelines.aam.spec_loader import AnySpec
from autonomos_pipelines.aam.spec_model import (
    ApiKeyAuth,
    BearerAuth,
    FileSpec,
    GenericRestSpec,
    HttpBasicAuth,
    RestResource,
    SqlSpec,
)


def build_source(spec: AnySpec, connection: Connection) -> DltSource:
    """Build the dlt source for one tenant's connection to one connector."""
    if isinstance(spec, GenericRestSpec):
        return _rest_source(spec, connection)
    if isinstance(spec, SqlSpec):
        return _sql_source(spec, connection)
    return _file_source(spec, connection)


def _auth_config(auth: BearerAuth | ApiKeyAuth | HttpBasicAuth, connection: Connection) -> dict:
    if isinstance(auth, BearerAuth):
        return {"type": "bearer", "token": connection.secret(auth.token.secret)}
    if isinstance(auth, ApiKeyAuth):
        return {
            "type": "api_key",
            "name": auth.name,
            "location": auth.location,
            "api_key": connection.secret(auth.api_key.secret),
        }
    return {
        "type": "http_basic",
        "username": connection.secret(auth.username.secret),
        "password": connection.secret(auth.password.secret),
    }


def _derive(fields: dict[str, str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def add_derived(record: dict[str, Any]) -> dict[str, Any]:
        for name, path in fields.items():
            values = find_values(path, record)
            record[name] = values[0] if values else None
        return record

    return add_derived


def _resource_config(resource: RestResource) -> dict[str, Any]:
    endpoint: dict[str, Any] = {
        "path": resource.endpoint.path,
        "method": resource.endpoint.method,
        "params": dict(resource.endpoint.params),
    }
    if resource.endpoint.data_selector:
        endpoint["data_selector"] = resource.endpoint.data_selector
    if resource.endpoint.paginator:
        endpoint["paginator"] = resource.endpoint.paginator.model_dump(exclude_none=True)
    config: dict[str, Any] = {
        "name": resource.name,
        "endpoint": endpoint,
        "primary_key": resource.primary_key,
        "write_disposition": resource.write_disposition,
    }
    if resource.derived_fields:
        config["processing_steps"] = [{"map": _derive(resource.derived_fields)}]
    return config


def _rest_source(spec: GenericRestSpec, connection: Connection) -> DltSource:
    client: dict[str, Any] = {
        "base_url": connection.base_url or spec.client.base_url,
        "auth": _auth_config(spec.client.auth, connection),
        "headers": dict(spec.client.headers),
    }
    if spec.client.paginator:
        client["paginator"] = spec.client.paginator.model_dump(exclude_none=True)
    config = {"client": client, "resources": [_resource_config(r) for r in spec.resources]}
    return rest_api_source(config, name=spec.name)  # type: ignore[arg-type]


def _sql_source(spec: SqlSpec, connection: Connection) -> DltSource:
    from dlt.sources.sql_database import sql_database

    source = sql_database(
        credentials=connection.secret(spec.credentials.secret),
        schema=spec.schema_name,
        table_names=[table.name for table in spec.tables],
        defer_table_reflect=True,
    ).clone(with_name=spec.name)
    for table in spec.tables:
        hints: dict[str, Any] = {"write_disposition": "replace"}
        if table.primary_key:
            hints["primary_key"] = table.primary_key
        if table.incremental_column:
            hints["incremental"] = dlt.sources.incremental(table.incremental_column)
            hints["write_disposition"] = "merge"
        source.resources[table.name].apply_hints(**hints)
    return source


def _file_source(spec: FileSpec, connection: Connection) -> DltSource:
    from dlt.sources.filesystem import filesystem, read_csv

    root = connection.file_root
    assert root is not None, "file connections always have a root"

    @dlt.source(name=spec.name)
    def files() -> list[Any]:
        resources = []
        for table in spec.tables:
            reader = filesystem(bucket_url=root.as_uri(), file_glob=table.file_glob) | read_csv()
            reader = reader.with_name(table.name)
            reader.apply_hints(write_disposition="replace", primary_key=table.primary_key or ())
            resources.append(reader)
        return resources

    return files()
