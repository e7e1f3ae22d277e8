"""Validation of names that end up in SQL identifiers, file paths, Redis keys and run tags.

Tenant ids (``core.tenant_id``) and connector names are *validated* (a strict allow-list),
because they become file names and schema names. Source table and field names come from
external systems and are never validated away: they are always quoted (see
:func:`quote_ident`).
"""

from __future__ import annotations

import re

from autonomos_pipelines.core.errors import InvalidName

_CONNECTOR_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def validate_connector_name(name: str) -> str:
    if not isinstance(name, str) or not _CONNECTOR_RE.fullmatch(name):
        raise InvalidName(
            f"invalid connector name {name!r}: use 2-40 characters, lowercase letters, digits "
            "and underscores, starting with a letter"
        )
    return name


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB and PostgreSQL (both use SQL-standard double quotes)."""
    if "\x00" in name:
        raise InvalidName(f"identifier {name!r} contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for DuckDB and PostgreSQL (standard_conforming_strings on)."""
    if "\x00" in value:
        raise InvalidName(f"value {value!r} contains a NUL character")
    return "'" + value.replace("'", "''") + "'"
