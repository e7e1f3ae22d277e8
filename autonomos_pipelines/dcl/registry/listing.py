"""The active mappings that apply to a tenant, as data and in pages.

A page ends at a field key; the cursor is that key, so a page boundary does not move when
mappings are added or removed elsewhere in the list."""

from __future__ import annotations

import base64
import binascii
import json

from autonomos_pipelines.core.limits import refuse
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.store import Mapping, Registry

Key = tuple[str, str, str]


def target_of(mapping: Mapping) -> str | None:
    """`entity.field`, or None for a field decided to have no canonical counterpart."""
    if not mapping.canonical_field:
        return None
    return f"{mapping.canonical_entity}.{mapping.canonical_field}"


def mapping_entry(mapping: Mapping) -> dict:
    """One active mapping as data; `scope` says whether it is the tenant's own or inherited
    from the global baseline."""
    return {
        "id": mapping.id,
        "connector": mapping.connector,
        "source_table": mapping.source_table,
        "source_field": mapping.source_field,
        "target": target_of(mapping),
        "transform": mapping.transform,
        "expression": mapping.expression,
        "confidence": mapping.confidence,
        "method": mapping.method,
        "version": mapping.version,
        "scope": "global" if mapping.tenant_id is None else "tenant",
    }


def _key(mapping: Mapping) -> Key:
    return (mapping.connector, mapping.source_table.lower(), mapping.source_field)


def encode_cursor(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Key:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        key = None
    if not (isinstance(key, list) and len(key) == 3 and all(isinstance(k, str) for k in key)):
        refuse("cursor", "not a cursor this API returned (pass next_cursor unchanged)")
    return (key[0], key[1], key[2])


def applying(registry: Registry, tenant_id: TenantId | None) -> list[Mapping]:
    """The active mappings that apply to the tenant (its own, else the baseline's; None:
    the baseline alone), ordered by field key: what the API lists and `mappings export`
    writes."""
    return sorted(registry.active_mappings(tenant_id), key=_key)


def active_page(
    registry: Registry, tenant_id: TenantId, limit: int, cursor: str | None = None
) -> tuple[list[Mapping], str | None]:
    """Up to `limit` active mappings after `cursor`, ordered by field key, and the cursor of
    the next page (None: this was the last)."""
    after = decode_cursor(cursor) if cursor else None
    ordered = applying(registry, tenant_id)
    remaining = [m for m in ordered if after is None or _key(m) > after]
    page = remaining[:limit]
    more = len(remaining) > limit
    return page, encode_cursor(_key(page[-1])) if more and page else None
