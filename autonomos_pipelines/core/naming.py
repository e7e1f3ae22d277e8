"""Validation of names that end up in SQL identifiers, file paths, Redis keys and run tags.

Tenant and connector names are *validated* (a strict allow-list), because they become file
names and schema names. Source table and field names come from external systems and are never
validated away: they are always quoted (see :func:`quote_ident`).
"""

from __future__ import annotations

import re

from autonomos_pipelines.core.errors import InvalidName

_TENANT_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_CONNECTOR_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_RESERVED = {"public", "global", "information_schema", "pg_catalog", "main", "temp", "system"}


def validate_tenant_id(tenant_id: str) -> str:
    """Return the tenant id if it is safe for SQL, paths and keys; raise InvalidName otherwise."""
    if not isinstance(tenant_id, str) or not _TENANT_RE.fullmatch(tenant_id):
        raise InvalidName(
            f"invalid tenant name {tenant_id!r}: use 2-40 characters, lowercase letters, digits "
            "and underscores, starting with a letter"
        )
    if "__" in tenant_id:
        # "__" separates the tenant from the rest of per-tenant schema names.
        raise InvalidName(f"invalid tenant name {tenant_id!r}: no double underscores")
    if tenant_id in _RESERVED or tenant_id.startswith("pg_"):
        raise InvalidName(f"invalid tenant name {tenant_id!r}: the name is reserved")
    return tenant_id


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
