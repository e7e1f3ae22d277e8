"""SQL databases (Postgres, Supabase, anything SQLAlchemy reaches) through dlt sql_database."""

from __future__ import annotations

from typing import Any

import dlt
from dlt.extract.source import DltSource

from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.specs.spec_model import SqlSpec


def sql_source(spec: SqlSpec, connection: Connection) -> DltSource:
    from dlt.sources.sql_database import sql_database

    source = sql_database(
        credentials=connection.secret(spec.credentials.secret),
        schema=spec.schema_name,
        table_names=[table.name for table in spec.tables],
        defer_table_reflect=True,
        # foreign-key constraints become `references` hints: the mapper's evidence of what a
        # key column points at (warehouse/dlt_hints.py)
        resolve_foreign_keys=True,
        # its default (False) is the deprecated value and warns; None is "not given"
        detect_precision_hints=None,
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
