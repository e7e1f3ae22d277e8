"""Typed connector spec model. Each JSON file in connector_specs/ validates against it.

Secrets never appear in a spec: credentials are ``SecretRef`` objects naming the secret key
that the tenant's connection supplies at run time.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Domain = Literal["revops", "finops", "supportops", "marketingops", "files"]
Entity = Literal[
    "account",
    "contact",
    "opportunity",
    "invoice",
    "payment",
    "subscription",
    "ticket",
    "user",
    "campaign",
    "web_traffic",
    "cloud_cost",
]
NAME_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SecretRef(_Strict):
    """Where a credential comes from: the tenant's secret called ``secret`` for this connector."""

    secret: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="Secret key name")


class BearerAuth(_Strict):
    type: Literal["bearer"]
    token: SecretRef


class ApiKeyAuth(_Strict):
    type: Literal["api_key"]
    name: str = Field(description="Header or query parameter name")
    location: Literal["header", "query"] = "header"
    api_key: SecretRef


class HttpBasicAuth(_Strict):
    type: Literal["http_basic"]
    username: SecretRef
    password: SecretRef


Auth = Annotated[BearerAuth | ApiKeyAuth | HttpBasicAuth, Field(discriminator="type")]


class CursorPaginator(_Strict):
    """Cursor taken from the JSON body (Stripe ``starting_after``, HubSpot ``after``)."""

    type: Literal["cursor"]
    cursor_path: str
    cursor_param: str
    has_more_path: str | None = None


class JsonLinkPaginator(_Strict):
    type: Literal["json_link"]
    next_url_path: str


class HeaderLinkPaginator(_Strict):
    type: Literal["header_link"]
    links_next_key: str = "next"


class OffsetPaginator(_Strict):
    type: Literal["offset"]
    limit: int = Field(gt=0)
    offset_param: str = "offset"
    limit_param: str = "limit"
    total_path: str | None = None
    has_more_path: str | None = None


class PageNumberPaginator(_Strict):
    type: Literal["page_number"]
    page_param: str = "page"
    base_page: int = 1
    total_path: str | None = None


class SinglePagePaginator(_Strict):
    type: Literal["single_page"]


Paginator = Annotated[
    CursorPaginator
    | JsonLinkPaginator
    | HeaderLinkPaginator
    | OffsetPaginator
    | PageNumberPaginator
    | SinglePagePaginator,
    Field(discriminator="type"),
]


class Endpoint(_Strict):
    path: str = Field(min_length=1)
    method: Literal["GET", "POST"] = "GET"
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    data_selector: str | None = Field(None, description="JSONPath to the records in a response")
    paginator: Paginator | None = None


class RestResource(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    endpoint: Endpoint
    primary_key: str = "id"
    write_disposition: Literal["replace", "append", "merge"] = "replace"
    derived_fields: dict[str, str] = Field(
        default_factory=dict,
        description="Extra top-level fields computed from a JSONPath into each record, e.g. "
        "the first associated company id of a HubSpot deal",
    )


class RestClient(_Strict):
    base_url: str = Field(pattern=r"^https?://", description="The real API's base URL")
    auth: Auth
    paginator: Paginator | None = None
    headers: dict[str, str] = Field(default_factory=dict)


class Sandbox(_Strict):
    """How the connector reaches the local sandbox instead of the real API."""

    path: str = Field(pattern=r"^/", description="Path prefix under AUTONOMOS_SANDBOX_URL")
    credentials: dict[str, str] = Field(
        default_factory=dict,
        description="Public test credentials the sandbox accepts (never real secrets)",
    )


class _SpecBase(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    source_system: str = Field(pattern=NAME_PATTERN)
    domain: Domain
    description: str
    entities: list[Entity] = Field(min_length=1, description="Canonical entities it feeds")
    schema_: str | None = Field(None, alias="$schema")


class GenericRestSpec(_SpecBase):
    kind: Literal["generic_rest"]
    client: RestClient
    sandbox: Sandbox | None = None
    resources: list[RestResource] = Field(min_length=1)

    @model_validator(mode="after")
    def _paginator_is_explicit(self) -> GenericRestSpec:
        for index, resource in enumerate(self.resources):
            if resource.endpoint.paginator is None and self.client.paginator is None:
                raise ValueError(
                    f"resources[{index}] ({resource.name}): no paginator; set "
                    "client.paginator or resources[].endpoint.paginator (use "
                    '{"type": "single_page"} for unpaginated endpoints)'
                )
        names = [resource.name for resource in self.resources]
        if len(set(names)) != len(names):
            raise ValueError(f"resource names must be unique, got {names}")
        return self


class SqlTable(_Strict):
    name: str = Field(min_length=1)
    primary_key: str | None = None
    incremental_column: str | None = None


class SqlSpec(_SpecBase):
    kind: Literal["sql"]
    credentials: SecretRef = Field(description="Secret holding a SQLAlchemy database URL")
    schema_name: str | None = Field(None, description="Database schema to read")
    tables: list[SqlTable] = Field(min_length=1)


class FileTable(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    file_glob: str = Field(min_length=1, description="Glob relative to the tenant's file root")
    primary_key: str | None = None


class FileSpec(_SpecBase):
    kind: Literal["file"]
    format: Literal["csv"] = "csv"
    tables: list[FileTable] = Field(min_length=1)


ConnectorSpec = Annotated[GenericRestSpec | SqlSpec | FileSpec, Field(discriminator="kind")]


def resource_names(spec: GenericRestSpec | SqlSpec | FileSpec) -> list[str]:
    """Names of the dlt resources (raw tables) a spec produces."""
    if isinstance(spec, GenericRestSpec):
        return [resource.name for resource in spec.resources]
    return [table.name for table in spec.tables]


def json_schema() -> dict[str, Any]:
    from pydantic import TypeAdapter

    schema = TypeAdapter(ConnectorSpec).json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "autonomos connector spec"
    return schema


def record_id_columns(spec: GenericRestSpec | SqlSpec | FileSpec) -> dict[str, str | None]:
    """The column identifying a record in each raw table (lineage: source record id)."""
    if isinstance(spec, GenericRestSpec):
        return {resource.name: resource.primary_key for resource in spec.resources}
    return {table.name: table.primary_key for table in spec.tables}
