"""Generic REST: a spec becomes a dlt rest_api source on the guarded HTTP session."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dlt.common.jsonpath import find_values
from dlt.extract.source import DltSource
from dlt.sources.rest_api import rest_api_source
from requests import Response

from autonomos_pipelines.aam.adapters.hooks import RECORD_HOOKS
from autonomos_pipelines.aam.adapters.paginators import paginator_config
from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.http.session import HttpRuntime
from autonomos_pipelines.aam.specs.spec_model import (
    ApiKeyAuth,
    BearerAuth,
    GenericRestSpec,
    HttpBasicAuth,
    ResponseCheck,
    RestResource,
    SecretRef,
)
from autonomos_pipelines.core.errors import SourceError


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


def _with_secrets(values: Mapping[str, Any], connection: Connection) -> dict[str, Any]:
    """Params or headers with each ``{"secret": NAME}`` replaced by the tenant's secret."""
    return {
        name: connection.secret(value.secret) if isinstance(value, SecretRef) else value
        for name, value in values.items()
    }


def _derive(fields: dict[str, str | list[str]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def add_derived(record: dict[str, Any]) -> dict[str, Any]:
        for name, paths in fields.items():
            found = (find_values(p, record) for p in ([paths] if isinstance(paths, str) else paths))
            record[name] = next((v for vs in found for v in vs if v not in (None, "")), None)
        return record

    return add_derived


def _body_check(check: ResponseCheck, connection: Connection) -> Callable[..., None]:
    def raise_on_error_body(response: Response, *args: Any, **kwargs: Any) -> None:
        try:
            body = response.json()
        except ValueError:
            return
        ok = find_values(check.success_path, body)
        if ok and ok[0] is False:
            detail = find_values(check.error_path, body) if check.error_path else []
            said = connection.redact(str(detail[0] if detail else body)[:2000])[:300]
            raise SourceError(
                f"{connection.connector}: {response.request.method} "
                f"{response.url.split('?')[0]} answered {response.status_code} with "
                f"{check.success_path}=false: {said}"
            )

    return raise_on_error_body


def _json_check(connector: str) -> Callable[..., None]:
    """A body that is not JSON (e.g. cut off mid-page) fails naming the URL, without its query
    (it may carry a key); dlt's own decoding error names neither."""

    def raise_on_malformed_json(response: Response, *args: Any, **kwargs: Any) -> None:
        if response.status_code >= 400 or not response.content:
            return  # dlt raises for the status, or yields nothing for an empty body
        try:
            response.json()
        except ValueError as error:
            raise SourceError(
                f"{connector}: {response.request.method} {response.url.split('?')[0]} answered "
                f"{response.status_code} with malformed JSON ({error}); nothing of it was loaded"
            ) from None

    return raise_on_malformed_json


def _resource_config(
    resource: RestResource, spec: GenericRestSpec, connection: Connection
) -> dict[str, Any]:
    endpoint: dict[str, Any] = {
        "path": resource.endpoint.path,
        "method": resource.endpoint.method,
        "params": _with_secrets(resource.endpoint.params, connection),
    }
    if resource.endpoint.json_body is not None:
        endpoint["json"] = resource.endpoint.json_body
    if resource.endpoint.data_selector:
        endpoint["data_selector"] = resource.endpoint.data_selector
    if resource.endpoint.paginator:
        endpoint["paginator"] = paginator_config(resource.endpoint.paginator)
    if resource.endpoint.incremental:
        incremental = resource.endpoint.incremental
        endpoint["incremental"] = {
            "start_param": incremental.start_param,
            "cursor_path": incremental.cursor_path,
            "initial_value": incremental.initial_value,
        }
    endpoint["response_actions"] = [_json_check(spec.name)]
    if spec.client.response_check:
        endpoint["response_actions"].append(_body_check(spec.client.response_check, connection))
    config: dict[str, Any] = {
        "name": resource.name,
        "endpoint": endpoint,
        "primary_key": resource.primary_key,
        "write_disposition": "merge"
        if resource.endpoint.incremental
        else resource.write_disposition,
    }
    steps = []
    if resource.record_hook:
        steps.append({"map": RECORD_HOOKS[resource.record_hook](resource)})
    if resource.derived_fields:
        steps.append({"map": _derive(resource.derived_fields)})
    if steps:
        config["processing_steps"] = steps
    return config


def rest_source(spec: GenericRestSpec, connection: Connection, runtime: HttpRuntime) -> DltSource:
    client: dict[str, Any] = {
        "base_url": connection.base_url or spec.client.base_url,
        "auth": _auth_config(spec.client.auth, connection),
        "headers": _with_secrets(spec.client.headers, connection),
        "session": runtime.session,
    }
    if spec.client.paginator:
        client["paginator"] = paginator_config(spec.client.paginator)
    resources = [_resource_config(resource, spec, connection) for resource in spec.resources]
    config = {"client": client, "resources": resources}
    return rest_api_source(config, name=spec.name)  # type: ignore[arg-type]
