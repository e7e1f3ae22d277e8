"""Response and request models of the value-mapping routes (so OpenAPI documents them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from autonomos_pipelines.api.routes.mapping_models import RegistryRow
from autonomos_pipelines.core.limits import PG_INTEGER_MAX
from autonomos_pipelines.dcl.registry.value_refs import MAX_VALUE_CHARS


class ValueCandidate(BaseModel):
    value: str
    similarity: float


class ValueRow(RegistryRow):
    """One version of one source value's mapping onto a canonical enumeration value."""

    id: int = Field(description="Value-mapping id (`v<id>` in `autonomos review`)")
    source_value: str
    target: str = Field(description="The enumeration it feeds, entity.field")
    canonical_value: str
    candidates: list[ValueCandidate] = Field(description="The evidence: values considered")

    @classmethod
    def of(cls, row: dict[str, Any]) -> ValueRow:
        candidates = (row.get("evidence") or {}).get("candidates", [])
        return cls(
            **{k: v for k, v in row.items() if k in cls.model_fields},
            scope="global" if row["tenant_id"] is None else "tenant",
            target=f"{row['canonical_entity']}.{row['canonical_field']}",
            candidates=[ValueCandidate(value=v, similarity=s) for v, s in candidates],
        )


class SeenValue(BaseModel):
    value: str
    rows: int = Field(description="Rows holding it when the last mapping pass looked")
    state: str = Field(description="canonical | mapped | in review | unknown (kept as sent)")


class FieldValueMap(BaseModel):
    target: str = Field(description="The enumeration the field is mapped onto")
    canonical_values: list[str]
    active: list[ValueRow]
    pending: list[ValueRow]
    seen: list[SeenValue]


class ValueQueue(BaseModel):
    pending: list[ValueRow] = Field(description="Proposed and needs_review value mappings")


class ValueField(BaseModel):
    connector: str = Field(min_length=1, max_length=200)
    table: str = Field(min_length=1, max_length=1024)
    field: str = Field(min_length=1, max_length=1024)
    source_value: str = Field(min_length=1, max_length=MAX_VALUE_CHARS)


class ValueSet(ValueField):
    canonical_value: str = Field(min_length=1, max_length=MAX_VALUE_CHARS)
    reason: str = Field("", max_length=500)


class ValueRollback(ValueField):
    version: int = Field(ge=1, le=PG_INTEGER_MAX, description="Version to restore")
