"""JSON from a file a user gave: bounded in size and depth, UTF-8, no NaN, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.json_depth import nests_deeper_than
from autonomos_pipelines.core.limits import MAX_JSON_DEPTH, refuse, refuse_constant


def read_bounded(path: Path, limit: int, option: str) -> bytes:
    """The whole file, refused unread when larger than ``limit`` bytes."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # never more than the limit in memory
    except FileNotFoundError:
        raise ConfigError(f"{option} {path}: no such file") from None
    except OSError as error:
        raise ConfigError(f"{option} {path}: cannot read: {error.strerror}") from None
    if len(data) > limit:
        refuse(str(path), f"larger than {limit:,} bytes, the limit for {option}")
    return data


def decode_utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        refuse(where, f"not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})")


def parse_json(raw: bytes, where: str) -> Any:
    """One JSON document; ``where`` (file, or file:line) starts every error."""
    text = decode_utf8(raw, where)
    if nests_deeper_than(raw, MAX_JSON_DEPTH):
        refuse(where, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        refuse(where, f"not JSON ({error.msg} at line {error.lineno} column {error.colno})")
    except ValueError as error:  # parse_constant's refusal
        refuse(where, str(error))
