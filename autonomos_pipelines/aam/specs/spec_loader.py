"""Load and validate connector specs; errors name the file, the JSON path and the problem."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from autonomos_pipelines.aam.specs.spec_model import AnySpec, ConnectorSpec
from autonomos_pipelines.core.errors import SpecError
from autonomos_pipelines.core.json_depth import nests_deeper_than
from autonomos_pipelines.core.limits import MAX_JSON_DEPTH, MAX_SPEC_BYTES, refuse_constant
from autonomos_pipelines.core.settings import get_settings

__all__ = ["AnySpec", "get_spec", "load_spec_file", "load_specs", "parse_spec"]
SCHEMA_FILE_NAME = "connector_spec.schema.json"
_ADAPTER: TypeAdapter[AnySpec] = TypeAdapter(ConnectorSpec)


def packaged_specs_dir() -> Path:
    """The catalogue shipped with the project: the ``connector_specs`` package's folder (the
    checkout's connector_specs/ in an editable install, site-packages in a wheel)."""
    return Path(str(resources.files("connector_specs")))


def catalogue_dirs() -> list[Path]:
    """Where specs are read from: the shipped catalogue, then AUTONOMOS_CONNECTOR_SPECS (whose
    specs are added to it, and replace a shipped one of the same name)."""
    configured = get_settings().connector_specs
    if configured is not None and not configured.is_dir():
        raise SpecError(f"AUTONOMOS_CONNECTOR_SPECS={configured}: not a folder")
    return [packaged_specs_dir(), *([configured] if configured else [])]


def specs_dir() -> Path:
    """Where new specs are written (and the JSON Schema): the configured folder if there is
    one, else the shipped catalogue (a checkout's connector_specs/)."""
    return catalogue_dirs()[-1]


def _json_path(location: tuple[str | int, ...]) -> str:
    path = "$"
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _drop_union_tags(location: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """Remove pydantic's discriminator tags (e.g. 'generic_rest', 'bearer') from a location."""
    kept: list[str | int] = []
    node = data
    for part in location:
        is_tag = isinstance(node, dict) and part in (node.get("kind"), node.get("type"))
        if is_tag and part not in node:
            continue
        kept.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(kept)


def _message(item: Any) -> str:
    """The rule broken, with the number that broke it (a rule of our own names the value
    itself; strings are not echoed by pydantic's rules, since one may be a pasted secret)."""
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "union_tag_invalid":  # pydantic names the tag given: it may be anything
        expected = item.get("ctx", {}).get("expected_tags", "")
        message = f"not one of the known values ({expected})"
    value = item.get("input")
    if isinstance(value, int | float) and not isinstance(value, bool):
        message += f" (got {value})"
    return message


def parse_spec(data: Any, source: str) -> AnySpec:
    """Validate a decoded spec; ``source`` names where it came from for error messages."""
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = _drop_union_tags(tuple(item["loc"]), data)
            if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
                location += (str(item.get("ctx", {}).get("discriminator", "")).strip("'"),)
            problems.append(f"{_json_path(location)}: {_message(item)}")
        raise SpecError(f"{source}: invalid connector spec: " + "; ".join(problems)) from None


def load_spec_file(path: Path) -> AnySpec:
    text = _read_spec_text(path)
    try:
        data = json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise SpecError(
            f"{path}: not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:  # NaN or Infinity
        raise SpecError(f"{path}: {error}") from None
    spec = parse_spec(data, str(path))
    if spec.name != path.stem:
        raise SpecError(f"{path}: $.name is {spec.name!r} but the file is named {path.stem!r}")
    return spec


def _read_spec_text(path: Path) -> str:
    """The spec's text, refused unread past MAX_SPEC_BYTES, undecodable or nested too deep."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SPEC_BYTES + 1)
    except OSError as error:
        raise SpecError(f"{path}: cannot read connector spec: {error.strerror}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(f"{path}: larger than {MAX_SPEC_BYTES:,} bytes, the limit for a spec")
    if nests_deeper_than(raw, MAX_JSON_DEPTH):
        raise SpecError(f"{path}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(f"{path}: not UTF-8 (byte offset {error.start})") from None


def load_specs(directory: Path | None = None) -> dict[str, AnySpec]:
    """All specs in a directory (default: the whole catalogue), keyed by connector name, sorted
    by name."""
    if directory is None:
        merged: dict[str, AnySpec] = {}
        for folder in catalogue_dirs():
            merged |= load_specs(folder)
        return dict(sorted(merged.items()))
    files = sorted(p for p in directory.glob("*.json") if p.name != SCHEMA_FILE_NAME)
    return {spec.name: spec for spec in (load_spec_file(path) for path in files)}


@cache
def default_specs() -> dict[str, AnySpec]:
    return load_specs()


def get_spec(name: str) -> AnySpec:
    specs = default_specs()
    if name not in specs:
        raise SpecError(f"unknown connector {name!r}; known: {', '.join(sorted(specs))}")
    return specs[name]
