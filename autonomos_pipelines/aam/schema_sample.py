"""The observer's cheap look at a source: the first page of every resource, run through dlt's
extract and normalize (no load) in a throw-away pipeline, so the table schemas are dlt's own
inference of what the source sends now — a fresh schema, not one that remembers old columns."""

from __future__ import annotations

import tempfile
import uuid

import dlt

from autonomos_pipelines.aam.connection import Connection
from autonomos_pipelines.aam.runtime import HttpRuntime
from autonomos_pipelines.aam.schema_fingerprint import TableSchema, tables_of
from autonomos_pipelines.aam.source_factory import build_source
from autonomos_pipelines.aam.spec_model import AnySpec


def sample_schemas(
    spec: AnySpec, connection: Connection, runtime: HttpRuntime, pages: int = 1
) -> dict[str, TableSchema]:
    source = build_source(spec, connection, runtime).add_limit(pages)
    with tempfile.TemporaryDirectory(prefix="observe") as workdir:
        pipeline = dlt.pipeline(
            pipeline_name=f"observe_{uuid.uuid4().hex[:12]}",
            destination="duckdb",
            pipelines_dir=workdir,
        )
        pipeline.extract(source)
        pipeline.normalize()
        return tables_of(pipeline.default_schema)
