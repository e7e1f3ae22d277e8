"""Rules on what a spec names that dlt reads later: JSONPaths (dlt parses them with
jsonpath-ng only when the source is built, whose own errors named neither file nor key),
table names (two of one name load into one), and a GA4 request's columns (its rows are
positional). Each raises ValueError, which the loader reports with the JSON path."""

from __future__ import annotations

from typing import Annotated, Any

from jsonpath_ng.ext import parse as parse_json_path  # the parser dlt runs paths with
from pydantic import AfterValidator, Field


def check_json_path(path: str) -> str:
    """A path dlt reads with jsonpath-ng: refused here, naming where, not when the source is
    built (jsonpath-ng's own lexer and parser errors, which named neither file nor key)."""
    try:
        parse_json_path(path)
    except Exception as error:  # jsonpath-ng's lexer and parser raise their own kinds
        raise ValueError(f"{path[:80]!r} is not a JSONPath ({str(error)[:120]})") from None
    return path


# a record's field or a response's part, as dlt reads it (a plain name is a JSONPath too)
JsonPath = Annotated[str, Field(min_length=1), AfterValidator(check_json_path)]


def unique_names(names: list[str], what: str) -> None:
    """Two tables of one name would load into one (dlt refused it when the source was built)."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"{what} must be unique: {', '.join(map(repr, repeated))} repeated")


def check_json_paths(fields: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
    for name, paths in fields.items():
        if not paths:
            raise ValueError(f"derived field {name!r} has no JSONPath")
        for path in [paths] if isinstance(paths, str) else paths:
            try:
                check_json_path(path)
            except ValueError as error:
                raise ValueError(f"derived field {name!r}: {error}") from None
    return fields


def check_ga4_request(body: dict[str, Any]) -> None:
    """GA4's rows are positional: the ga4_report_rows hook names each value after the
    dimension or metric the request body asks for, so the body must list them."""
    for key in ("dimensions", "metrics"):
        listed = body.get(key)
        named = isinstance(listed, list) and all(
            isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]
            for item in listed
        )
        if not listed or not named:
            raise ValueError(
                f'record_hook ga4_report_rows needs endpoint.json.{key}: a list of {{"name": ...}} '
                "objects"
            )
