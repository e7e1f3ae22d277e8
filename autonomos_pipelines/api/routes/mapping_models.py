"""Models shared by the review, mappings and value routes (so OpenAPI documents them)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Candidate(BaseModel):
    target: str
    confidence: float | None


class RegistryRow(BaseModel):
    """What every versioned registry row shows: whose it is, where from, its state."""

    id: int
    tenant_id: str | None = Field(description="None: the global baseline")
    scope: str = Field(description="tenant (the tenant's own) or global (the baseline)")
    connector: str
    source_table: str
    source_field: str
    confidence: float | None
    method: str
    status: str
    version: int
    is_active: bool
    approved_by: str | None
    approved_at: datetime | None
    created_by: str | None
    created_at: datetime
    reason: str | None


class MappingRow(RegistryRow):
    """One version of a field's mapping, as the registry keeps it."""

    target: str | None = Field(description="entity.field; None: no canonical counterpart")
    transform: str
    expression: str | None = Field(
        default=None, description="a computed mapping's expression, else None"
    )
    candidates: list[Candidate] = Field(description="The evidence: targets considered")
    note: str | None = Field(
        default=None,
        description="After an approval: what the field's table still needs before its values "
        "reach a canonical row (its key mapped to the entity's identity field), else None",
    )


class Rejection(BaseModel):
    reason: str = Field("", max_length=500, description="Why (kept in the audit log)")
