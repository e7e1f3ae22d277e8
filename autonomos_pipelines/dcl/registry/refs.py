"""Names for mapping rows shared by the workflow and the batch writer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from autonomos_pipelines.core.errors import AutonomosError, NotFound
from autonomos_pipelines.core.tenant_id import TenantId

ROW_FIELDS = (
    "id", "tenant_id", "connector", "source_table", "source_field", "canonical_entity",
    "canonical_field", "transform", "confidence", "method", "status", "version", "is_active",
    "approved_by", "approved_at", "created_by", "created_at", "reason", "evidence", "expression",
)  # fmt: skip
ROW_COLUMNS = ", ".join(ROW_FIELDS)


class PermissionDenied(AutonomosError):
    """The acting user lacks the role for this action (the refusal is audited)."""


class WorkflowError(AutonomosError):
    """The requested transition is not allowed from the mapping's current state."""


class UnknownMapping(WorkflowError, NotFound):
    """No mapping row of that id that the session can see (RLS hides other tenants')."""


class MappingConflict(WorkflowError):
    """Approving would leave one source field or one canonical field with two meanings."""


@dataclass(frozen=True)
class FieldRef:
    tenant_id: TenantId | None
    connector: str
    source_table: str
    source_field: str

    @property
    def key(self) -> str:
        return f"{self.connector}.{self.source_table}.{self.source_field}"


def row_key(row: Any) -> str:
    return f"{row['connector']}.{row['source_table']}.{row['source_field']}@{row['version']}"


def row_value(row: Any) -> dict:
    field = row["canonical_field"]
    target = f"{row['canonical_entity']}.{field}" if field else None
    value = {"target": target, "transform": row["transform"], "status": row["status"]}
    if row.get("expression"):  # audited like a transform change
        value["expression"] = row["expression"]
    return value


@contextmanager
def known_tenants(tenants: Iterable[str | None]) -> Iterator[None]:
    """A write for a tenant never added is refused as such, not as the database's foreign
    key violation (a traceback from `autonomos mappings set --tenant` before `tenants add`)."""
    try:
        yield
    except sa.exc.IntegrityError as error:
        if "tenant_id_fkey" not in str(error.orig):
            raise
        named = ", ".join(sorted(repr(t) for t in tenants if t is not None))
        raise WorkflowError(
            f"unknown tenant {named}; add it with `autonomos tenants add`"
        ) from None
