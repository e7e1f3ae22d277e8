"""Typed connector spec model. Each JSON file in connector_specs/ validates against it.

Secrets never appear in a spec: credentials are ``SecretRef`` objects naming the secret key
that the tenant's connection supplies at run time.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from autonomos_pipelines.aam.specs.file_rules import check_relative_pattern
from autonomos_pipelines.aam.specs.http_rules import (
    PAGE_SIZE_MAX,
    check_body,
    check_endpoint_path,
    check_http_url,
    check_values,
)
from autonomos_pipelines.aam.specs.path_rules import (
    JsonPath,
    check_ga4_request,
    check_json_paths,
    unique_names,
)

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
# http(s) only, no credentials, no link-local / cloud metadata host (see http_rules)
HttpUrl = Annotated[
    str, AfterValidator(check_http_url), Field(json_schema_extra={"pattern": "^https?://"})
]
# Relative to the client's base URL: no scheme, host, '..' or query
EndpointPath = Annotated[str, Field(min_length=1), AfterValidator(check_endpoint_path)]
SandboxPath = Annotated[str, Field(pattern=r"^/"), AfterValidator(check_endpoint_path)]
# Relative to the tenant's folder: no absolute path, '..', '~', backslash or control character
FileGlob = Annotated[str, Field(min_length=1), AfterValidator(check_relative_pattern)]


# a query parameter's, a record field's or a header's name: something, and no space or
# control character (a CR/LF in a header name split the request; a blank one sent nothing)
Name = Annotated[str, Field(min_length=1, pattern=r"^[^\x00-\x20\x7f]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    comment: str | None = Field(None, alias="$comment", description="Free text for people")


class SecretRef(_Strict):
    """Where a credential comes from: the tenant's secret called ``secret`` for this connector."""

    secret: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="Secret key name")


class BearerAuth(_Strict):
    type: Literal["bearer"]
    token: SecretRef


class ApiKeyAuth(_Strict):
    type: Literal["api_key"]
    name: Name = Field(description="Header or query parameter name")
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
    cursor_path: JsonPath
    cursor_param: Name
    has_more_path: JsonPath | None = None


class JsonLinkPaginator(_Strict):
    type: Literal["json_link"]
    next_url_path: JsonPath


class HeaderLinkPaginator(_Strict):
    type: Literal["header_link"]
    links_next_key: str = "next"


class OffsetPaginator(_Strict):
    type: Literal["offset"]
    limit: int = Field(ge=1, le=PAGE_SIZE_MAX, strict=True, description="Page size")
    offset_param: Name = "offset"
    limit_param: Name = "limit"
    total_path: JsonPath | None = None
    has_more_path: JsonPath | None = None
    offset_body_path: str | None = Field(None, description="Put offset in a POST body")
    limit_body_path: str | None = Field(None, description="Put limit in a POST body")

    @model_validator(mode="after")
    def _body_paths_together(self) -> OffsetPaginator:
        if (self.offset_body_path is None) != (self.limit_body_path is None):
            raise ValueError(
                "offset_body_path and limit_body_path go together: both in the POST body, "
                "or both as query parameters"
            )
        return self


class PageNumberPaginator(_Strict):
    type: Literal["page_number"]
    page_param: Name = "page"
    base_page: int = Field(1, ge=0, le=1, strict=True, description="Number of the first page")
    total_path: JsonPath | None = None


class SinglePagePaginator(_Strict):
    type: Literal["single_page"]


class CursorUntilPaginator(_Strict):
    """Cursor paging that stops when a flag in the body turns true (Zendesk end_of_stream)."""

    type: Literal["cursor_until"]
    cursor_path: JsonPath
    cursor_param: Name
    stop_path: JsonPath


Paginator = Annotated[
    CursorPaginator
    | JsonLinkPaginator
    | HeaderLinkPaginator
    | OffsetPaginator
    | PageNumberPaginator
    | SinglePagePaginator
    | CursorUntilPaginator,
    Field(discriminator="type"),
]


class Incremental(_Strict):
    """Load only records changed since the last run; dlt keeps the cursor per tenant."""

    cursor_path: JsonPath = Field(
        description="Field of each record that only grows, e.g. updated_at"
    )
    start_param: Name = Field(description="Query parameter that takes the last value seen")
    initial_value: str | Annotated[int, Field(ge=-(2**53), le=2**53)] = Field(
        description="Where the first run starts"
    )


class Endpoint(_Strict):
    path: EndpointPath
    method: Literal["GET", "POST"] = "GET"
    params: Annotated[
        dict[str, str | int | float | bool | SecretRef], AfterValidator(check_values)
    ] = Field(default_factory=dict, description='Credentials only as {"secret": NAME}')
    json_body: Annotated[dict[str, Any] | None, AfterValidator(check_body)] = Field(
        None, alias="json", description="POST body"
    )
    data_selector: JsonPath | None = Field(
        None, description="JSONPath to the records in a response"
    )
    paginator: Paginator | None = None
    incremental: Incremental | None = None


class RestResource(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    endpoint: Endpoint
    primary_key: Name = "id"
    write_disposition: Literal["replace", "append", "merge"] = "replace"
    derived_fields: Annotated[dict[str, str | list[str]], AfterValidator(check_json_paths)] = Field(
        default_factory=dict,
        description="Extra top-level fields computed from a JSONPath into each record, e.g. "
        "the first associated company id of a HubSpot deal; a list of paths takes the first "
        "that finds a value (the item marked primary, else the first item)",
    )
    record_hook: Literal["ga4_report_rows"] | None = Field(
        None, description="Named code hook that reshapes each record (makes the spec hybrid)"
    )

    @model_validator(mode="after")
    def _ga4_request_names_its_columns(self) -> RestResource:
        if self.record_hook == "ga4_report_rows":
            check_ga4_request(self.endpoint.json_body or {})
        return self


class ResponseCheck(_Strict):
    """For APIs that report errors inside an HTTP 200 body (Slack's {"ok": false})."""

    success_path: JsonPath
    error_path: JsonPath | None = None


class RestClient(_Strict):
    base_url: HttpUrl = Field(description="The real API's base URL")
    auth: Auth
    paginator: Paginator | None = None
    headers: Annotated[dict[Name, str | SecretRef], AfterValidator(check_values)] = Field(
        default_factory=dict, description='Credentials only as {"secret": NAME}'
    )
    response_check: ResponseCheck | None = None


class Sandbox(_Strict):
    """How the connector reaches the local sandbox instead of the real API."""

    path: SandboxPath = Field(description="Path prefix under AUTONOMOS_SANDBOX_URL")
    credentials: dict[str, str] = Field(
        default_factory=dict,
        description="Public test credentials the sandbox accepts (never real secrets)",
    )


class Implementation(_Strict):
    """How much code the connector needs, and why."""

    type: Literal["generic", "hybrid", "custom"] = Field(
        description="generic: config only; hybrid: config plus a named code hook; "
        "custom: its own adapter code"
    )
    reason: str = Field(min_length=10)


class RateLimit(_Strict):
    """Client-side limit per tenant and connector (the server's Retry-After always wins)."""

    requests_per_second: float = Field(gt=0, le=10_000, allow_inf_nan=False)
    burst: int = Field(1, ge=1, le=10_000)


class _SpecBase(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    source_system: str = Field(pattern=NAME_PATTERN)
    domain: Domain
    description: str
    implementation: Implementation
    entities: list[Entity] = Field(min_length=1, description="Canonical entities it feeds")
    rate_limit: RateLimit | None = None
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
    incremental_column: JsonPath | None = None


class DatabaseSandbox(_Strict):
    """A seeded database the sandbox creates on the project's own PostgreSQL server."""

    database: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    dataset: str = Field(pattern=NAME_PATTERN, description="Seed data set to load")


class SqlSpec(_SpecBase):
    kind: Literal["sql"]
    credentials: SecretRef = Field(description="Secret holding a SQLAlchemy database URL")
    schema_name: str | None = Field(None, description="Database schema to read")
    sandbox: DatabaseSandbox | None = None
    tables: list[SqlTable] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_tables(self) -> SqlSpec:
        unique_names([t.name for t in self.tables], "table names")
        return self


class FileTable(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    file_glob: FileGlob = Field(description="Glob relative to the tenant's file root")
    primary_key: str | None = None
    column_types: dict[str, Literal["text", "bigint", "double", "bool", "timestamp", "date"]] = (
        Field(default_factory=dict, description="Pinned column types (others are detected)")
    )


class FileSpec(_SpecBase):
    kind: Literal["file"]
    format: Literal["csv", "excel"] = "csv"
    tables: list[FileTable] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_tables(self) -> FileSpec:
        unique_names([t.name for t in self.tables], "table names")
        return self


class OAuth2RefreshToken(_Strict):
    type: Literal["oauth2_refresh_token"]
    token_url: HttpUrl
    client_id: SecretRef
    client_secret: SecretRef
    refresh_token: SecretRef


class OAuth2ClientCredentials(_Strict):
    type: Literal["oauth2_client_credentials"]
    token_url: HttpUrl
    client_id: SecretRef
    client_secret: SecretRef
    scope: str


class OAuthSandbox(Sandbox):
    token_path: SandboxPath = Field(description="Token endpoint under the sandbox URL")


# SOQL has no identifier quoting: names are restricted to what Salesforce API names allow.
SoqlName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")]


class SalesforceObject(_Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", description="sObject API name")
    table: str = Field(pattern=NAME_PATTERN)
    fields: list[SoqlName] = Field(min_length=1)
    incremental_field: SoqlName | None = "SystemModstamp"


class SalesforceSpec(_SpecBase):
    """SOQL through the REST query endpoint, nextRecordsUrl paging, OAuth2 refresh token."""

    kind: Literal["salesforce"]
    instance_url: HttpUrl = Field(description="Used until a token names one")
    api_version: str = Field("v59.0", pattern=r"^v\d+\.\d$")
    batch_size: int = Field(2000, ge=200, le=2000)
    auth: OAuth2RefreshToken
    sandbox: OAuthSandbox | None = None
    objects: list[SalesforceObject] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_tables(self) -> SalesforceSpec:
        unique_names([o.table for o in self.objects], "object tables")
        return self


class ODataEntitySet(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Entity set, e.g. accounts")
    table: str = Field(pattern=NAME_PATTERN)
    primary_key: str
    select: list[str] = Field(min_length=1)
    incremental_field: JsonPath | None = "modifiedon"


class ODataSpec(_SpecBase):
    """OData v4 (Dynamics 365 Web API): $select, @odata.nextLink, client-credentials OAuth2."""

    kind: Literal["odata"]
    base_url: HttpUrl
    page_size: int = Field(500, ge=1, le=5000)
    auth: OAuth2ClientCredentials
    sandbox: OAuthSandbox | None = None
    entity_sets: list[ODataEntitySet] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_tables(self) -> ODataSpec:
        unique_names([e.table for e in self.entity_sets], "entity set tables")
        return self


class AwsCostSpec(_SpecBase):
    """AWS Cost Explorer GetCostAndUsage, signed with SigV4 by botocore."""

    kind: Literal["aws_cost_explorer"]
    endpoint_url: HttpUrl = "https://ce.us-east-1.amazonaws.com"
    region: str = "us-east-1"
    access_key_id: SecretRef
    secret_access_key: SecretRef
    granularity: Literal["DAILY", "MONTHLY"] = "DAILY"
    metrics: list[str] = Field(default_factory=lambda: ["UnblendedCost", "UsageQuantity"])
    group_by: list[str] = Field(default_factory=lambda: ["SERVICE"], min_length=1, max_length=2)
    lookback_days: int = Field(90, ge=1, le=365)
    table: str = Field("daily_costs", pattern=NAME_PATTERN)
    sandbox: Sandbox | None = None


class MongoCollection(_Strict):
    name: str = Field(min_length=1)
    table: str = Field(pattern=NAME_PATTERN)
    incremental_field: JsonPath | None = None


class MongoSandbox(_Strict):
    dataset: str = Field(pattern=NAME_PATTERN, description="Seed data set for the in-memory fake")


class MongoSpec(_SpecBase):
    kind: Literal["mongodb"]
    connection_url: SecretRef
    database: str = Field(min_length=1)
    sandbox: MongoSandbox | None = None
    collections: list[MongoCollection] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_tables(self) -> MongoSpec:
        unique_names([c.table for c in self.collections], "collection tables")
        return self


ConnectorSpec = Annotated[
    GenericRestSpec | SqlSpec | FileSpec | SalesforceSpec | ODataSpec | AwsCostSpec | MongoSpec,
    Field(discriminator="kind"),
]
AnySpec = (
    GenericRestSpec | SqlSpec | FileSpec | SalesforceSpec | ODataSpec | AwsCostSpec | MongoSpec
)


def record_id_columns(spec: AnySpec) -> dict[str, str | None]:
    """Raw table -> the column identifying a record (lineage: source record id)."""
    if isinstance(spec, GenericRestSpec):
        return {resource.name: resource.primary_key for resource in spec.resources}
    if isinstance(spec, SqlSpec | FileSpec):
        return {table.name: table.primary_key for table in spec.tables}
    if isinstance(spec, SalesforceSpec):
        return {item.table: "id" for item in spec.objects}  # dlt normalises Id -> id
    if isinstance(spec, ODataSpec):
        return {item.table: item.primary_key for item in spec.entity_sets}
    if isinstance(spec, AwsCostSpec):
        return {spec.table: "record_id"}
    return {item.table: "_id" for item in spec.collections}


def resource_names(spec: AnySpec) -> list[str]:
    """Names of the dlt resources (raw tables) a spec produces."""
    return list(record_id_columns(spec))


def json_schema() -> dict[str, Any]:
    from pydantic import TypeAdapter

    schema = TypeAdapter(ConnectorSpec).json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "autonomos connector spec"
    return schema
