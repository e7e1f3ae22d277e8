"""CSV and Excel files in the tenant's folder: one table per file pattern, types detected
(or pinned per column in the spec, so one odd file cannot change a column's type)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dlt
from dlt.extract.source import DltSource

from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.specs.file_rules import resolved_inside
from autonomos_pipelines.aam.specs.spec_model import FileSpec, FileTable
from autonomos_pipelines.core.errors import ConfigError

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


def _confined(spec: FileSpec, table: FileTable, root: Path) -> Callable[[Any], Any]:
    """Refuse a matched file whose real path (symlinks resolved) is outside the tenant's
    folder: the glob was checked as text, this checks what it found on disk."""
    from dlt.common.storages.configuration import FilesystemConfiguration

    def check(item: Any) -> Any:
        path = Path(FilesystemConfiguration.make_local_path(item["file_url"]))
        if not resolved_inside(path, root):
            raise ConfigError(
                f"{spec.name}: tables.{table.name}.file_glob {table.file_glob!r} matched "
                f"{item['relative_path']!r}, which resolves outside the tenant's folder "
                "(a symlink?): refused, nothing of this table was loaded"
            )
        return item

    return check


def _table(spec: FileSpec, table: FileTable, root: Path) -> Any:
    from dlt.sources.filesystem import filesystem, read_csv

    files = filesystem(bucket_url=root.as_uri(), file_glob=table.file_glob)
    files.add_map(_confined(spec, table, root))
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
        return [_table(spec, table, root) for table in spec.tables]

    return files()
