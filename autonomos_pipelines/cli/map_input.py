"""What `autonomos map` reads, within the limits of core.limits, streaming: a line is checked
before the next is read, so an oversized or malformed input is refused without being loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.json_input import parse_json, read_bounded
from autonomos_pipelines.core.limits import (
    MAX_FIELDS,
    MAX_INPUT_BYTES,
    MAX_LINE_BYTES,
    MAX_TARGET_SCHEMA_BYTES,
    refuse,
)
from autonomos_pipelines.dcl.mapping_batch import DistinctFields


def read_fields(path: Path) -> tuple[list[dict], list]:
    """FIELDS.jsonl as (the rows as given, their SourceFields); one line per field."""
    from autonomos_pipelines.dcl.matching.source_field import SourceField

    if path.is_dir():
        raise ConfigError(f"--input {path}: is a directory; give a FIELDS.jsonl file")
    if not path.is_file():
        raise ConfigError(f"--input {path}: no such file")
    rows, fields = [], []
    seen = DistinctFields()
    with path.open("rb") as handle:
        for number, raw in _lines(handle, path):
            where = f"{path}:{number}"
            if not raw.strip():
                refuse(where, "empty line (one JSON object per line)")
            data = parse_json(raw, where)
            field = SourceField.from_json(data, where)
            seen.check(field, f"line {number}", where)
            fields.append(field)
            rows.append(data)
    return rows, fields


def _lines(handle: BinaryIO, path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, line) with each line, their count and their total size bounded."""
    total = 0
    for number in range(1, MAX_FIELDS + 2):
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        total += len(raw)
        if len(raw.rstrip(b"\r\n")) > MAX_LINE_BYTES:
            refuse(f"{path}:{number}", f"line longer than {MAX_LINE_BYTES:,} bytes")
        if total > MAX_INPUT_BYTES:
            refuse(str(path), f"larger than {MAX_INPUT_BYTES:,} bytes, the limit for --input")
        if number > MAX_FIELDS:
            refuse(f"{path}:{number}", f"more than {MAX_FIELDS:,} fields in one call")
        yield number, raw


def read_target_schema(path: Path | None) -> Any:
    """--target-schema S.json as a TargetSchema, or None for the canonical model."""
    if path is None:
        return None
    from autonomos_pipelines.dcl.matching.targets import targets_from_json

    data = parse_json(read_bounded(path, MAX_TARGET_SCHEMA_BYTES, "--target-schema"), str(path))
    return targets_from_json(data, str(path))
