"""Names for value-mapping rows: what a source value is, the active map as data, how a row is
keyed in the audit log and shown to a reviewer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.refs import FieldRef

VALUE_COLUMNS = """id, tenant_id, connector, source_table, source_field, source_value,
    canonical_entity, canonical_field, canonical_value, confidence, method, status, version,
    is_active, reason, evidence, approved_by, approved_at, created_by, created_at"""
# a value longer than this is not an enumeration's: never observed, proposed or stored
MAX_VALUE_CHARS = 200
# review ids of value mappings carry this prefix (`v12`), field mappings' are bare numbers
REVIEW_PREFIX = "v"


@dataclass(frozen=True)
class ValueRef:
    """One value of one source field, in a tenant's namespace (None: the global baseline)."""

    field: FieldRef
    source_value: str

    @property
    def tenant_id(self) -> TenantId | None:
        return self.field.tenant_id

    @property
    def key(self) -> str:
        return f"{self.field.key}={self.source_value!r}"


@dataclass(frozen=True)
class ValueMapping:
    """An active value mapping: the source value becomes ``canonical_value``."""

    id: int
    tenant_id: TenantId | None
    connector: str
    source_table: str
    source_field: str
    source_value: str
    canonical_entity: str
    canonical_field: str
    canonical_value: str
    confidence: float | None
    method: str
    status: str
    version: int

    @property
    def target(self) -> str:
        return f"{self.canonical_entity}.{self.canonical_field}"

    @property
    def field_key(self) -> tuple[str, str, str]:
        """(connector, lower(table), field): how the mapping index keys a source field."""
        return (self.connector, self.source_table.lower(), self.source_field)


def value_key(row: Any) -> str:
    """A row's audit-log key: `connector.table.field='value'@version`."""
    return (
        f"{row['connector']}.{row['source_table']}.{row['source_field']}"
        f"={row['source_value']!r}@{row['version']}"
    )


def value_state(row: Any) -> dict:
    """What the audit log records of a row before and after a change."""
    return {
        "target": f"{row['canonical_entity']}.{row['canonical_field']}",
        "canonical_value": row["canonical_value"],
        "status": row["status"],
    }


def review_id(row: Any) -> str:
    return f"{REVIEW_PREFIX}{row['id']}"
