"""Spec -> dlt source, by kind. HTTP-based kinds share the guarded session (rate limit,
retries) of the load's HttpRuntime."""

from __future__ import annotations

from dlt.extract.source import DltSource

from autonomos_pipelines.aam.adapters.aws_cost import aws_cost_source
from autonomos_pipelines.aam.adapters.files import file_source
from autonomos_pipelines.aam.adapters.key_collisions import KeyCollisions
from autonomos_pipelines.aam.adapters.mongodb import mongo_source
from autonomos_pipelines.aam.adapters.odata import odata_source
from autonomos_pipelines.aam.adapters.rest import rest_source
from autonomos_pipelines.aam.adapters.salesforce import salesforce_source
from autonomos_pipelines.aam.adapters.sql import sql_source
from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.http.session import HttpRuntime, http_runtime
from autonomos_pipelines.aam.specs.spec_model import (
    AnySpec,
    AwsCostSpec,
    FileSpec,
    GenericRestSpec,
    MongoSpec,
    ODataSpec,
    SalesforceSpec,
    SqlSpec,
)


def build_source(
    spec: AnySpec,
    connection: Connection,
    runtime: HttpRuntime | None = None,
    collisions: KeyCollisions | None = None,
) -> DltSource:
    """Build the dlt source for one tenant's connection to one connector. Every resource's
    records pass through ``collisions`` (keys dlt would fold into one column are kept apart;
    pass one in to read what it renamed)."""
    http = runtime or http_runtime(spec, connection.tenant_id)
    http.redactor.protect(connection.secret_values())  # before any request can fail
    source = _source_for(spec, connection, http)
    keep_apart = collisions or KeyCollisions()
    for resource in source.resources.values():
        resource.add_map(keep_apart)
    return source


def _source_for(spec: AnySpec, connection: Connection, runtime: HttpRuntime) -> DltSource:
    if isinstance(spec, GenericRestSpec):
        return rest_source(spec, connection, runtime)
    if isinstance(spec, SalesforceSpec):
        return salesforce_source(spec, connection, runtime)
    if isinstance(spec, ODataSpec):
        return odata_source(spec, connection, runtime)
    if isinstance(spec, AwsCostSpec):
        return aws_cost_source(spec, connection, runtime)
    if isinstance(spec, SqlSpec):
        return sql_source(spec, connection)
    if isinstance(spec, MongoSpec):
        return mongo_source(spec, connection)
    assert isinstance(spec, FileSpec)
    return file_source(spec, connection)
