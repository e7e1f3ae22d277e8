"""Tenant ids: validated once, where they enter (a CLI argument, a partition key, a registry
row, an HTTP request), then carried as :class:`TenantId` through code that relies on it.

A tenant id becomes a schema name, a DuckDB file name, a Redis key segment, a lock file and a
run tag, so the rule is a strict allow-list, not escaping.
"""

from __future__ import annotations

import re

from autonomos_pipelines.core.errors import InvalidName

_TENANT_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
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


class TenantId(str):
    """A tenant id that passed :func:`validate_tenant_id`. Constructing one validates; a
    TenantId given to TenantId() is returned as it is, so nothing is validated twice."""

    __slots__ = ()

    def __new__(cls, value: str) -> TenantId:
        if type(value) is cls:
            return value  # type: ignore[return-value]
        return super().__new__(cls, validate_tenant_id(value))
