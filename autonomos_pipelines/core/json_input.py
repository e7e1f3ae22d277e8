"""JSON from a file a user gave: bounded in size and depth, UTF-8, no NaN, one-line errors."""

from __future__ import annotations

import json
import math
import re
import sys
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


# an escaped UTF-16 surrogate (\\ud83d): half of a pair, or a pair, which the parser joins
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(raw: bytes, where: str) -> Any:
    """One JSON document; ``where`` (file, or file:line) starts every error."""
    text = decode_utf8(raw, where)
    if nests_deeper_than(raw, MAX_JSON_DEPTH):
        refuse(where, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        document = json.loads(
            text, parse_constant=refuse_constant, parse_float=_finite, parse_int=_readable
        )
    except json.JSONDecodeError as error:
        refuse(where, f"not JSON ({error.msg} at line {error.lineno} column {error.colno})")
    except ValueError as error:  # a number's refusal
        refuse(where, str(error))
    if _SURROGATE_ESCAPE.search(raw) and (found := unwritable_at(document, "")) is not None:
        refuse(where, found)
    return document


def _finite(text: str) -> float:
    """A JSON number as a float; one past a double's range (``1e999``) is refused: it would
    be read as infinity, which no JSON output can carry."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:32]} is out of range for a JSON number")
    return value


def _readable(text: str) -> int:
    """A JSON integer; one longer than Python reads (4,300 digits) is refused plainly."""
    digits = len(text.lstrip("-"))
    if digits > sys.get_int_max_str_digits():
        raise ValueError(f"a number of {digits:,} digits: write it as a string")
    return int(text)


def unwritable_at(value: Any, path: str) -> str | None:
    """What no JSON output can carry, first found in a parsed document and named by where it
    is (``path``: the document's own name): a string (a key too) holding an unpaired UTF-16
    surrogate, no character, or a number that is not finite (``1e999`` read by a reader
    that allows it)."""
    if isinstance(value, str):
        half = _SURROGATE.search(value)
        if half is None:
            return None
        shown = path.encode("utf-8", "backslashreplace").decode("utf-8")  # printable as is
        return f"'{shown}' holds \\u{ord(half.group()):04x}, half of a UTF-16 pair: no character"
    if isinstance(value, float) and not math.isfinite(value):
        return f"'{path}' is {value}: not a JSON number"
    if isinstance(value, dict):
        for key, item in value.items():
            named = f"{path}.{key}" if path else key
            found = unwritable_at(key, f"a key of {path or 'the object'}")
            if (found := found or unwritable_at(item, named)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := unwritable_at(item, f"{path}[{index}]")) is not None:
                return found
    return None
