"""CSV and Excel files in the tenant's folder: one table per file pattern, types detected
(or pinned per column in the spec, so one odd file cannot change a column's type)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.extract.source import DltSource

from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.specs.spec_model import FileSpec, FileTable

DLT_TYPES = {
    "text": "text",
    "bigint": "bigint",
    "double": "double",
    "bool": "bool",
    "timestamp": "timestamp",
    "date": "date",
}


def _excel_rows(items: Iterator[Any]) -> Iterator[list[dict[str, Any]]]:
    import pandas as pd

    for item in items:
        with item.open() as handle:
            for _, frame in pd.read_excel(handle, sheet_name=None, dtype=object).items():
                frame = frame.astype(object).where(frame.notna(), None)
                yield frame.to_dict(orient="records")


def _table(spec: FileSpec, table: FileTable, root_uri: str) -> Any:
    from dlt.sources.filesystem import filesystem, read_csv

    files = filesystem(bucket_url=root_uri, file_glob=table.file_glob)
    reader = (
        (files | read_csv()) if spec.format == "csv" else (files | dlt.transformer(_excel_rows))
    )
    reader = reader.with_name(table.name)
    columns = {name: {"data_type": DLT_TYPES[kind]} for name, kind in table.column_types.items()}
    reader.apply_hints(
        write_disposition="replace",
        primary_key=table.primary_key or (),
        columns=columns or None,  # type: ignore[arg-type]
    )
    return reader


def file_source(spec: FileSpec, connection: Connection) -> DltSource:
    root = connection.file_root
    assert root is not None, "file connections always have a root"

    @dlt.source(name=spec.name)
    def files() -> list[Any]:
        return [_table(spec, table, root.as_uri()) for table in spec.tables]

    return files()
