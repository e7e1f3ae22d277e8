"""The observer's cheap look at a source: the first page of every resource, loaded by dlt into
a throw-away DuckDB, so the table schemas are dlt's own inference of what the source sends
now — a fresh schema, not one that remembers old columns — with hashes of the sampled values
of each column as evidence for renames."""

from __future__ import annotations

import dataclasses
import tempfile
import uuid
from pathlib import Path

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from autonomos_pipelines.aam.connection import Connection
from autonomos_pipelines.aam.runtime import HttpRuntime
from autonomos_pipelines.aam.schema_fingerprint import TableSchema, tables_of, value_hash
from autonomos_pipelines.aam.source_factory import build_source
from autonomos_pipelines.aam.spec_model import AnySpec


def sample_schemas(
    spec: AnySpec, connection: Connection, runtime: HttpRuntime, pages: int = 1
) -> dict[str, TableSchema]:
    source = build_source(spec, connection, runtime).add_limit(pages)
    with tempfile.TemporaryDirectory(prefix="observe") as workdir:
        pipeline = dlt.pipeline(
            pipeline_name=f"observe_{uuid.uuid4().hex[:12]}",
            destination=dlt.destinations.duckdb(str(Path(workdir) / "observed.duckdb")),
            dataset_name="sample",
            pipelines_dir=workdir,
        )
        pipeline.run(source)
        tables = tables_of(pipeline.default_schema)
        with pipeline.sql_client() as client:
            return {
                name: dataclasses.replace(schema, value_hashes=_hashes(client, schema))
                for name, schema in tables.items()
            }


def _hashes(client, schema: TableSchema, limit: int = 50) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    columns = list(schema.columns)
    if not columns:
        return {}
    selected = ", ".join(client.escape_column_name(c) for c in columns)
    table = client.make_qualified_table_name(schema.table)
    try:
        rows = client.execute_sql(f"SELECT {selected} FROM {table} LIMIT 200")  # noqa: S608
    except DatabaseUndefinedRelation:  # schema known (e.g. SQL reflection) but no rows sampled
        return {}
    found: dict[str, set[str]] = {c: set() for c in columns}
    for row in rows or []:
        for column, value in zip(columns, row, strict=True):
            if value is not None and len(found[column]) < limit:
                found[column].add(value_hash(value))
    return {column: sorted(hashes) for column, hashes in found.items() if hashes}
